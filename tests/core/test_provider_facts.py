"""Provider facts and known replies as corrected on 2026-11-25 (shared/PROVIDERS.md and
ERRORS.md): each fact carries a source and a verified date, and a fact verified more than six
months before the data's release date fails here, so staleness shows up."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from mailwizard.core.diagnosis.smtp import diagnose
from mailwizard.core.profile import Profile
from mailwizard.core.providers import load_catalogue
from mailwizard.core.resources import read_resource_bytes
from mailwizard.core.checks.smtp import CheckFailure

MAX_AGE = dt.timedelta(days=183)  # six months


def _facts(name: str):
    """(where, source, verified) for every table with a verified date in a resources file,
    and the file's release date."""
    data = tomllib.loads(read_resource_bytes(name).decode("utf-8"))
    facts = []

    def walk(node, where):
        if isinstance(node, dict):
            if "verified" in node:
                facts.append((where, node.get("source", ""), node["verified"]))
            for k, v in node.items():
                walk(v, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{node[i].get('id', i) if isinstance(v, dict) else i}]")

    walk(data, name)
    return dt.date.fromisoformat(str(data["released"])), facts


@pytest.mark.parametrize("name", ["providers.toml", "replies.toml"])
def test_every_fact_has_a_source_and_is_not_stale(name):
    released, facts = _facts(name)
    assert len(facts) > 10
    for where, source, verified in facts:
        assert source, f"{where}: no source"
        date = dt.date.fromisoformat(str(verified))
        assert date <= released, f"{where}: verified {date} after the release {released}"
        assert released - date <= MAX_AGE, (
            f"{where}: verified {date}, more than six months before the release {released}: "
            "check the fact again at its source and update its verified date")


def test_the_kept_provider_list_is_not_stale():
    """Thunderbird's provider list kept in resources/ispdb.json: the date its facts were read
    from the upstream checkout falls under the same rule as every other fact (measured against
    providers.toml's release); the upstream commit and its own date are recorded beside it."""
    import json

    released, _ = _facts("providers.toml")
    source = json.loads(read_resource_bytes("ispdb.json"))["source"]
    read = dt.date.fromisoformat(source["read"])
    commit_date = dt.date.fromisoformat(source["commit_date"])
    assert len(source["commit"]) == 40 and commit_date <= read
    assert read <= released, f"ispdb.json: read {read} after the release {released}"
    assert released - read <= MAX_AGE, (
        f"ispdb.json: read {read}, more than six months before the release {released}: "
        "compile a newer checkout (scripts/compile_ispdb.py)")


def test_the_staleness_rule_catches_an_old_fact():
    released = dt.date(2026, 11, 25)
    assert released - dt.date(2026, 5, 1) > MAX_AGE
    assert released - dt.date(2026, 6, 1) <= MAX_AGE


def test_corrected_provider_facts():
    cat = load_catalogue()
    outlook = cat.get("outlook-com")
    assert outlook.connect_only and outlook.oauth == "microsoft"
    assert not outlook.login_fact.unverified and "2024" in " ".join(outlook.notes)
    yahoo = cat.get("yahoo")
    assert [(e.port, e.security.value) for e in yahoo.endpoints] == [(465, "tls")]
    assert cat.match_email("someone@myyahoo.com") is yahoo
    zoho = cat.get("zoho")
    for host in ("smtp.zoho.com.au", "smtp.zoho.jp", "smtp.zohocloud.ca",
                 "smtppro.zohocloud.ca"):
        assert host in zoho.alternatives
    assert "553 Relaying disallowed" in " ".join(zoho.notes)
    ses = cat.get("amazon-ses")
    [sandbox] = [w for w in ses.warnings if w.id == "ses-sandbox"]
    assert "200 messages a day" in sandbox.text and "1 a second" in sandbox.text
    assert "verified addresses" in sandbox.text and "quotas.html" in sandbox.source
    assert ses.limit is None  # the sandbox's 200 is not the account's sending limit
    assert cat.get("hostinger").server_fact.unverified
    assert "third-party" in cat.get("hostinger").server_fact.source
    assert "Microsoft 365" in " ".join(cat.get("godaddy").notes)
    for gid in ("gmail", "google-workspace"):
        assert "cancels all your app passwords" in " ".join(cat.get(gid).notes)


