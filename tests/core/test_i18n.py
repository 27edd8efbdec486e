"""Choosing the language (--lang, MAILWIZARD_LANG, the site file, the system) and the
pseudo-language's rules (core/i18n.py)."""

from __future__ import annotations

import os

import pytest
from support.cli import mailwizard

from mailwizard.core import i18n


@pytest.mark.parametrize("raw,code", [
    ("hi_IN.UTF-8", "hi_IN"), ("hi-IN", "hi_IN"), ("HI", "hi"), ("hi", "hi"),
    ("en_US.utf8@euro", "en_US"), ("C", None), ("POSIX", None), ("C.UTF-8", None), ("", None),
    (None, None), ("xx", "en-XA"), ("en-XA", "en-XA"), ("../../etc", None), ("hi;rm", None)])
def test_language_codes_are_normalised_and_nothing_else_gets_through(raw, code):
    assert i18n.normalise(raw) == code


def test_the_order_is_option_environment_site_system():
    env = {"MAILWIZARD_LANG": "hi", "LANG": "de_DE.UTF-8"}
    assert i18n.choose_language("en", "hi", env) == "en"
    assert i18n.choose_language(None, "fr", env) == "hi"
    assert i18n.choose_language(None, "hi", {"LANG": "de_DE.UTF-8"}) == "hi"
    assert i18n.choose_language(None, None, {"LANG": "hi_IN.UTF-8"}) == "hi_IN"
    assert i18n.choose_language(None, None, {"LC_ALL": "C", "LANG": "hi_IN.UTF-8"}) is None
    assert i18n.choose_language(None, None, {"LC_MESSAGES": "hi_IN", "LANG": "en_GB"}) == "hi_IN"


def test_a_region_falls_back_to_its_language_and_the_unknown_to_english():
    assert i18n.set_language("hi_IN") == "hi"
    assert i18n._("&Test now") != "&Test now"
    assert i18n.set_language("tlh") == "en"
    assert i18n._("&Test now") == "&Test now"
    assert "hi" in i18n.available() and i18n.available()[0] == "en"


def test_english_asks_no_catalogue():
    i18n.set_language("en")
    text = "Some sentence nobody translated."
    assert i18n._(text) is text and i18n.translated(text) is None
    assert i18n.ngettext("{n} day", "{n} days", 2) == "{n} days"


@pytest.mark.parametrize("source", [
    "Test now", "Could not reach {host} on port {port}.", "&Next >", "Save && close",
    "<b>Bold</b> and <a href='https://example.com/x'>a link</a>", "Copied: 100%",
    "Fill in {field}, then press &Test now."])
def test_the_pseudo_language_marks_lengthens_and_keeps_what_code_needs(source):
    out = i18n.pseudo(source)
    assert i18n.START in out and i18n.END in out
    assert len(out) >= len(source) * 1.3
    for keep in __import__("re").findall(r"\{[^}]*\}|<[^>]*>|&&|&\w", source):
        assert keep in out
    assert not any(c.isascii() and c.isalpha() for c in
                   __import__("re").sub(r"\{[^}]*\}|<[^>]*>|&\w", "", out))


def test_the_pseudo_language_leaves_empty_text_empty_and_translates_once():
    assert i18n.pseudo("") == "" and i18n.pseudo("  ") == "  "
    once = i18n.pseudo("no encryption")
    assert i18n.pseudo(once) == once


def test_site_file_language_is_read_and_checked(tmp_path):
    from mailwizard.core.admin.site import SiteConfigError, load_site_config, site_language

    site = tmp_path / "site.toml"
    site.write_text('language = "hi"\n')
    assert load_site_config(site).language == "hi"
    # MAILWIZARD_LANG=en (conftest)
    assert i18n.setup(["--site-config", str(site)], site=site_language) == "en"
    env_lang = os.environ.pop("MAILWIZARD_LANG")
    try:
        assert i18n.setup(["--site-config", str(site)], site=site_language) == "hi"
        assert i18n.setup(["--site-config", str(site), "--lang", "en"],
                          site=site_language) == "en"
    finally:
        os.environ["MAILWIZARD_LANG"] = env_lang
    site.write_text('language = "../hi"\n')
    with pytest.raises(SiteConfigError, match="language"):
        load_site_config(site)


@pytest.mark.parametrize("args,env", [
    (["--lang", "hi", "providers"], {}), (["providers", "--lang=hi"], {}),
    (["providers"], {"MAILWIZARD_LANG": "hi"})])
def test_the_command_line_takes_the_language_anywhere(args, env):
    run = mailwizard(*args, env=env)
    assert run.returncode == 0, run.stderr
    # the provider summaries are data translated through the catalogue
    assert any("\u0900" <= c <= "\u097f" for c in run.stdout), run.stdout[:300]


def test_json_output_keeps_its_keys_and_codes_in_any_language():
    import json

    en = json.loads(mailwizard("--lang", "en", "providers", "--json").stdout)
    hi = json.loads(mailwizard("--lang", "hi", "providers", "--json").stdout)
    assert [sorted(p) for p in en["providers"]] == [sorted(p) for p in hi["providers"]]
    assert [p["id"] for p in en["providers"]] == [p["id"] for p in hi["providers"]]


def test_without_a_language_in_the_environment_the_wizard_asks_qt(monkeypatch):
    for name in ("MAILWIZARD_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert i18n.system_language() is None  # never the C library's guess on POSIX
    assert i18n.setup([], system=lambda: "hi_IN") == "hi"
    assert i18n.setup([], system=lambda: "C") == "en"
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert i18n.setup([], system=lambda: "hi_IN") == "en"


def test_the_remembered_choice_comes_after_the_site_file_and_before_the_system(tmp_path,
                                                                              monkeypatch):
    """The wizard's order (gui/app.py start_language): --lang, MAILWIZARD_LANG, the site
    file, the language last chosen on its first page, the system's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("MAILWIZARD_LANG", raising=False)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert i18n.remembered() is None
    i18n.remember("hi")
    assert (tmp_path / "mailwizard" / "language").read_text(encoding="utf-8") == "hi\n"
    assert i18n.remembered() == "hi"
    chosen = i18n.remembered
    assert i18n.setup([], chosen=chosen) == "hi"  # before the system's
    assert i18n.setup([], site=lambda _path: "en", chosen=chosen) == "en"
    assert i18n.setup(["--lang", "en"], chosen=chosen) == "en"
    monkeypatch.setenv("MAILWIZARD_LANG", "en")
    assert i18n.setup([], chosen=chosen) == "en"
    monkeypatch.delenv("MAILWIZARD_LANG")
    assert i18n.setup([]) == "en"  # the command line: no remembered choice
    (tmp_path / "mailwizard" / "language").write_text("../../etc\n", encoding="utf-8")
    assert i18n.remembered() is None  # not a language code


def test_each_listed_name_is_in_its_own_script():
    assert i18n.native_name("hi") == "हिन्दी" and i18n.native_name("ta") == "தமிழ்"
    assert i18n.native_name("mr") == "मराठी" and i18n.native_name("en") == "English"
    assert i18n.native_name("de") == "de"  # no name here: its code
    assert set(i18n.SCRIPTS) <= set(i18n.NATIVE_NAMES)
