"""--json for every command, success and failure alike: exactly one object on stdout that the
published schema (resources/cli-output.schema.json) accepts, read by a real validator, with
the process's own exit code. Each command runs as a real process against real loopback parts
(aiosmtpd, dnsmasq, the OAuth server, the discovery world, gnome-keyring)."""

from __future__ import annotations

import json
import uuid
from functools import partial
from pathlib import Path

import jsonschema
import pytest
from conftest import PASSWORD, USER
from dns_server import DnsServer, Zone
from oauth_server import (auth_server, browser, make_auth_server,  # noqa: F401
                          xoauth2_smtp_server)
from support.cli import mailwizard

from mailwizard.cli.parser import COMMANDS
from mailwizard.core import exitcodes as ec

ROOT = Path(__file__).parents[3]
SCHEMA = json.loads((ROOT / "resources" / "cli-output.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(SCHEMA)
run = partial(mailwizard, timeout=90)  # every command, some against several servers


def one_json(p, command: str | None, code: int) -> dict:
    """stdout is exactly one JSON object, valid against the published schema, with the
    process's own exit code and the command's name."""
    assert p.returncode == code, (p.returncode, p.stdout, p.stderr)
    out = json.loads(p.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(out)
    assert out["exit_code"] == p.returncode and out["ok"] is (code == ec.OK)
    assert out["command"] == command and out["message"].strip()
    return out


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A throw-away HOME and config folder (schedule writes there), no systemd manager."""
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    for k, v in {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                 "XDG_RUNTIME_DIR": str(runtime)}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("MAILWIZARD_CONFIG", raising=False)
    return home


def server_args(srv, ca_file):
    return ["--host", srv.host, "--port", str(srv.port), "--security", "starttls",
            "--username", USER, "--from", USER, "--cafile", ca_file, "--timeout", "5"]


def test_the_schema_itself_refuses_what_the_old_outputs_were():
    """The validator is real: the old success outputs of deliverability, discover and
    schedule status (no ok/kind/message/command) are refused."""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for old in ({"verdict": "ok", "exit_code": 0}, {"exit_code": 29, "candidates": []},
                {"ok": True, "schedule": None}):
        assert list(validator.iter_errors(old))


def test_providers_and_usage_errors(home):
    one_json(run(["providers", "--json"]), "providers", ec.OK)
    one_json(run(["providers", "--json", "--bogus"]), "providers", ec.USAGE)
    one_json(run(["--json"]), None, ec.USAGE)
    one_json(run(["gui", "--json"]), "gui", ec.USAGE)


@pytest.mark.parametrize("value", ["yes", "true", "1", ""])
def test_json_with_a_value_is_a_json_usage_error(value):
    p = run(["validate", f"--json={value}"])
    out = one_json(p, "validate", ec.USAGE)
    assert "--json" in out["message"]


def test_validate_save_check_show_report_send_apply(home, smtp_server, ca_file, tmp_path,
                                                    secret_service):
    srv = smtp_server("starttls")
    cfg, name = tmp_path / "mail-settings.json", f"js{uuid.uuid4().hex[:8]}"
    one_json(run(["validate", *server_args(srv, ca_file), "--password-stdin", "--json"],
                 stdin=PASSWORD + "\n"), "validate", ec.OK)
    one_json(run(["validate", *server_args(srv, ca_file), "--password-stdin", "--json"],
                 stdin="wrong\n"), "validate", ec.AUTH)
    one_json(run(["save", *server_args(srv, ca_file), "--password-stdin", "--json",
                  "--config", str(cfg), "--profile-name", name], stdin=PASSWORD + "\n"),
             "save", ec.OK)
    one_json(run(["save", *server_args(srv, ca_file), "--port", "0", "--json",
                  "--config", str(tmp_path / "other.json")]), "save", ec.INVALID_SETTINGS)
    one_json(run(["check", "--config", str(cfg), "--json"]), "check", ec.OK)
    one_json(run(["check", "--config", str(tmp_path / "none.json"), "--json"]), "check",
             ec.CONFIG_ERROR)
    one_json(run(["show", "--config", str(cfg), "--json"]), "show", ec.OK)
    one_json(run(["show", "--config", str(tmp_path / "none.json"), "--json"]), "show",
             ec.CONFIG_ERROR)
    one_json(run(["report", "--config", str(cfg), "--json"]), "report", ec.OK)
    one_json(run(["report", "--json", "--site-config", str(tmp_path / "none.toml")]),
             "report", ec.OK)
    message = f"To: {USER}\r\nSubject: Invoice 7\r\n\r\nYour invoice.\r\n"
    one_json(run(["send", "--config", str(cfg), "--json"], stdin=message), "send", ec.OK)
    one_json(run(["send", "--config", str(cfg), "--json"], stdin="To: not an address\r\n\r\nx"),
             "send", ec.INVALID_SETTINGS)
    one_json(run(["token", "--config", str(cfg), "--json"]), "token", ec.INVALID_SETTINGS)
    answers = tmp_path / "answers.toml"
    answers.write_text(f'host = "{srv.host}"\nport = {srv.port}\nsecurity = "starttls"\n'
                       f'username = "{USER}"\ncafile = "{ca_file}"\n'
                       f'password_env = "MW_ENVELOPE_PW"\n')
    one_json(run(["apply", "--answers", str(answers), "--check-only", "--json"],
                 env={"MW_ENVELOPE_PW": PASSWORD}), "apply", ec.OK)
    one_json(run(["apply", "--answers", str(tmp_path / "none.toml"), "--json"]), "apply",
             ec.INVALID_SETTINGS)


def test_schedule_every_way(home, tmp_path):
    cfg = tmp_path / "m.json"
    out = one_json(run(["schedule", "status", "--json"]), "schedule", ec.OK)
    assert out["schedule"] is None
    out = one_json(run(["schedule", "daily", "--config", str(cfg), "--json"]), "schedule",
                   ec.OK)
    assert out["schedule"]["frequency"] == "daily"
    out = one_json(run(["schedule", "status", "--json"]), "schedule", ec.OK)
    assert out["schedule"]["frequency"] == "daily"
    out = one_json(run(["schedule", "off", "--json"]), "schedule", ec.OK)
    assert out["removed"]
    one_json(run(["schedule", "sometimes", "--json"]), "schedule", ec.USAGE)
    (home / ".config" / "systemd").write_text("not a folder")  # in the way of the units
    one_json(run(["schedule", "daily", "--config", str(cfg), "--json"]), "schedule",
             ec.SCHEDULE)


@pytest.fixture(scope="module")
def zone():
    key = "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC3testkey"
    d = "workspace.example"
    server = DnsServer(Zone(mx=[(d, "aspmx.l.google.com", 1)], txt=[
        (d, "v=spf1 include:_spf.google.com ~all"), (f"google._domainkey.{d}", key),
        (f"_dmarc.{d}", "v=DMARC1; p=quarantine"),
        ("_spf.google.com", "v=spf1 ip4:192.0.2.0/24 ~all")]))
    yield server
    server.stop()


def test_deliverability_every_outcome(zone):
    dns = ["--dns-server", zone.spec]
    out = one_json(run(["deliverability", "--from", "accounts@workspace.example", "--provider",
                        "google-workspace", *dns, "--json"]), "deliverability", ec.OK)
    assert out["verdict"] == "ok" and out["findings"]
    one_json(run(["deliverability", "--from", "accounts@nothing.example", "--provider",
                  "brevo", *dns, "--json"]), "deliverability", ec.RECORD_NEEDED)
    one_json(run(["deliverability", "--from", "office@company.local", "--provider", "brevo",
                  "--json"]), "deliverability", ec.NOT_CHECKED)
    one_json(run(["deliverability", "--from", "a@workspace.example", "--json"]),
             "deliverability", ec.INVALID_SETTINGS)


def test_discover_every_outcome(world):
    d = "riverside-society.example"
    world.mail(f"mail.{d}", 465)
    dns = ["--no-online", "--timeout", "3", "--dns-server", world.start()]
    out = one_json(run(["discover", f"accounts@{d}", *dns, "--json"]), "discover", ec.OK)
    assert out["candidates"][0]["host"] == f"mail.{d}"
    one_json(run(["discover", "a@empty.example", *dns, "--json"]), "discover",
             ec.NOTHING_FOUND)
    one_json(run(["discover", "not an address", *dns, "--json"]), "discover",
             ec.INVALID_SETTINGS)


def test_token_every_outcome(auth_server, browser, xoauth2_smtp_server, ca_file,  # noqa: F811
                             tmp_path, secret_service):
    from mailwizard.core.checks import make_check
    from mailwizard.core.oauth.account import connected_profile
    from mailwizard.core.oauth.signin import AuthorizationFlow
    from mailwizard.core.store.save import save_settings

    flow = AuthorizationFlow(auth_server.provider("google"), auth_server.client(""),
                             cafile=ca_file, login_hint=USER, open_browser=browser.open,
                             timeout=10)
    flow.start()
    tokens = flow.wait()
    profile = connected_profile(flow.provider, USER, cafile=ca_file).with_changes(
        host="127.0.0.1", port=xoauth2_smtp_server.port, timeout=5.0)
    result = make_check(profile, tokens.refresh_token, access_token=tokens.access_token).run()
    assert result.ok, result.failure
    cfg = tmp_path / "mail-settings.json"
    save_settings(profile, tokens.refresh_token, result, config_path=cfg,
                  profile_name=f"js{uuid.uuid4().hex[:6]}")
    env = {"MAILWIZARD_GOOGLE_CLIENT_ID": auth_server.client_id,
           "MAILWIZARD_GOOGLE_CLIENT_SECRET": auth_server.client_secret}
    out = one_json(run(["token", "--config", str(cfg), "--json"], env=env), "token", ec.OK)
    assert out["access_token"]
    one_json(run(["token", "--config", str(tmp_path / "none.json"), "--json"]), "token",
             ec.CONFIG_ERROR)


def test_every_command_is_run_here():
    """A new command needs its --json outcomes in this file (read from the source, so that
    the test passes alone and in any order)."""
    source = Path(__file__).read_text()
    missing = [c for c in COMMANDS if f'run(["{c}"' not in source]
    assert not missing, missing
