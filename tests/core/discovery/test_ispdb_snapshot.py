"""Thunderbird's provider list kept in mailwizard (resources/ispdb.json, compiled from
../shared/ispdb/ by scripts/compile_ispdb.py): the whole list answers offline, presets, the
list and the MX patterns tell one truth per domain (or the difference is listed here with its
reason), MX names are looked up as Thunderbird does, and a server that takes only OAuth2 or
no encryption never leads to a password."""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from support.cli import mailwizard

from mailwizard.core.discovery import mx, sources
from mailwizard.core.discovery.candidate import ISPDB, PRESET, Candidate
from mailwizard.core.discovery.choice import sign_in_note
from mailwizard.core.discovery.run import Discovery, DiscoveryOptions
from mailwizard.core.discovery.snapshot import fill, load
from mailwizard.core.profile import Security
from mailwizard.core.providers import load_catalogue
from mailwizard.core.resources import read_resource_bytes

ROOT = Path(__file__).resolve().parents[3]
#: the checkout the data file was compiled from, beside the project (as in CI), when present
SHARED_ISPDB = Path(os.environ.get("MAILWIZARD_ISPDB_SOURCE") or ROOT.parent / "shared" / "ispdb")
OFFLINE = DiscoveryOptions(online=False, probe=False, dns_server="127.0.0.1:9")
TLS, STARTTLS = Security.TLS, Security.STARTTLS

#: Domains whose answer is not their list file's first SMTP server, and why (the better
#: choice, documented).
BETTER_CHOICE = {
    "gmail.com": (("smtp.gmail.com", 587, STARTTLS),
                  "the Gmail preset: Google documents both 587 STARTTLS and 465 SSL/TLS "
                  "(support.google.com/accounts/answer/185833); the list prefers 465"),
    "googlemail.com": (("smtp.gmail.com", 587, STARTTLS), "as gmail.com"),
    "rediffmail.com": (("smtp.rediffmail.com", 465, TLS),
                       "the list names port 586 (SSL) first and 465 (SSL) second on the same "
                       "server: 465 is the standard port (RFC 8314) that ERP screens offer "
                       "and office firewalls let through (rank.py: 465/587 first)"),
}

#: Where a preset or an MX pattern says something other than the list, and why.
PRESET_DIFFERENCES = {
    ("gmail", "gmail.com"): "587 STARTTLS (preset) vs 465 SSL (list): both documented by Google",
    ("gmail", "googlemail.com"): "as gmail.com",
}
MX_DIFFERENCES = {
    "google-workspace": "smtp.gmail.com 587 STARTTLS (preset) vs 465 SSL (list's google.com): "
                        "both documented by Google",
    "microsoft-365": "the list's office365.com entry signs in with OAuth2 only (Thunderbird's "
                     "way); the preset also allows a password where the organisation's admin "
                     "switched SMTP AUTH on (learn.microsoft.com), and leads to Connect first",
}


def first_server(provider, email):
    s = provider.smtp[0]
    return fill(s.host, email), s.port, s.security


def test_the_whole_list_answers_offline():
    """Every domain of every provider file, offline (no DNS server reachable, nothing
    online): its file's first SMTP server, or the better choice listed above."""
    snap = load()
    right, wrong, total = 0, [], 0
    for provider in snap.providers:
        for domain in provider.domains:
            total += 1
            email = f"user@{domain}"
            r = Discovery(email, OFFLINE).run()
            assert r.steps == [], f"{domain}: something was asked ({r.steps})"
            best = r.best
            got = (best.host, best.port, best.security) if best else None
            want = BETTER_CHOICE.get(domain, (first_server(provider, email), ""))[0]
            if got == want:
                right += 1
            else:
                wrong.append((domain, provider.file, want, got))
    print(f"\nkept list, offline: {right} of {total} domains get the right server")
    assert not wrong, wrong
    assert total == len(snap) > 900


