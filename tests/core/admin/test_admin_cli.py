"""IT's half: `apply` (answer files), `check` (saved settings, for a scheduled task), `report`,
and the site file's defaults and locks on the command line — each run as a real process
against loopback servers and the real Secret Service."""

from __future__ import annotations

import base64
import json
import os
import stat
import uuid
from pathlib import Path

import keyring
import pytest
from conftest import PASSWORD, USER
from servers import closed_port
from support.answers import PW_ENV, answer_file, apply, profile_name
from support.cli import mailwizard as run

from mailwizard.core import exitcodes as ec

def test_apply_tests_then_saves_config_keyring_and_last_check(smtp_server, ca_file, tmp_path,
                                                               secret_service):
    srv = smtp_server("starttls")
    cfg, name = tmp_path / "erp" / "mail-settings.json", profile_name()
    answers = answer_file(tmp_path, srv, ca_file, send_test_to=USER, profile_name=name,
                          config_path=str(cfg))
    p = apply(answers, "--json")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    out = json.loads(p.stdout)
    assert out["ok"] and out["saved"]["config"] == str(cfg) and not out["check_only"]
    assert out["saved"]["secret"]["username"] == f"{name}/password"
    saved = json.loads(cfg.read_text())
    assert saved["profile"]["host"] == srv.host and saved["profile"]["port"] == srv.port
    assert saved["profile"]["display_name"] == "Riverside Society"
    assert saved["profile_name"] == name
    assert keyring.get_password("mailwizard", f"{name}/password") == PASSWORD
    assert len(srv.recorder.messages) == 1  # the test message of send_test_to
    last = cfg.with_name("mail-settings.last-check.json")
    assert stat.S_IMODE(last.stat().st_mode) == 0o600
    record = json.loads(last.read_text())
    assert record["ok"] and record["command"] == "apply" and record["exit_code"] == 0
    assert PASSWORD not in last.read_text()


