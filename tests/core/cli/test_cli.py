"""The `mailwizard` command, run as a real process against real servers and the real keyring."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from conftest import PASSWORD, USER
from support.cli import mailwizard as run

from mailwizard.core import exitcodes as ec


def server_args(srv, ca_file, security="starttls"):
    return ["--host", srv.host, "--port", str(srv.port), "--security", security,
            "--username", USER, "--from", USER, "--cafile", ca_file, "--timeout", "5"]


def test_version_and_providers():
    assert run(["--version"]).stdout.startswith("mailwizard ")
    out = run(["providers"]).stdout
    assert "smtp.gmail.com" in out and "amazon-ses" in out
    data = json.loads(run(["providers", "--json"]).stdout)  # one object, like every outcome
    assert data["ok"] is True and data["exit_code"] == ec.OK
    assert {"gmail", "microsoft-365", "custom"} <= {p["id"] for p in data["providers"]}


def test_validate_success_json(smtp_server, ca_file):
    srv = smtp_server("starttls")
    p = run(["validate", *server_args(srv, ca_file), "--password-stdin", "--send-test-to", USER,
             "--display-name", "Riverside", "--json"], stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stderr
    report = json.loads(p.stdout)
    assert report["ok"] and report["diagnosis"] is None
    assert [s["stage"] for s in report["stages"]][-1] == "quit"
    assert len(srv.recorder.messages) == 1


@pytest.mark.parametrize("scenario, expected", [
    ("wrong_password", ec.AUTH), ("tls_on_starttls_port", ec.TLS), ("refused", ec.CONNECT),
    ("bad_port_value", ec.INVALID_SETTINGS), ("recipient_refused", ec.RECIPIENT),
    ("sender_refused", ec.SENDER), ("data_refused", ec.DATA)])
def test_exit_codes_per_stage(smtp_server, ca_file, scenario, expected):
    script = {"recipient_refused": {"reply_to_rcpt": "550 5.1.1 No such user"},
              "sender_refused": {"reply_to_mail": "553 5.7.1 Sender address rejected"},
              "data_refused": {"reply_to_data": "554 5.6.0 Message rejected"}}.get(scenario, {})
    srv = smtp_server("starttls", **script)
    args = server_args(srv, ca_file)
    password = PASSWORD
    if scenario == "wrong_password":
        password = "nope"
    elif scenario == "tls_on_starttls_port":
        args[args.index("--security") + 1] = "tls"
    elif scenario == "refused":
        from servers import closed_port
        args[args.index("--port") + 1] = str(closed_port())
    elif scenario == "bad_port_value":
        args[args.index("--port") + 1] = "0"
    p = run(["validate", *args, "--password-stdin", "--send-test-to", USER, "--json"],
            stdin=password + "\n")
    assert p.returncode == expected, (p.stdout, p.stderr)
    if scenario != "bad_port_value":
        d = json.loads(p.stdout)["diagnosis"]
        assert d["cause"] and d["fix"]
    else:
        assert "port:" in p.stderr


def test_human_output_names_cause_fix_and_suggestion(smtp_server, ca_file):
    srv = smtp_server("starttls")
    args = server_args(srv, ca_file, security="tls")
    p = run(["validate", *args, "--password-stdin"], stdin=PASSWORD + "\n")
    assert p.returncode == ec.TLS
    assert "Cause:" in p.stdout and "Fix:" in p.stdout and "--security starttls" in p.stdout


def test_password_is_never_taken_from_the_command_line(smtp_server, ca_file):
    srv = smtp_server("starttls")
    p = run(["validate", *server_args(srv, ca_file)], stdin="")
    assert p.returncode == ec.INVALID_SETTINGS and "--password-stdin" in p.stderr
    assert run(["validate", "--password", "x"]).returncode == ec.USAGE
    assert srv.recorder.commands_auth == []


def test_save_refuses_when_validation_fails_and_writes_nothing(smtp_server, ca_file, tmp_path,
                                                               secret_service):
    srv = smtp_server("starttls")
    cfg = tmp_path / "mail.json"
    p = run(["save", *server_args(srv, ca_file), "--password-stdin", "--config", str(cfg),
             "--profile-name", "refused"], stdin="wrong\n")
    assert p.returncode == ec.AUTH and "Nothing was saved" in p.stdout
    assert not cfg.exists()
    import keyring
    assert keyring.get_password("mailwizard", "refused/password") is None


def test_save_without_a_keyring_stores_nothing(smtp_server, ca_file, tmp_path):
    srv = smtp_server("starttls")
    cfg = tmp_path / "mail.json"
    p = run(["save", *server_args(srv, ca_file), "--password-stdin", "--config", str(cfg)],
            stdin=PASSWORD + "\n",
            env={"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"})
    assert p.returncode == ec.SECRET_STORE, p.stderr
    assert "plain file" in p.stderr and not cfg.exists()
    assert srv.recorder.commands_auth == []  # refused before anyone's password was used


def test_canary_password_appears_nowhere(smtp_server, ca_file, tmp_path, secret_service):
    """Save, show and validate with a unique password, then look for it in everything we
    wrote or printed: config, backup, logs, reports, and every file under HOME."""
    canary = f"canary-{uuid.uuid4().hex}"
    srv = smtp_server("starttls")
    srv.recorder.users[USER] = canary
    cfg = tmp_path / "cfg" / "mail.json"
    name = f"canary{uuid.uuid4().hex[:6]}"
    outputs = []
    for _ in range(2):  # twice: the second save also writes the .bak
        p = run(["--debug", "save", *server_args(srv, ca_file), "--password-stdin",
                 "--config", str(cfg), "--profile-name", name, "--send-test-to", USER],
                stdin=canary + "\n")
        assert p.returncode == ec.OK, p.stderr
        outputs += [p.stdout, p.stderr]
    for args in (["show", "--config", str(cfg)], ["show", "--config", str(cfg), "--json"]):
        p = run(["--debug", *args])
        assert p.returncode == ec.OK
        outputs += [p.stdout, p.stderr]
    p = run(["--debug", "validate", *server_args(srv, ca_file), "--stored-password",
             "--profile-name", name, "--json"])
    assert p.returncode == ec.OK, p.stderr
    outputs += [p.stdout, p.stderr]
    p = run(["--debug", "validate", *server_args(srv, ca_file), "--password-stdin",
             "--json"], stdin=canary + "x\n")  # a wrong one that contains the canary
    assert p.returncode == ec.AUTH
    outputs += [p.stdout, p.stderr]

    import base64
    needles = [canary, base64.b64encode(canary.encode()).decode()[:-4]]
    for text in outputs:
        for n in needles:
            assert n not in text
    assert "stored" in outputs[4]
    scan = [cfg.parent]
    home = Path(os.environ.get("HOME", ""))
    if str(home).startswith(("/tmp", "/var/tmp")):  # the test script's throw-away HOME
        scan.append(home)
    for root in scan:
        for f in root.rglob("*"):
            if f.is_file():
                data = f.read_bytes()
                assert canary.encode() not in data, f
    saved = json.loads(cfg.read_text())
    assert saved["secret"]["username"] == f"{name}/password"
    import keyring
    assert keyring.get_password("mailwizard", f"{name}/password") == canary


def test_show_damaged_config_is_a_clear_error(tmp_path):
    cfg = tmp_path / "mail.json"
    cfg.write_text("{not json")
    p = run(["show", "--config", str(cfg)])
    assert p.returncode == ec.CONFIG_ERROR and "damaged" in p.stderr
    assert "Traceback" not in p.stderr and cfg.read_text() == "{not json"


def test_provider_preset_with_region(smtp_server, ca_file):
    p = run(["validate", "--provider", "amazon-ses", "--region", "xx-nowhere-1", "--from", USER,
             "--password-stdin"], stdin="x\n")
    assert p.returncode == ec.INVALID_SETTINGS and "region" in p.stderr


def test_saving_a_relay_without_login_needs_no_keyring(smtp_server, ca_file, tmp_path):
    srv = smtp_server("starttls")
    cfg = tmp_path / "relay.json"
    p = run(["save", *server_args(srv, ca_file), "--auth", "none", "--config", str(cfg)],
            env={"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"})
    assert p.returncode == ec.OK, p.stderr
    assert json.loads(cfg.read_text())["secret"] is None


def test_without_a_desktop_the_wizard_says_so_in_words():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    p = run([], environ=env)
    assert p.returncode == 2 and "no desktop display" in p.stderr and "--help" in p.stderr


# -- Exchange (EWS) ------------------------------------------------------------------------
EWS_USER = "it@example.org"


def ews_args(srv, ca_file, *extra):
    return ["--service", "exchange", "--ews-url", srv.url, "--username", EWS_USER,
            "--from", EWS_USER, "--auth", "basic", "--cafile", ca_file, "--timeout", "5",
            *extra]


def test_exchange_validate_sends_through_ews(ews_server, ca_file):
    srv = ews_server(users={EWS_USER: PASSWORD})
    p = run(["validate", *ews_args(srv, ca_file), "--password-stdin",
             "--send-test-to", "boss@example.org"], stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert "ews_send" in p.stdout and "Success" in p.stdout
    [sent] = srv.state.sent
    assert sent.to == ["boss@example.org"] and sent.disposition == "SendOnly"


@pytest.mark.parametrize("scenario, expected", [
    ("wrong_password", ec.AUTH), ("wrong_auth_type", ec.AUTH), ("no_mailbox", ec.SENDER),
    ("bad_username", ec.INVALID_SETTINGS), ("online", ec.INVALID_SETTINGS),
    ("smtp_flag", ec.INVALID_SETTINGS)])
def test_exchange_exit_codes(ews_server, ca_file, scenario, expected):
    srv = ews_server(users={EWS_USER: PASSWORD})
    args, password = ews_args(srv, ca_file), PASSWORD
    if scenario == "wrong_password":
        password = "nope"
    elif scenario == "wrong_auth_type":
        args = ews_args(srv, ca_file, "--auth", "ntlm", "--domain", "EXAMPLE")
    elif scenario == "no_mailbox":
        args = ews_args(srv, ca_file, "--from", "nobody@example.org")
    elif scenario == "bad_username":
        args = ews_args(srv, ca_file, "--username", "EXAMPLE/it")
    elif scenario == "online":
        args = ews_args(srv, ca_file, "--ews-url",
                        "https://outlook.office365.com/EWS/Exchange.asmx")
    elif scenario == "smtp_flag":
        args = ews_args(srv, ca_file, "--port", "587")
    p = run(["validate", *args, "--password-stdin"], stdin=password + "\n")
    assert p.returncode == expected, p.stdout + p.stderr
    out = p.stdout + p.stderr
    if scenario == "wrong_auth_type":
        assert "--auth basic" in out  # the suggestion, as the flag to type
    if scenario == "bad_username":
        assert "--username: use a backslash" in out
    if scenario == "online":
        assert "1 April 2027" in out and "--allow-exchange-online" not in out.split("Fix")[0]
    if scenario == "smtp_flag":
        assert "--port: not used for Exchange" in out


def test_exchange_save_show_and_canary(ews_server, ca_file, tmp_path, secret_service):
    import base64
    import jsonschema

    from mailwizard.core.resources import read_resource_bytes

    canary = f"canary-{uuid.uuid4().hex}"
    srv = ews_server(users={EWS_USER: canary})
    cfg = tmp_path / "ews.json"
    name = f"ews{uuid.uuid4().hex[:6]}"
    outputs = []
    p = run(["--debug", "save", *ews_args(srv, ca_file), "--password-stdin", "--config",
             str(cfg), "--profile-name", name, "--send-test-to", EWS_USER], stdin=canary + "\n")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    outputs += [p.stdout, p.stderr]
    p = run(["--debug", "validate", *ews_args(srv, ca_file), "--password-stdin"],
            stdin=canary + "x\n")
    assert p.returncode == ec.AUTH
    outputs += [p.stdout, p.stderr]
    p = run(["show", "--config", str(cfg)])
    assert f"Exchange at {srv.url} (Basic sign-in)" in p.stdout and "(stored)" in p.stdout
    outputs.append(p.stdout)

    saved = json.loads(cfg.read_text())
    jsonschema.validate(saved, json.loads(read_resource_bytes("config.schema.json")))
    prof = saved["profile"]
    assert prof["service"] == "exchange" and prof["ews_url"] == srv.url
    assert prof["ews_auth"] == "basic" and prof["username"] == EWS_USER
    assert "host" not in prof
    import keyring
    assert keyring.get_password("mailwizard", f"{name}/password") == canary
    needles = [canary, base64.b64encode(f"{EWS_USER}:{canary}".encode()).decode()[:-4],
               base64.b64encode(canary.encode()).decode()[:-4]]
    for text in outputs + [cfg.read_text()]:
        for n in needles:
            assert n not in text


def test_exchange_autodiscover_from_the_command_line(ews_server, ca_file):
    target = ews_server(users={"LOCAL\\it": PASSWORD})
    target.state.autodiscover = {"ews_url": target.url}
    elsewhere = target.base.replace("localhost", "127.0.0.1") + "/autodiscover/autodiscover.xml"
    srv = ews_server(users={"LOCAL\\it": PASSWORD})
    srv.state.autodiscover = {"redirect_url": elsewhere}
    args = ["validate", "--service", "exchange", "--autodiscover", "--autodiscover-url",
            srv.base + "/autodiscover/autodiscover.xml", "--from", "it@example.org",
            "--username", "LOCAL\\it", "--auth", "basic", "--cafile", ca_file, "--timeout", "5",
            "--password-stdin"]
    p = run(args, stdin=PASSWORD + "\n")
    assert p.returncode == ec.INVALID_SETTINGS, p.stdout + p.stderr
    assert "--autodiscover-allow-host 127.0.0.1" in p.stderr
    assert [had for _, had in target.state.autodiscover_requests] == [False]

    p = run(args + ["--autodiscover-allow-host", "127.0.0.1"], stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert f"Autodiscover found: {target.url}" in p.stdout


STATEMENT = b"""To: member@example.org
Cc: treasurer@example.org
Subject: Statement

