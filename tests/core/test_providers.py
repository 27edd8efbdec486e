"""The provider catalogue is data with a source and a verified date for each fact."""

from __future__ import annotations

import re

import pytest

from mailwizard.core.profile import Security
from mailwizard.core.providers import load_catalogue

REQUIRED_IDS = {"gmail", "google-workspace", "google-workspace-relay", "microsoft-365",
                "outlook-com", "amazon-ses", "zoho", "yahoo", "icloud", "sendgrid", "mailgun",
                "brevo", "hostinger", "godaddy", "rediffmail-pro", "exchange-onprem", "custom"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def test_every_preset_is_there_with_complete_facts():
    cat = load_catalogue()
    assert {p.id for p in cat} == REQUIRED_IDS
    for p in cat:
        assert p.name and p.summary, p.id
        assert p.endpoints, p.id
        assert p.secret_kind in {"password", "app_password", "api_key", "smtp_key",
                                 "smtp_password"}, p.id
        for fact in (p.server_fact, p.login_fact) + ((p.limit.fact,) if p.limit else ()):
            assert fact.source and DATE.match(fact.verified), p.id
        for w in p.warnings:
            assert w.text and w.source and DATE.match(w.verified), (p.id, w.id)
        for url in list(p.help.values()) + [s.link for s in p.steps if s.link]:
            assert url.startswith("https://"), (p.id, url)


@pytest.mark.parametrize("email, provider_id", [
    ("name@gmail.com", "gmail"), ("name@googlemail.com", "gmail"),
    ("name@outlook.com", "outlook-com"), ("name@hotmail.com", "outlook-com"),
    ("name@live.com", "outlook-com"), ("name@yahoo.com", "yahoo"), ("name@yahoo.co.uk", "yahoo"),
    ("name@icloud.com", "icloud"), ("name@me.com", "icloud"), ("name@zoho.com", "zoho"),
    ("name@zoho.eu", "zoho"), ("Name@GMAIL.COM", "gmail"),
    ("treasurer@riverside-society.org", None), ("not-an-address", None),
])
def test_match_by_email_domain(email, provider_id):
    match = load_catalogue().match_email(email)
    assert (match.id if match else None) == provider_id


def test_presets_prefill_profiles():
    cat = load_catalogue()
    gmail = cat["gmail"].profile_for("name@gmail.com", display_name="Riverside")
    assert (gmail.host, gmail.port, gmail.security, gmail.username) == (
        "smtp.gmail.com", 587, Security.STARTTLS, "name@gmail.com")
    assert cat["sendgrid"].profile_for("billing@example.org").username == "apikey"
    assert cat["microsoft-365"].endpoint_for(465) is None


def test_amazon_ses_asks_for_a_region():
    ses = load_catalogue()["amazon-ses"]
    assert ses.needs_region and "eu-west-1" in ses.regions
    assert ses.profile_for("a@example.org", region="eu-west-1").host == \
        "email-smtp.eu-west-1.amazonaws.com"
    assert "{region}" not in ses.profile_for("a@example.org").host


def test_search_finds_by_name_and_domain():
    cat = load_catalogue()
    assert [p.id for p in cat.search("outlook")][:1] == ["outlook-com"]
    assert "gmail" in [p.id for p in cat.search("googlemail")]
    assert len(cat.search("")) == len(cat)


def test_the_compiled_presets_are_a_fresh_compile_of_the_toml(tmp_path):
    """The program reads resources/providers.json, compiled from the TOML the facts are
    authored in: it must be what scripts/compile_providers.py makes of the TOML today (edit
    the TOML, then run the script), and hold the same tables."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from mailwizard.core.providers import provider_data

    root = Path(__file__).resolve().parents[2]
    script = root / "scripts" / "compile_providers.py"
    out = subprocess.run([sys.executable, str(script), "--check"], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    authored = tomllib.loads((root / "resources" / "providers.toml").read_text("utf-8"))
    assert provider_data() == authored
    # and --check notices a change to the TOML that was not compiled
    changed = tmp_path / "providers.toml"
    changed.write_text((root / "resources" / "providers.toml").read_text("utf-8").replace(
        'host = "smtp.gmail.com"', 'host = "smtp.gmail.example"', 1), encoding="utf-8")
    stale = subprocess.run([sys.executable, str(script), "--check", "--source", str(changed)],
                           capture_output=True, text=True)
    assert stale.returncode == 1 and "differs" in stale.stdout
    assert json.loads((root / "resources" / "providers.json").read_text("utf-8"))["format"] == 1