def test_ews_shutdown_is_told_in_the_past_tense():
    from mailwizard.core.checks.ews import EXCHANGE_ONLINE_NOTICE

    assert "has switched" in EXCHANGE_ONLINE_NOTICE and "has been blocked" in \
        EXCHANGE_ONLINE_NOTICE
    text = read_resource_bytes("providers.toml").decode("utf-8")
    assert "is closing" not in text and "From 1 October 2026 it is blocked" not in text


def _profile(**kw) -> Profile:
    base = dict(host="smtp.example.org", port=587, security="starttls",
                username="office@example.org", from_address="office@example.org")
    base.update(kw)
    return Profile(**base)


@pytest.mark.parametrize("failure, changes, provider, code, suggestion", [
    (CheckFailure("auth", "smtp_reply", "", code=534,
                  reply="5.7.14 <https://accounts.google.com/signin/continue> Please log in "
                        "via your web browser and then try again."),
     {"host": "smtp.gmail.com"}, "gmail", "browser_sign_in_required", None),
    (CheckFailure("mail_from", "smtp_reply", "", code=451,
                  reply="5.7.3 STARTTLS is required to send mail"),
     {"security": "tls", "port": 465}, None, "starttls_required",
     {"security": "starttls", "port": 587}),
    (CheckFailure("data", "smtp_reply", "", code=554,
                  reply="5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.Mapi"
                        "ExceptionSendAsDenied; Failed to process message"),
     {"from_address": "boss@example.org"}, "microsoft-365", "send_as_denied",
     {"from_address": "office@example.org"}),
    (CheckFailure("rcpt_to", "sender_check", "", code=553, reply="Relaying disallowed"),
     {"from_address": "boss@example.org", "host": "smtp.zoho.com"}, "zoho",
     "from_not_allowed", {"from_address": "office@example.org"}),
    (CheckFailure("auth", "smtp_reply", "", code=535,
                  reply="5.7.139 Authentication unsuccessful, the request did not meet the "
                        "criteria to be authenticated successfully."),
     {"host": "smtp.office365.com"}, "microsoft-365", "sign_in_policy", None),
    (CheckFailure("auth", "smtp_reply", "", code=535,
                  reply="5.7.139 Authentication unsuccessful, the user credentials were "
                        "incorrect."),
     {"host": "smtp.office365.com"}, "microsoft-365", "auth_failed", None),
    (CheckFailure("auth", "smtp_reply", "", code=535,
                  reply="5.7.139 Authentication unsuccessful, basic authentication is "
                        "disabled."),
     {"host": "smtp-mail.outlook.com"}, "outlook-com", "basic_auth_disabled", None),
    (CheckFailure("rcpt_to", "smtp_reply", "", code=550,
                  reply="5.4.5 Daily SMTP relay limit exceeded for user"),
     {"host": "smtp-relay.gmail.com"}, "google-workspace-relay", "daily_limit", None),
    (CheckFailure("rcpt_to", "smtp_reply", "", code=550,
                  reply="5.7.1 Daily sending limit exceeded for customer"),
     {}, None, "daily_limit", None),
    (CheckFailure("token", "oauth_server", "AADSTS50020: User account from identity "
                                           "provider does not exist in tenant"),
     {}, None, "oauth_wrong_tenant", None),
])
def test_the_missing_replies_are_diagnosed(failure, changes, provider, code, suggestion):
    preset = load_catalogue().get(provider) if provider else None
    d = diagnose(failure, _profile(**changes), preset)
    assert d.code == code, (d.code, d.cause)
    assert d.cause and d.fix
    assert d.suggestion == suggestion


def test_a_sender_refused_in_the_sender_check_is_about_the_from_address():
    d = diagnose(CheckFailure("rcpt_to", "sender_check", "", code=550,
                              reply="5.7.1 Sender not allowed"),
                 _profile(from_address="boss@example.org"))
    assert d.code == "sender_refused" and "boss@example.org" in d.cause
    assert "no message was sent" in d.cause
    from mailwizard.core.exitcodes import SENDER, for_stage
    assert for_stage("rcpt_to", "sender_check") == SENDER


def test_the_wizard_leads_outlook_com_to_connect():
    from mailwizard.core.flow import FlowState, Step, missing
    from mailwizard.core.profile import ServiceType

    state = FlowState(service=ServiceType.SMTP, provider_id="outlook-com")
    [why] = missing(Step.PROVIDER, state)
    assert "Connect" in why
    assert missing(Step.PROVIDER, FlowState(service=ServiceType.SMTP,
                                            provider_id="gmail")) == []