Your statement.
"""


def test_send_with_a_saved_password_profile(smtp_server, ca_file, tmp_path, secret_service):
    srv = smtp_server("starttls")
    cfg = tmp_path / "smtp.json"
    name = f"send{uuid.uuid4().hex[:6]}"
    p = run(["save", *server_args(srv, ca_file), "--password-stdin", "--config", str(cfg),
             "--profile-name", name], stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stderr
    p = run(["send", "--config", str(cfg), "--json"], stdin=STATEMENT, text=False)
    assert p.returncode == ec.OK, p.stderr
    out = json.loads(p.stdout)
    assert out["ok"] and out["recipients"] == ["member@example.org", "treasurer@example.org"]
    received = srv.recorder.messages[-1]
    assert received.mail_from == USER
    assert received.message["From"] == USER and received.message["Subject"] == "Statement"

    srv.recorder.users[USER] = "changed"  # the password changed since: the ERP hears why
    p = run(["send", "--config", str(cfg)], stdin=STATEMENT, text=False)
    assert p.returncode == ec.AUTH and b"not sent" in p.stdout


def test_send_with_a_saved_exchange_profile(ews_server, ca_file, tmp_path, secret_service):
    srv = ews_server(users={EWS_USER: PASSWORD})
    cfg = tmp_path / "ews-send.json"
    name = f"ewss{uuid.uuid4().hex[:6]}"
    p = run(["save", *ews_args(srv, ca_file), "--password-stdin", "--config", str(cfg),
             "--profile-name", name], stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    p = run(["send", "--config", str(cfg)], stdin=STATEMENT.replace(b"Cc:", b"Bcc:"),
            text=False)
    assert p.returncode == ec.OK, p.stdout + p.stderr
    sent = srv.state.sent[-1]
    assert sent.subject == "Statement" and sent.disposition == "SendOnly"
    assert sent.to == ["member@example.org", "treasurer@example.org"]