def test_apply_from_a_json_answer_file_with_the_password_on_stdin(smtp_server, ca_file,
                                                                   tmp_path, secret_service):
    srv = smtp_server("starttls")
    cfg, name = tmp_path / "mail.json", profile_name()
    answers = answer_file(tmp_path, srv, ca_file, name="answers.json", password_env=None)
    p = apply(answers, "--password-stdin", "--config", str(cfg), "--profile-name", name,
              password=None, stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert "Saved. Settings file: " + str(cfg) in p.stdout
    assert keyring.get_password("mailwizard", f"{name}/password") == PASSWORD


@pytest.mark.parametrize("scenario, expected", [
    ("wrong_password", ec.AUTH), ("refused_port", ec.CONNECT), ("tls_mismatch", ec.TLS),
    ("untrusted_certificate", ec.TLS), ("recipient_refused", ec.RECIPIENT)])
def test_apply_failures_give_the_stage_exit_code_and_save_nothing(
        smtp_server, ca_file, tmp_path, untrusted_ctx, scenario, expected, secret_service):
    srv = smtp_server("starttls", ctx=untrusted_ctx if scenario == "untrusted_certificate"
                      else None,
                      **({"reply_to_rcpt": "550 5.1.1 No such user"}
                         if scenario == "recipient_refused" else {}))
    keys = {"send_test_to": USER}
    if scenario == "refused_port":
        keys["port"] = closed_port()
    elif scenario == "tls_mismatch":
        keys["security"] = "tls"
    cfg, name = tmp_path / "mail.json", profile_name()
    answers = answer_file(tmp_path, srv, ca_file, config_path=str(cfg), profile_name=name,
                          **keys)
    p = apply(answers, "--json", password="wrong" if scenario == "wrong_password"
              else PASSWORD)
    assert p.returncode == expected, p.stdout + p.stderr
    out = json.loads(p.stdout)
    assert out["exit_code"] == expected and out["diagnosis"]["cause"] and out["saved"] is None
    assert list(tmp_path.glob("mail*")) == []
    assert keyring.get_password("mailwizard", f"{name}/password") is None


@pytest.mark.parametrize("keys, expected", [
    ({"hots": "smtp.example.org"}, "hots: unknown key; did you mean “host”?"),
    ({"port": "587"}, "port: expected a whole number from 1 to 65535, usually 587 or 465; "
                      "found text “587”"),
    ({"password": "canary-in-file"}, "password: refused: an answer file must never hold a "
                                     "password"),
    ({"password_env": "MW_NOT_SET_ANYWHERE"}, "password_env: the environment variable "
                                              "MW_NOT_SET_ANYWHERE is not set or is empty"),
    ({"ews_url": "https://mail.example.org/EWS/Exchange.asmx"},
     "ews_url: only used with service exchange"),
    ({"from_address": "not an address"}, "from_address: this is not a valid email address"),
    ({"send_test_to": "nobody@"}, "send_test_to: this is not a valid email address"),
])
def test_bad_answer_files_exit_3_naming_the_key_and_contact_no_server(
        smtp_server, ca_file, tmp_path, keys, expected):
    srv = smtp_server("starttls")
    answers = answer_file(tmp_path, srv, ca_file, config_path=str(tmp_path / "m.json"),
                          **keys)
    p = apply(answers)
    assert p.returncode == ec.INVALID_SETTINGS, p.stdout + p.stderr
    assert expected in p.stderr and str(answers) in p.stderr
    assert "canary-in-file" not in p.stdout + p.stderr
    assert "Traceback" not in p.stderr
    assert srv.recorder.commands_auth == [] and not (tmp_path / "m.json").exists()


def test_site_defaults_apply_first_and_locked_fields_are_refused(smtp_server, ca_file,
                                                                 tmp_path, secret_service):
    srv = smtp_server("starttls")
    site = tmp_path / "site.toml"
    cfg = tmp_path / "site-chosen" / "mail.json"
    site.write_text(f"""
locked = ["host", "port", "security"]
config_path = "{cfg}"
[defaults]
host = "{srv.host}"
port = {srv.port}
security = "starttls"
cafile = "{ca_file}"
display_name = "Riverside Society"
""")
    env = {"MAILWIZARD_SITE_CONFIG": str(site)}
    # Locked: another port is refused, naming the field and the site file.
    bad = answer_file(tmp_path, None, port=587, name="bad.toml")
    p = apply(bad, env=env)
    assert p.returncode == ec.INVALID_SETTINGS
    assert f"port: locked to “{srv.port}” by your administrator in {site}" in p.stderr
    assert srv.recorder.commands_auth == []
    # The same on the command line, with the site file as an option.
    p = run(["--site-config", str(site), "validate", "--port", "25", "--from", USER,
             "--password-stdin"], stdin=PASSWORD + "\n")
    assert p.returncode == ec.INVALID_SETTINGS
    assert f"--port: locked to “{srv.port}” by your administrator in {site}" in p.stderr
    # Only who is sending: the rest (and where the config goes) comes from the site file.
    name = profile_name()
    good = answer_file(tmp_path, None, profile_name=name, display_name=None,
                       name="good.toml")
    p = apply(good, env=env)
    assert p.returncode == ec.OK, p.stdout + p.stderr
    saved = json.loads(cfg.read_text())["profile"]
    assert (saved["host"], saved["port"], saved["cafile"]) == (srv.host, srv.port, ca_file)
    assert saved["display_name"] == "Riverside Society"
    p = run(["show", "--json"], env=env)
    assert json.loads(p.stdout)["config"] == str(cfg)
    # A bad site file stops everything with its key named.
    site.write_text('locked = ["hots"]\n')
    p = apply(good, env=env)
    assert p.returncode == ec.INVALID_SETTINGS and "locked: “hots”" in p.stderr


def test_check_only_writes_nothing(smtp_server, ca_file, tmp_path, secret_service):
    srv = smtp_server("starttls")
    name = profile_name()
    answers = answer_file(tmp_path, srv, ca_file, config_path=str(tmp_path / "c" / "m.json"),
                          profile_name=name, send_test_to=USER)
    p = apply(answers, "--check-only")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert "Checked only: nothing was saved." in p.stdout
    assert len(srv.recorder.messages) == 1
    assert not (tmp_path / "c").exists()
    assert keyring.get_password("mailwizard", f"{name}/password") is None


def test_check_only_needs_no_keyring(smtp_server, ca_file, tmp_path):
    srv = smtp_server("starttls")
    answers = answer_file(tmp_path, srv, ca_file, config_path=str(tmp_path / "m.json"))
    p = apply(answers, "--check-only",
              env={"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"})
    assert p.returncode == ec.OK, p.stdout + p.stderr
    p = apply(answers, env={"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"})
    assert p.returncode == ec.SECRET_STORE and not (tmp_path / "m.json").exists()


def test_apply_an_exchange_answer_file(ews_server, ca_file, tmp_path, secret_service):
    srv = ews_server(users={"EXAMPLE\\it": PASSWORD}, mailboxes={"it@example.org"})
    cfg, name = tmp_path / "ews.json", profile_name()
    answers = tmp_path / "exchange.toml"
    answers.write_text(f"""
service = "exchange"
ews_url = "{srv.url}"
domain = "EXAMPLE"
username = "it"
from_address = "it@example.org"
ews_auth = "basic"
cafile = "{ca_file}"
timeout = 5
send_test_to = "boss@example.org"
profile_name = "{name}"
config_path = "{cfg}"
password_env = "{PW_ENV}"
""")
    p = apply(answers)
    assert p.returncode == ec.OK, p.stdout + p.stderr
    prof = json.loads(cfg.read_text())["profile"]
    assert prof["service"] == "exchange" and prof["ews_url"] == srv.url
    assert prof["username"] == "EXAMPLE\\it" and prof["ews_auth"] == "basic"
    assert keyring.get_password("mailwizard", f"{name}/password") == PASSWORD
    [sent] = srv.state.sent
    assert sent.to == ["boss@example.org"]
    # An SMTP key in an Exchange answer file is named.
    answers.write_text(answers.read_text() + "port = 587\n")
    p = apply(answers)
    assert p.returncode == ec.INVALID_SETTINGS and "port: not used for Exchange" in p.stderr


def test_check_finds_a_changed_password_and_records_it(smtp_server, ca_file, tmp_path,
                                                       secret_service):
    srv = smtp_server("starttls")
    cfg, name = tmp_path / "mail-settings.json", profile_name()
    assert apply(answer_file(tmp_path, srv, ca_file, config_path=str(cfg),
                             profile_name=name)).returncode == ec.OK
    p = run(["check", "--config", str(cfg)])
    assert p.returncode == ec.OK, p.stdout + p.stderr
    # what was proven, honestly: no test message was asked for, so none was sent
    assert ("Success: secure connection ✔, sign-in ✔, sender accepted ✔, no message sent."
            in p.stdout)
    last = cfg.with_name("mail-settings.last-check.json")
    assert json.loads(last.read_text())["command"] == "check"

    srv.recorder.users[USER] = "changed at the provider"
    p = run(["check", "--config", str(cfg)])
    assert p.returncode == ec.AUTH, p.stdout + p.stderr
    assert "Failed at: auth" in p.stdout
    assert "The saved password no longer works" in p.stdout
    assert "My password changed" in p.stdout
    record = json.loads(last.read_text())
    assert record["ok"] is False and record["exit_code"] == ec.AUTH
    assert record["diagnosis"]["code"] == "auth_failed"
    assert any("AUTH" in line for line in record["result"]["transcript"])
    assert stat.S_IMODE(last.stat().st_mode) == 0o600
    p = run(["check", "--config", str(cfg), "--json"])
    out = json.loads(p.stdout)
    assert p.returncode == ec.AUTH and out["exit_code"] == ec.AUTH and "hint" in out


def test_check_without_the_stored_password_or_settings(tmp_path, secret_service, smtp_server,
                                                       ca_file):
    p = run(["check", "--config", str(tmp_path / "none.json")])
    assert p.returncode == ec.CONFIG_ERROR and "No saved mail settings" in p.stderr
    srv = smtp_server("starttls")
    cfg, name = tmp_path / "mail.json", profile_name()
    assert apply(answer_file(tmp_path, srv, ca_file, config_path=str(cfg),
                             profile_name=name)).returncode == ec.OK
    keyring.delete_password("mailwizard", f"{name}/password")
    p = run(["check", "--config", str(cfg)])
    assert p.returncode == ec.INVALID_SETTINGS and "No password is stored" in p.stderr
    record = json.loads(cfg.with_name("mail.last-check.json").read_text())
    assert record["exit_code"] == ec.INVALID_SETTINGS and "No password" in record["error"]
    p = run(["check", "--config", str(cfg)],
            env={"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"})
    assert p.returncode == ec.SECRET_STORE


def test_report_is_redacted_and_shows_versions_config_site_and_last_check(
        smtp_server, ca_file, tmp_path, secret_service):
    canary = f"canary-{uuid.uuid4().hex}"
    srv = smtp_server("starttls")
    srv.recorder.users[USER] = canary
    cfg, name = tmp_path / "cfg" / "mail-settings.json", profile_name()
    site = tmp_path / "site.toml"
    site.write_text('hidden_services = ["oauth"]\n[oauth.google]\nclient_id = "cid-123"\n'
                    'client_secret = "site-client-secret"\n')
    env = {"MAILWIZARD_SITE_CONFIG": str(site)}
    outputs = []
    p = apply(answer_file(tmp_path, srv, ca_file, config_path=str(cfg), profile_name=name,
                          send_test_to=USER), "--json", password=canary, env=env)
    assert p.returncode == ec.OK, p.stdout + p.stderr
    outputs += [p.stdout, p.stderr]
    for args in (["check", "--config", str(cfg)], ["--debug", "check", "--config", str(cfg),
                                                   "--json"]):
        p = run(args, env=env)
        assert p.returncode == ec.OK, p.stdout + p.stderr
        outputs += [p.stdout, p.stderr]
    srv.recorder.users[USER] = "rotated"
    p = run(["check", "--config", str(cfg)], env=env)  # a failed check is recorded too
    assert p.returncode == ec.AUTH
    outputs += [p.stdout, p.stderr]
    p = run(["report", "--config", str(cfg)], env=env)
    assert p.returncode == ec.OK, p.stderr
    report = p.stdout
    outputs += [report, p.stderr]
    for expected in ("== Versions and platform ==", "Python:", "PySide6:", "keyring:",
                     "exchangelib:", "Keyring backend: keyring.backends.SecretService",
                     f"Path: {cfg}", '"host": "127.0.0.1"', f'"username": "{name}/password"',
                     f"file: {site}", "hidden services: oauth", "cid-123",
                     "Result:   FAILED (exit code 24", "by `mailwizard check`",
                     "Diagnosis: auth_failed", "Transcript (passwords removed):"):
        assert expected in report, expected
    assert "site-client-secret" not in report
    needles = [canary, base64.b64encode(canary.encode()).decode()[:-4],
               base64.b64encode(f"\0{USER}\0{canary}".encode()).decode()[8:-8]]
    for text in outputs:
        for n in needles:
            assert n not in text
    scan = [cfg.parent]
    home = Path(os.environ.get("HOME", ""))
    if str(home).startswith(("/tmp", "/var/tmp")):  # the test script's throw-away HOME
        scan.append(home)
    for root in scan:
        for f in root.rglob("*"):
            if f.is_file():
                data = f.read_bytes()
                for n in needles:
                    assert n.encode() not in data, f
    assert keyring.get_password("mailwizard", f"{name}/password") == canary


def test_report_without_settings_or_with_a_bad_site_file(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('provider = "gmial"\n')
    p = run(["report", "--config", str(tmp_path / "none.json")],
            env={"MAILWIZARD_SITE_CONFIG": str(site)})
    assert p.returncode == ec.OK, p.stderr
    assert "Status: missing" in p.stdout
    assert "cannot be used:" in p.stdout and "did you mean “gmail”" in p.stdout
    assert "(no check recorded yet" in p.stdout
