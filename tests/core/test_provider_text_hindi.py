"""The provider data and the known replies in the user's language: under Hindi every text a
person reads of resources/providers.toml and resources/replies.toml is Hindi, switching back
gives the English of the files byte for byte, and the translations keep what must not change
(addresses, host names, links, numbers, codes)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from mailwizard.core import i18n
from mailwizard.core.diagnosis.replies import load_replies
from mailwizard.core.providers import load_catalogue

ROOT = Path(__file__).resolve().parents[2]
DEVANAGARI = re.compile("[\u0900-\u097F]")


def hindi(text: str) -> bool:
    return bool(DEVANAGARI.search(text))


@pytest.fixture
def language():
    """Switch languages inside a test; the language before is restored after it."""
    before = i18n.language()
    yield i18n.set_language
    i18n.set_language(before)


def texts(p):
    """(where, text) of every sentence of a preset that a person reads, except its name."""
    yield "summary", p.summary
    yield "username_hint", p.username_hint
    yield "secret_label", p.secret_label
    yield "secret_hint", p.secret_hint
    for i, note in enumerate(p.notes):
        yield f"notes[{i}]", note
    for i, step in enumerate(p.steps):
        yield f"steps[{i}]", step.text
    for w in p.warnings:
        yield f"warnings[{w.id}]", w.text
    if p.limit:
        yield "limit", p.limit.text


def english(p):
    """The same places, as resources/providers.toml has them."""
    login = p.raw["login"]
    yield "summary", p.raw.get("summary", "")
    yield "username_hint", login.get("username_hint", "")
    yield "secret_label", login.get("secret_label", "Password")
    yield "secret_hint", login.get("secret_hint", "")
    for i, note in enumerate(p.raw.get("notes", ())):
        yield f"notes[{i}]", note
    for i, step in enumerate(p.raw.get("steps", ())):
        yield f"steps[{i}]", step["text"]
    for w in p.raw.get("warnings", ()):
        yield f"warnings[{w['id']}]", w["text"]
    if "limit" in p.raw:
        yield "limit", p.raw["limit"]["text"]


def test_every_provider_text_is_hindi_and_english_comes_back(language):
    catalogue = load_catalogue()  # loaded (and cached) before the language is chosen
    assert i18n.language() == "en"
    for p in catalogue:
        assert dict(texts(p)) == dict(english(p)), p.id
        assert p.name == p.raw["name"]

    assert language("hi") == "hi"
    assert load_catalogue() is catalogue
    checked = 0
    for p in catalogue:
        for where, text in texts(p):
            if text:
                assert hindi(text), f"{p.id}.{where} is not Hindi: {text!r}"
                checked += 1
    assert checked > 150

    assert language("en") == "en"
    for p in catalogue:
        assert dict(texts(p)) == dict(english(p)), p.id
        assert p.name == p.raw["name"]


def test_provider_names_keep_the_brand_and_translate_the_description(language):
    catalogue = load_catalogue()
    language("hi")
    # a description in parentheses is Hindi, the brand before it is as it was
    for pid in ("google-workspace", "microsoft-365", "brevo", "google-workspace-relay"):
        name, english_name = catalogue[pid].name, catalogue[pid].name_en
        brand, _sep, description = name.partition(" (")
        assert brand == english_name.partition(" (")[0], name
        assert hindi(description), name
    assert hindi(catalogue["custom"].name)
    exchange = catalogue["exchange-onprem"].name
    assert exchange.startswith("Exchange ") and hindi(exchange)
    # brands alone stay as they are
    for pid in ("gmail", "outlook-com", "yahoo", "icloud", "zoho", "amazon-ses", "sendgrid",
                "mailgun", "godaddy", "hostinger", "rediffmail-pro"):
        assert catalogue[pid].name == catalogue[pid].name_en
    # the search finds a provider by its name in either language
    assert catalogue.search("अन्य")[0].id == "custom"
    assert catalogue.search("Other")[0].id == "custom"
    assert catalogue.search("exchange server")[0].id == "exchange-onprem"


def test_guidance_is_hindi(language):
    from mailwizard.core.guidance import build_guidance

    language("hi")
    g = build_guidance(load_catalogue()["gmail"])
    assert hindi(g.summary) and hindi(g.secret_label) and hindi(g.limit_text)
    assert all(hindi(s.text) for s in g.steps)
    assert all(hindi(n) for n in g.notes) and all(hindi(w) for w in g.warnings)
    assert "2-स्टेप वेरिफ़िकेशन (2-Step Verification)" in g.steps[0].text
    assert g.steps[1].url == "https://myaccount.google.com/apppasswords"


def test_every_known_reply_is_hindi_and_english_comes_back(language):
    table = load_replies()
    for r in table.replies:
        assert (r.cause, r.fix) == (r.raw["cause"], r.raw["fix"])
    language("hi")
    assert load_replies() is table
    for r in table.replies:
        assert hindi(r.cause), f"{r.id}.cause is not Hindi: {r.cause!r}"
        assert hindi(r.fix), f"{r.id}.fix is not Hindi: {r.fix!r}"
        assert r.code == r.raw["code"]  # codes a script reads stay as they are
    found = table.find("auth", 534, "534-5.7.14 Please log in via your web browser")
    assert found is not None and found.id == "google-web-login-required"
    assert hindi(found.cause) and "Gmail" in found.fix
    language("en")
    for r in table.replies:
        assert (r.cause, r.fix) == (r.raw["cause"], r.raw["fix"])


def test_pseudo_language_marks_every_provider_text(language):
    catalogue = load_catalogue()
    language("en-XA")
    for p in catalogue:
        for where, text in texts(p):
            if text:
                assert text.startswith(i18n.START) and text.endswith(i18n.END), (p.id, where)
        assert p.name.startswith(i18n.START), p.id


# Parts of a sentence that a translation must keep exactly: links, addresses, host names,
# numbers, codes, placeholders and command words.
_KEEP = re.compile(r"https?://\S+|[\w.+-]+@[\w.-]+|\b[\w-]+(?:\.[\w-]+)+\b|\d[\d,]*"
                   r"|<\w+>|\$\w+|\{\w*\}|[A-Z]+\\\w+")


def _hindi_catalogue():
    sys.path.insert(0, str(ROOT / "packaging" / "backend"))
    try:
        import catalogues
    finally:
        sys.path.pop(0)
    return catalogues.read(ROOT / "resources" / "locale" / "hi.po")


@pytest.mark.parametrize("data", ["resources/providers.toml", "resources/replies.toml"])
def test_the_hindi_of_the_data_keeps_addresses_numbers_and_codes(data):
    done = 0
    for m in _hindi_catalogue():
        if not m.id or not any(loc[0] == data for loc in m.locations):
            continue
        assert m.string and "fuzzy" not in m.flags, f"untranslated: {m.id!r}"
        for part in _KEEP.findall(m.id):
            part = part.rstrip(".),")
            assert part in m.string, f"{part!r} lost in the Hindi of {m.id!r}"
        done += 1
    assert done >= (150 if data.endswith("providers.toml") else 20)


def test_a_known_reply_diagnosed_in_hindi_and_in_english(language):
    """The diagnosis of a reply resources/replies.toml knows says its cause and fix in the
    language in use; its code stays as it is."""
    from mailwizard.core.checks.smtp import CheckFailure
    from mailwizard.core.diagnosis.smtp import diagnose
    from mailwizard.core.profile import Profile

    failure = CheckFailure("auth", "smtp_reply", "", 534, "5.7.14 <https://accounts.google."
                           "com/signin/continue?...> Please log in via your web browser")
    profile = Profile(host="smtp.gmail.com", port=587, security="starttls",
                      username="riverside.society@gmail.com",
                      from_address="riverside.society@gmail.com")
    gmail = load_catalogue()["gmail"]
    reply = next(r for r in load_replies().replies if r.id == "google-web-login-required")

    language("hi")
    d = diagnose(failure, profile, gmail)
    assert d.code == "browser_sign_in_required"
    assert d.cause == reply.cause and hindi(d.cause)
    assert d.fix == reply.fix and hindi(d.fix)

    language("en")
    d = diagnose(failure, profile, gmail)
    assert (d.code, d.cause, d.fix) == ("browser_sign_in_required", reply.raw["cause"],
                                        reply.raw["fix"])
