"""The command line's words where issue 24 found them wrong: a session without a keyring
service (reading is not storing; the real cause and the fix), `send` after a refused password
(the next step, as `check` names it), `--debug` without other packages' chatter, and a
language without a catalogue (said, not silently English). Real processes, real loopback
servers, the real gnome-keyring where one is needed."""

from __future__ import annotations

import json
import uuid

import pytest
from conftest import PASSWORD, USER
from support.cli import mailwizard as run

from mailwizard.core import exitcodes as ec


#: Two ways a session has no keyring service: no D-Bus session at all (ssh, a service), or
#: keyring told to use none.
NO_DBUS = {"drop": ("DBUS_SESSION_BUS_ADDRESS",), "env": {"PYTHON_KEYRING_BACKEND": ""}}
NULL = {"env": {"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}}


@pytest.fixture
def saved_file(tmp_path):
    """A settings file whose password lives in the keyring (written without one)."""
    path = tmp_path / "mail-settings.json"
    path.write_text(json.dumps({
        "schema_version": 1, "profile_name": "default",
        "profile": {"service": "smtp", "host": "127.0.0.1", "port": 9, "security": "starttls",
                    "auth": "password", "username": USER, "from_address": USER},
        "secret": {"store": "keyring", "service": "mailwizard",
                   "username": "default/password"},
        "validation": {}}))
    return path


def _clean(kw):
    """PYTHON_KEYRING_BACKEND="" is not a setting: drop it instead."""
    env = dict(kw.get("env", {}))
    drop = tuple(kw.get("drop", ()))
    if env.get("PYTHON_KEYRING_BACKEND") == "":
        env.pop("PYTHON_KEYRING_BACKEND")
        drop += ("PYTHON_KEYRING_BACKEND",)
    return {"env": env, "drop": drop}


@pytest.mark.parametrize("session", [NO_DBUS, NULL], ids=["no-dbus", "null-backend"])
@pytest.mark.parametrize("command", ["check", "send"])
def test_reading_without_a_keyring_service_says_reading_the_cause_and_the_fix(
        saved_file, session, command):
    p = run([command, "--config", str(saved_file)], stdin="To: a@example.org\r\n\r\nx\r\n",
            **_clean(session))
    assert p.returncode == ec.SECRET_STORE, p.stdout + p.stderr
    assert "The saved password cannot be read here" in p.stderr
    assert "stored safely" not in p.stderr  # it only reads it
    if session is NO_DBUS:
        assert "no keyring service (Secret Service) is running in this session" in p.stderr
    else:
        assert "PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring" in p.stderr
    assert "desktop session" in p.stderr and "gnome-keyring-daemon" in p.stderr


@pytest.mark.parametrize("session", [NO_DBUS, NULL], ids=["no-dbus", "null-backend"])
def test_show_names_the_cause_not_keyring_unavailable_in_a_keyring(saved_file, session):
    p = run(["show", "--config", str(saved_file)], **_clean(session))
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert "keyring unavailable" not in p.stdout
    line = next(x for x in p.stdout.splitlines() if x.strip().startswith("Password:"))
    assert line.strip().startswith("Password:  not checked:")
    assert ("no keyring service" in line) if session is NO_DBUS else ("switched off" in line)
    assert "It is kept in: Secret Service keyring" in p.stdout
    out = json.loads(run(["show", "--config", str(saved_file), "--json"],
                         **_clean(session)).stdout)
    assert out["secret_present"] is None and "cannot be read here" in out["secret_problem"]


def test_storing_without_a_keyring_service_says_storing(tmp_path):
    p = run(["save", "--host", "127.0.0.1", "--username", USER, "--password-stdin",
             "--config", str(tmp_path / "m.json")], stdin="pw\n", **_clean(NO_DBUS))
    assert p.returncode == ec.SECRET_STORE, p.stdout + p.stderr
    assert "Your password cannot be stored safely on this computer: no keyring service " \
           "(Secret Service) is running in this session" in p.stderr
    assert "sign in to a desktop session" in p.stderr


def test_send_after_a_refused_password_names_the_next_step(smtp_server, ca_file, tmp_path,
                                                           secret_service):
    srv = smtp_server("starttls")
    cfg = tmp_path / "mail-settings.json"
    p = run(["save", "--host", srv.host, "--port", str(srv.port), "--security", "starttls",
             "--username", USER, "--cafile", ca_file, "--timeout", "5", "--password-stdin",
             "--config", str(cfg), "--profile-name", f"w{uuid.uuid4().hex[:8]}"],
            stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    srv.recorder.users[USER] = "changed"  # the password was changed at the provider
    message = f"To: {USER}\r\nSubject: Invoice\r\n\r\nx\r\n"
    p = run(["send", "--config", str(cfg)], stdin=message)
    assert p.returncode == ec.AUTH, p.stdout + p.stderr
    lines = p.stdout.strip().splitlines()
    assert "The message was not sent." in lines
    after = "\n".join(lines[lines.index("The message was not sent."):])
    assert f"mailwizard save --config {cfg} --password-stdin" in after
    p = run(["send", "--config", str(cfg), "--json"], stdin=message)
    out = json.loads(p.stdout)
    assert "--password-stdin" in out["hint"] and out["hint"] in out["message"]
    assert srv.recorder.messages == []


def test_debug_keeps_other_packages_chatter_out(saved_file):
    p = run(["show", "--config", str(saved_file), "--debug"], **_clean(NULL))
    assert p.returncode == ec.OK, p.stderr
    assert "Loading KWallet" not in p.stderr and "keyring.backend" not in p.stderr
    assert "debug: command show" in p.stderr


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_language_without_a_catalogue_is_said_once(how):
    args, env = (["--lang", "de"], {}) if how == "option" else ([], {"MAILWIZARD_LANG": "de"})
    p = run([*args, "providers", "--json"], env=env)
    assert p.returncode == ec.OK
    notes = [x for x in p.stderr.splitlines() if "no translation" in x]
    assert notes == ["mailwizard: there is no translation for the language “de”: English is "
                     "used. Languages here: en, hi, mr, ta, en-XA."]
    json.loads(p.stdout)  # stdout stays one JSON object


@pytest.mark.parametrize("code", ["hi", "hi_IN.UTF-8", "en", "en_GB", "en-XA"])
def test_a_language_that_is_there_gets_no_note(code):
    p = run(["--lang", code, "providers"])
    assert p.returncode == ec.OK and "no translation" not in p.stderr
