"""Internal and reserved From domains (RFC 6761 .localhost/.invalid/.test/.example, RFC 6762
.local, RFC 8375 .home.arpa, ICANN's .internal, .lan and single-label names): `deliverability`
and the section `check` adds say "internal domain: not checked" with their own outcome (exit
code 42, kind not_checked), never "looks right so far" and never an "[ok]" line."""

from __future__ import annotations

import json
import os

import jsonschema
import pytest
from conftest import PASSWORD, USER
from dns_server import DnsServer, Zone
from support.cli import mailwizard as run

from mailwizard.core import exitcodes as ec
from mailwizard.core.deliverability.check import check_deliverability, not_checked_reason
from mailwizard.core.deliverability.model import Verdict

SCHEMA = json.loads((__import__("pathlib").Path(__file__).parents[3] / "resources"
                     / "cli-output.schema.json").read_text())

INTERNAL = ["office@company.local", "billing@lab.internal", "a@nas.lan", "a@router.home.arpa",
            "a@host.localhost", "a@x.invalid", "office@intranet", "a@corp.localdomain"]


@pytest.fixture(scope="module")
def dns():
    """A DNS server that would answer for the internal names: they are still not checked."""
    server = DnsServer(Zone(txt=[("company.local", "v=spf1 -all"),
                                 ("_dmarc.company.local", "v=DMARC1; p=reject")]))
    yield server
    server.stop()


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_domains_are_never_looked_up(address, dns):
    from mailwizard.core.discovery.dns import Dns

    report = check_deliverability(address, provider_id="brevo", dns=Dns(dns.spec))
    assert report.verdict is Verdict.NOT_CHECKED and report.exit_code == ec.NOT_CHECKED == 42
    assert report.findings == [] and report.headline().startswith("Internal domain: not checked")
    assert "looks right" not in report.headline()


def test_reserved_test_names_are_checked_only_against_a_named_dns_server(monkeypatch):
    monkeypatch.delenv("MAILWIZARD_DNS_SERVER", raising=False)
    assert not_checked_reason("a@society.test").startswith("Reserved domain: not checked")
    assert not_checked_reason("a@society.test", "127.0.0.1") == ""
    assert not_checked_reason("a@crystalheights.com") == ""


@pytest.mark.parametrize("as_json", [False, True])
def test_the_command_says_not_checked_with_its_own_exit_code(as_json):
    p = run("deliverability", "--from", "office@company.local", "--provider", "brevo",
            *(["--json"] if as_json else []))
    assert p.returncode == ec.NOT_CHECKED, p.stdout + p.stderr
    assert "looks right" not in p.stdout and "[ok]" not in p.stdout
    if as_json:
        out = json.loads(p.stdout)
        jsonschema.validate(out, SCHEMA)
        assert out["kind"] == "not_checked" and out["verdict"] == "not_checked"
        assert out["message"].startswith("Internal domain: not checked")
    else:
        assert "Internal domain: not checked. company.local" in p.stdout


def test_check_adds_the_same_outcome_for_an_internal_from(smtp_server, ca_file, tmp_path,
                                                          secret_service):
    srv = smtp_server("starttls")
    cfg = tmp_path / "mail-settings.json"
    base = ["--host", srv.host, "--port", str(srv.port), "--security", "starttls",
            "--username", USER, "--from", "office@company.local", "--cafile", ca_file, "--timeout", "5",
            "--config", str(cfg), "--profile-name", f"int{os.getpid()}"]
    p = run("save", *base, "--password-stdin", stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    p = run("check", "--config", str(cfg))
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert "Deliverability: Internal domain: not checked" in p.stdout
    assert "looks right" not in p.stdout
    p = run("check", "--config", str(cfg), "--json")
    out = json.loads(p.stdout)
    jsonschema.validate(out, SCHEMA)
    assert out["deliverability"]["verdict"] == "not_checked" and out["exit_code"] == ec.OK
    p = run("report", "--config", str(cfg))
    assert "Internal domain: not checked. company.local" in p.stdout
    assert "(not checked: Internal" not in p.stdout and "looks right" not in p.stdout