def test_the_whole_list_answers_as_thunderbirds_own_files_say():
    """The same, with the expected server read from Thunderbird's provider files themselves
    (../shared/ispdb/, data the project did not write), not from the compiled list: a fault of
    the compiler cannot hide behind itself (it kept host names lower-cased, so
    "mail.%EMAILDOMAIN%" stayed unfilled for inbox.lv, mail.ee …)."""
    from ispdb_online import provider_files

    files = provider_files()
    right, wrong = 0, []
    for f in files:
        for domain in f.domains:
            r = Discovery(f"user@{domain}", OFFLINE).run()
            got = r.best.host if r.best else None
            want = BETTER_CHOICE.get(domain, ((f.first_smtp_host(domain),),))[0][0]
            if got == want:
                right += 1
            else:
                wrong.append((domain, f.name, want, got))
    print(f"\nkept list against Thunderbird's files: {right} of {right + len(wrong)} right")
    assert not wrong, wrong
    assert right > 900


@pytest.mark.parametrize("email, host", [
    ("user@zohomail.in", "smtp.zoho.in"), ("user@zoho.in", "smtp.zoho.in"),
    ("user@zoho.eu", "smtp.zoho.eu"), ("user@zohomail.eu", "smtp.zoho.eu"),
    ("user@zoho.jp", "smtp.zoho.jp"), ("user@zoho.com.au", "smtp.zoho.com.au"),
    ("user@zohocloud.ca", "smtp.zohocloud.ca"), ("user@zoho.com", "smtp.zoho.com"),
    ("user@yahoo.co.jp", "smtp.mail.yahoo.co.jp"), ("user@yahoo.co.uk", "smtp.mail.yahoo.com"),
])
def test_each_region_gets_its_own_server(email, host):
    best = Discovery(email, OFFLINE).run().best
    assert best.host == host
    if "zoho" in email:  # Zoho's guidance with the region's server
        assert best.provider_id == "zoho" and best.source == PRESET
        assert load_catalogue()["zoho"].profile_for(email).host == host
    if email.endswith("yahoo.co.jp"):  # Yahoo! JAPAN is not Yahoo's global service
        assert best.provider_id != "yahoo" and best.source == ISPDB
        assert load_catalogue().match_email(email) is None


def test_no_wildcard_claims_a_domain_another_provider_owns():
    snap = load()
    for preset in load_catalogue():
        hosts = {preset.host, *preset.alternatives, *preset.domain_hosts.values()}
        for pattern in preset.domains:
            if not any(c in pattern for c in "*?["):
                continue
            for domain in fnmatch.filter(snap.index, pattern):
                owner = snap.lookup(domain)
                assert owner.smtp[0].host in hosts, (preset.id, pattern, domain, owner.file)
    for pattern in ("yahoo.*", "zoho.*", "zohomail.*"):
        assert not any(pattern in p.domains for p in load_catalogue()), pattern


def test_presets_and_the_list_agree_or_the_difference_is_listed():
    snap = load()
    seen = set()
    for preset in load_catalogue():
        for domain in preset.domains:
            if any(c in domain for c in "*?["):
                continue
            owner = snap.lookup(domain)
            if owner is None:
                continue
            email = f"user@{domain}"
            ep = preset.default_endpoint
            ours = (preset.host_for_email(email), ep.port, ep.security)
            if ours != first_server(owner, email):
                assert (preset.id, domain) in PRESET_DIFFERENCES, (preset.id, domain, ours,
                                                                   first_server(owner, email))
                seen.add((preset.id, domain))
    assert seen == set(PRESET_DIFFERENCES), "a listed difference is gone: remove it"


def test_mx_patterns_and_the_list_agree_or_the_difference_is_listed():
    snap = load()
    seen = set()
    for pattern in mx.load_patterns():
        preset = load_catalogue()[pattern.provider]
        for glob in pattern.patterns:
            host = glob.replace("*", "mx01")
            for name in sources.mx_lookup_names([host], "own.example"):
                owner = snap.lookup(name)
                if owner is None:
                    continue
                s = owner.smtp[0]
                ours = (pattern.host or preset.host, preset.default_endpoint.port)
                if ours != (s.host, s.port) or s.oauth_only:
                    assert pattern.provider in MX_DIFFERENCES, (glob, name, owner.file, ours)
                    seen.add(pattern.provider)
                assert s.host == (pattern.host or preset.host), (glob, owner.file)
                break
    assert seen == set(MX_DIFFERENCES)


@pytest.mark.parametrize("host, names", [
    ("mx01.bay.wind.ne.jp", ["bay.wind.ne.jp", "wind.ne.jp"]),
    ("aspmx.l.google.com", ["l.google.com", "google.com"]),
    ("mx.city.kawasaki.jp", ["city.kawasaki.jp"]),       # a Public Suffix List exception
    ("mx1.office.github.io", ["office.github.io"]),      # a private suffix (github.io)
    ("mx.example.co.uk", ["example.co.uk"]),
])
def test_mx_names_as_thunderbird_asks_them(host, names):
    assert sources.mx_lookup_names([host], "own.example") == names


