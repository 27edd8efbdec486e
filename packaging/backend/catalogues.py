"""The translation catalogues: extract every sentence, update each language, compile.

    python packaging/backend/catalogues.py update          # after changing any sentence
    python packaging/backend/catalogues.py compile         # the build does this itself
    python packaging/backend/catalogues.py todo hi [PATH]  # untranslated, as JSON
    python packaging/backend/catalogues.py fill hi FILE    # JSON {English: translation}

One gettext catalogue for everything a person reads (mailwizard/core/i18n.py):
  * Python: ``_()``, ``N_()``, ``ngettext()``, and the wizard's Qt ``tr()`` /
    ``QCoreApplication.translate(context, text)`` (the wizard bridges Qt to this catalogue);
  * resources/*.toml: the fields in TOML_TEXT (provider notes, steps, hints, reply causes…).

resources/locale/mailwizard.pot is the template; resources/locale/<language>.po one language
(a translator adds a language by copying the template to <language>.po and translating it:
no code changes). The build (packaging/backend/mailwizard_build.py, for wheels and editable
installs; packaging/build-linux.sh for the bundle) compiles each .po to
resources/locale/<language>/LC_MESSAGES/mailwizard.mo with Babel; the .mo files are not kept
in git.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCALE = Path("resources") / "locale"
DOMAIN = "mailwizard"

KEYWORDS = {
    "_": None, "N_": None, "ngettext": (1, 2),
    "tr": None, "translate": (2,), "QT_TRANSLATE_NOOP": (2,),
    "argparse_word": None,  # argparse's own words (mailwizard/cli/words.py), %-placeholders
}
# The fields of resources/*.toml that a person reads. Host names, ids, links, sources and dates
# stay as they are. A provider's name is read too (the wizard's list shows it): its brand stays
# as it is, a description in parentheses ("Exchange server (run by your organisation)", "Other
# / my own server", the MX table's "Zoho Mail (India)") is translated.
TOML_TEXT = {
    "providers.toml": {"name", "summary", "notes", "username_hint", "secret_label",
                       "secret_hint", "text", "label", "hint", "warning"},
    "replies.toml": {"cause", "fix"},
    "deliverability.toml": {"value_hint", "spf_note", "all_senders", "bulk", "consequence",
                            "note"},
    "oauth.toml": {"name", "where", "text"},
}
_BRACE = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)?(?:[!:][^{}]*)?\}(?!\})")


def placeholders(text: str) -> list[str]:
    """The {named} placeholders of a sentence, sorted (``{{`` is a brace, not one)."""
    return sorted(m.group(1) or "" for m in _BRACE.finditer(text.replace("{{", "").replace("}}", "")))


def _toml_messages(path: Path, fields: set[str]):
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    data = tomllib.loads(path.read_text(encoding="utf-8"))

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in fields and isinstance(value, str):
                    yield value, f"{where}.{key}"
                elif key in fields and isinstance(value, list):
                    for item in value:
                        if isinstance(item, str):
                            yield item, f"{where}.{key}"
                else:
                    yield from walk(value, f"{where}.{key}" if where else key)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                label = item.get("id") if isinstance(item, dict) and "id" in item else i
                yield from walk(item, f"{where}[{label}]")

    yield from walk(data, "")


def extract(root: Path = ROOT):
    """The template catalogue: every translatable sentence of the code and the data."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file

    from datetime import datetime, timezone

    # a fixed date: the template changes only when a sentence does
    catalog = Catalog(project="mailwizard", domain=DOMAIN, charset="utf-8",
                      msgid_bugs_address="", copyright_holder="mailwizard",
                      creation_date=datetime(2026, 11, 26, tzinfo=timezone.utc))
    for path in sorted((root / "mailwizard").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        for lineno, message, comments, _context in extract_from_file(
                "python", str(path), keywords=KEYWORDS, comment_tags=("Translators:",),
                strip_comment_tags=True):
            _add(catalog, message, (rel, lineno), comments)
    for name, fields in TOML_TEXT.items():
        path = root / "resources" / name
        for text, where in _toml_messages(path, fields):
            _add(catalog, text, (f"resources/{name}", 0), [where])
    return catalog


def _add(catalog, message, location, comments):
    if isinstance(message, tuple):
        message = tuple(m for m in message if m is not None)
        if not message or not message[0]:
            return
        if len(message) == 1:
            message = message[0]
    if not message or (isinstance(message, str) and not message.strip()):
        return
    first = message[0] if isinstance(message, tuple) else message
    flags = ("python-brace-format",) if placeholders(first) else \
        ("python-format",) if re.search(r"%(\(\w+\))?[sdr]", first) else ()
    old = catalog.get(message if isinstance(message, str) else message[0])
    if old is not None:
        old.locations.append(location)
        old.auto_comments.extend(c for c in comments if c not in old.auto_comments)
        return
    catalog.add(message, locations=[location], auto_comments=comments, flags=flags)


def languages(root: Path = ROOT) -> list[str]:
    return sorted(p.stem for p in (root / LOCALE).glob("*.po"))


def read(path: Path):
    from babel.messages.pofile import read_po

    with open(path, "rb") as fp:
        return read_po(fp, locale=path.stem, domain=DOMAIN, abort_invalid=True)


def write(catalog, path: Path) -> None:
    from babel.messages.pofile import write_po

    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fp:
        write_po(fp, catalog, width=100, sort_output=False, include_previous=False,
                 ignore_obsolete=True)
    tmp.replace(path)


def update(root: Path = ROOT) -> None:
    """Write the template and bring every language's catalogue up to it."""
    template = extract(root)
    (root / LOCALE).mkdir(parents=True, exist_ok=True)
    write(template, root / LOCALE / f"{DOMAIN}.pot")
    for lang in languages(root):
        path = root / LOCALE / f"{lang}.po"
        catalog = read(path)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        write(catalog, path)


def compile_all(root: Path = ROOT, dest: Path | None = None) -> list[Path]:
    """Compile each resources/locale/<language>.po to <dest>/<language>/LC_MESSAGES/*.mo."""
    from babel.messages.mofile import write_mo

    dest = dest or root / LOCALE
    made = []
    for lang in languages(root):
        catalog = read(root / LOCALE / f"{lang}.po")
        errors = [(m.id, e) for m, es in catalog.check() for e in es]
        if errors:
            raise SystemExit(f"{lang}.po: {errors[0][0]!r}: {errors[0][1]}")
        out = dest / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        out.parent.mkdir(parents=True, exist_ok=True)
        # a name of this process's own: two runs at once (two test sessions in one checkout)
        # must not move each other's half-written file
        tmp = out.with_name(f".{DOMAIN}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fp:
            write_mo(fp, catalog, use_fuzzy=False)
        tmp.replace(out)
        made.append(out)
    return made


def todo(lang: str, prefix: str = "", root: Path = ROOT) -> dict[str, str]:
    """The untranslated sentences whose place starts with `prefix` (a path)."""
    catalog = read(root / LOCALE / f"{lang}.po")
    out = {}
    for m in catalog:
        if not m.id or (m.string and (not isinstance(m.string, tuple) or all(m.string))
                        and "fuzzy" not in m.flags):
            continue
        if prefix and not any(loc[0].startswith(prefix) for loc in m.locations):
            continue
        key = m.id if isinstance(m.id, str) else json.dumps(list(m.id), ensure_ascii=False)
        out[key] = ""
    return out


def fill(lang: str, source: Path, root: Path = ROOT) -> int:
    """Put translations into <lang>.po: a JSON object {English: translation}; for a plural
    the key is the JSON list [singular, plural] and the value a list of the language's forms."""
    path = root / LOCALE / f"{lang}.po"
    catalog = read(path)
    done = 0
    for key, value in json.loads(source.read_text(encoding="utf-8")).items():
        msgid = tuple(json.loads(key)) if key.startswith('["') else key
        m = catalog.get(msgid if isinstance(msgid, str) else msgid[0])
        if m is None or not value:
            continue
        m.string = tuple(value) if isinstance(value, list) else value
        m.flags.discard("fuzzy")
        done += 1
    write(catalog, path)
    return done


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("update", "compile", "todo", "fill"):
        print(__doc__)
        return 2
    if argv[0] == "update":
        update()
    elif argv[0] == "compile":
        for path in compile_all():
            print(path.relative_to(ROOT))
    elif argv[0] == "todo":
        print(json.dumps(todo(argv[1], argv[2] if len(argv) > 2 else ""), ensure_ascii=False,
                         indent=1))
    else:
        print(f"{fill(argv[1], Path(argv[2]))} filled")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
