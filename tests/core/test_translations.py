"""The translation catalogues (issues 12 and 26: Hindi, Marathi, Tamil): every sentence
extracted is translated into every language, each in its own script, placeholders agree, the catalogues compile with Babel and pass GNU msgfmt --check,
hi.po is up to date with the code, and no translated text is built from pieces."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging" / "backend"))
import catalogues  # noqa: E402

sys.path.pop(0)

LANGUAGES = catalogues.languages()
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
#: Each language's script: a sentence of words must be written in it.
SCRIPTS = {"hi": DEVANAGARI, "mr": DEVANAGARI, "ta": re.compile(r"[\u0B80-\u0BFF]")}


@pytest.fixture(scope="module")
def template():
    return catalogues.extract()


def _ids(catalog):
    return {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_sentence_has_a_translation(template, lang):
    catalog = _ids(catalogues.read(ROOT / "resources" / "locale" / f"{lang}.po"))
    missing, fuzzy = [], []
    for msgid, message in _ids(template).items():
        have = catalog.get(msgid)
        strings = () if have is None else (
            have.string if isinstance(have.string, tuple) else (have.string,))
        if have is None or not strings or not all(strings):
            missing.append(msgid)
        elif "fuzzy" in have.flags:
            fuzzy.append(msgid)
    assert not missing, f"{len(missing)} of {len(template)} untranslated in {lang}.po, " \
                        f"e.g. {missing[:5]} (python packaging/backend/catalogues.py update)"
    assert not fuzzy, f"fuzzy in {lang}.po: {fuzzy[:5]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogue_holds_no_sentence_the_code_no_longer_has(template, lang):
    catalog = _ids(catalogues.read(ROOT / "resources" / "locale" / f"{lang}.po"))
    stale = sorted(set(catalog) - set(_ids(template)))
    assert not stale, f"{lang}.po is older than the code: run catalogues.py update ({stale[:3]})"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_agree(lang):
    bad = []
    for m in catalogues.read(ROOT / "resources" / "locale" / f"{lang}.po"):
        if not m.id or not m.string:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = set(catalogues.placeholders(ids[-1])) | set(catalogues.placeholders(ids[0]))
        for s in strings:
            if not s:
                continue
            if set(catalogues.placeholders(s)) != want:
                bad.append((ids[0], s))
            for token in re.findall(r"%\(\w+\)[sdr]|%[sdr]|%n|%\d", ids[0]):
                if token not in s:
                    bad.append((ids[0], s))
            if ids[0].count("<") != s.count("<"):  # HTML kept (links, bold)
                bad.append((ids[0], s))
    assert not bad, f"{len(bad)} translations whose placeholders or tags differ: {bad[:3]}"


def test_hindi_marathi_and_tamil_are_there():
    assert {"hi", "mr", "ta"} <= set(LANGUAGES)


@pytest.mark.parametrize("lang", sorted(SCRIPTS))
def test_each_language_is_in_its_script_and_keeps_shortcuts(lang):
    script = SCRIPTS[lang]
    odd = []
    for m in catalogues.read(ROOT / "resources" / "locale" / f"{lang}.po"):
        if not m.id or not m.string:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        source = re.sub(r"\{[^}]*\}|<[^>]*>|&\w+;", "", ids[0])
        for s in strings:
            # a sentence of words needs the language's script; names (capitalised), codes
            # and addresses may stay as they are
            if len(re.findall(r"\b[a-z]{3,}", source)) >= 3 and " " in source.strip() \
                    and not script.search(s):
                odd.append((ids[0], s))
            if re.search(r"(?<!&)&[A-Za-z]", ids[0]) and not re.search(r"(?<!&)&\w", s):
                odd.append((ids[0], s))
    assert not odd, f"{len(odd)} {lang} entries without its script or without the shortcut: " \
                    f"{odd[:3]}"


def test_catalogues_compile_with_babel(tmp_path):
    made = catalogues.compile_all(dest=tmp_path)
    assert {p.parts[-3] for p in made} == set(LANGUAGES)
    import gettext

    for path in made:
        with open(path, "rb") as fp:
            gettext.GNUTranslations(fp)


@pytest.mark.needs_tool("msgfmt", "gettext")
@pytest.mark.parametrize("lang", LANGUAGES)
def test_gnu_msgfmt_checks_each_catalogue(lang, tmp_path):
    run = subprocess.run(["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "x.mo"),
                          str(ROOT / "resources" / "locale" / f"{lang}.po")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "untranslated" not in run.stderr and "fuzzy" not in run.stderr, run.stderr


def test_a_new_language_is_only_a_file(tmp_path, monkeypatch):
    """A translator copies the template to <language>.po and translates: no code."""
    (tmp_path / "resources" / "locale").mkdir(parents=True)
    from babel.messages.catalog import Catalog

    catalog = Catalog(locale="mr", domain="mailwizard")
    catalog.add("Test now", string="आता तपासा")
    catalogues.write(catalog, tmp_path / "resources" / "locale" / "mr.po")
    made = catalogues.compile_all(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in made] == [
        "resources/locale/mr/LC_MESSAGES/mailwizard.mo"]
    # and the program finds it where it looks for every language
    from mailwizard.core import i18n

    monkeypatch.setattr(i18n, "_locale_dir", lambda: tmp_path / "resources" / "locale")
    try:
        assert i18n.set_language("mr_IN") == "mr"
        assert i18n._("Test now") == "आता तपासा"
        assert "mr" in i18n.available()
    finally:
        i18n.set_language("en")


# --- the sentences are whole ------------------------------------------------------------------

CALLS = {"_", "N_", "ngettext", "tr", "translate", "QT_TRANSLATE_NOOP"}


def _call_name(node: ast.Call) -> str | None:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def test_no_translated_text_is_an_fstring_or_built_from_pieces():
    """_("Hello " + name), _(f"…"), tr("… %s" % x) cannot be translated as one sentence."""
    bad = []
    for path in sorted((ROOT / "mailwizard").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _call_name(node) not in CALLS or not node.args:
                continue
            name = _call_name(node)
            texts = node.args[1:2] if name in ("translate", "QT_TRANSLATE_NOOP") else \
                node.args[:2] if name == "ngettext" else node.args[:1]
            for arg in texts:
                if isinstance(arg, (ast.JoinedStr, ast.BinOp)):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bad, f"translated text built from pieces at {bad}"


def test_translated_text_is_formatted_by_name():
    """`_("… {} …").format(x)`: a translator cannot tell the pieces apart or move them."""
    bad = []
    for path in sorted((ROOT / "mailwizard").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _call_name(node) in CALLS:
                for arg in node.args[:2]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and \
                            re.search(r"(?<!\{)\{\}|\{\d+\}|%s|%d", arg.value):
                        bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {arg.value[:40]}")
    assert not bad, bad