def test_the_mx_host_of_a_providers_sub_domain_is_found_in_the_list():
    [c, *_] = sources.from_snapshot("a@own.example", "own.example", "bay.wind.ne.jp",
                                    via_mx="bay.wind.ne.jp")
    assert (c.host, c.port, c.security) == ("bay.wind.ne.jp", 587, Security.NONE)
    assert "which handles your domain's mail" in c.reason and "nothing was sent out" in c.reason


# -- OAuth only, no encryption -----------------------------------------------------------
def test_a_server_that_takes_only_oauth2_leads_to_connect():
    best = Discovery("user@windowslive.com", OFFLINE).run().best
    assert best.oauth_only and best.provider_id == "outlook-com"
    note = sign_in_note(best, load_catalogue())
    assert "Connect an email service" in note and "Microsoft" in note
    assert load_catalogue()["outlook-com"].connect_only  # the wizard shows no password box
    # a provider mailwizard cannot sign in to: said plainly
    other = Candidate(ISPDB, "smtp.example.net", 587, STARTTLS, "r",
                      provider_name="Example Mail", auth_methods=("OAuth2",))
    assert "cannot do that for Example Mail yet" in sign_in_note(other, load_catalogue())


def test_an_entry_without_encryption_is_named_and_never_gets_a_password():
    best = Discovery("user@bay.wind.ne.jp", OFFLINE).run().best
    assert best.security is Security.NONE
    note = sign_in_note(best, load_catalogue())
    assert "never sends a password without encryption" in note and best.provider_name in note


#: the command with the machine's own resolver setting (no MAILWIZARD_DNS_SERVER), in English
_cli = partial(mailwizard, env={"MAILWIZARD_LANG": "en"}, drop=("MAILWIZARD_DNS_SERVER",))


def test_the_command_line_says_why_no_password_goes_there():
    out = _cli("discover", "user@windowslive.com", "--no-online", "--json")
    data = json.loads(out.stdout)
    assert data["candidates"][0]["oauth_only"] and "Connect" in data["note"]
    assert data["steps"] == []  # nothing asked
    refused = _cli("validate", "--discover", "--from", "user@windowslive.com",
                   "--password-stdin", "--no-online", "--dns-server", "127.0.0.1:9",
                   stdin="secret\n")
    assert refused.returncode == 3, refused.stderr
    assert "Connect an email service" in refused.stderr


# -- the data file --------------------------------------------------------------------------
def test_the_kept_list_names_its_source_and_licence():
    data = json.loads(read_resource_bytes("ispdb.json"))
    src = data["source"]
    assert len(src["commit"]) == 40 and src["commit_date"] and src["read"]
    assert src["licence"] == "MPL-2.0"
    notice = read_resource_bytes(src["notice"]).decode("utf-8")
    assert notice.startswith("Mozilla Public License Version 2.0")
    # facts only: no free text beyond names, hosts, links
    assert set(data["providers"][0]) == {"file", "id", "name", "domains", "mx", "smtp", "help"}


def test_the_kept_list_matches_a_fresh_compile_of_the_checkout():
    """In CI the checkout is beside the project (../shared/ispdb): the committed file must be
    what the script makes of it. Without it, the committed file is checked on its own."""
    if not (SHARED_ISPDB / "SOURCE.md").exists():
        data = json.loads(read_resource_bytes("ispdb.json"))
        assert len(data["providers"]) > 150
        return
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "compile_ispdb.py"),
                          str(SHARED_ISPDB), "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_compiler_refuses_entities(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import compile_ispdb
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    bomb = tmp_path / "bomb.example.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
                    "<clientConfig><emailProvider id='x'><domain>&a;</domain>"
                    "</emailProvider></clientConfig>")
    from defusedxml import DefusedXmlException

    with pytest.raises(DefusedXmlException):
        compile_ispdb.parse_file(bomb, [])


def test_looking_up_does_not_grow_with_the_list():
    snap = load()
    assert isinstance(snap.index, dict) and len(snap.index) == len(snap) > 900
    assert load() is snap  # read once
