"""The command line for IT staff and installers, as a real process against real loopback
servers and the real keyring: the password-changed fast path, internal domains, the sender
check and its honest success line, "did you mean", --json for every outcome (validated against
the published schema), --debug for every command."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import jsonschema
import pytest
from conftest import PASSWORD, USER
from support.cli import mailwizard as run

from mailwizard.core import exitcodes as ec

ROOT = Path(__file__).parents[3]
SCHEMA = json.loads((ROOT / "resources" / "cli-output.schema.json").read_text())


def server_args(srv, ca_file, *, user=USER, sender=USER):
    args = ["--host", srv.host, "--port", str(srv.port), "--security", "starttls",
            "--username", user, "--cafile", ca_file, "--timeout", "5"]
    return args + (["--from", sender] if sender else [])


def one_json(p) -> dict:
    """stdout is exactly one JSON object, valid against the published schema, with the
    process's own exit code."""
    out = json.loads(p.stdout)
    jsonschema.validate(out, SCHEMA)
    assert out["exit_code"] == p.returncode, (p.stdout, p.stderr)
    assert out["ok"] is (p.returncode == 0)
    return out


def name() -> str:
    return f"pw{uuid.uuid4().hex[:8]}"


# -- the password-changed fast path ----------------------------------------------------------

def test_password_changed_keeps_every_setting_and_replaces_the_secret_only_after_a_pass(
        smtp_server, ca_file, tmp_path, secret_service):
    import keyring

    srv = smtp_server("starttls")
    cfg, profile = tmp_path / "mail-settings.json", name()
    p = run(["save", *server_args(srv, ca_file), "--display-name", "Riverside Society",
             "--password-stdin", "--config", str(cfg), "--profile-name", profile],
            stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    saved_before = json.loads(cfg.read_text())["profile"]

    srv.recorder.users[USER] = "the new one"
    # `check` names the one command that fixes it
    p = run(["check", "--config", str(cfg)])
    assert p.returncode == ec.AUTH
    assert f"mailwizard save --config {cfg} --password-stdin" in p.stdout
    out = one_json(run(["check", "--config", str(cfg), "--json"]))
    assert out["kind"] == "check_failed" and "--password-stdin" in out["hint"]

    # A wrong new password: refused, nothing changed (settings file and keyring)
    before_bytes = cfg.read_bytes()
    p = run(["save", "--config", str(cfg), "--password-stdin"], stdin="still wrong\n")
    assert p.returncode == ec.AUTH, p.stdout + p.stderr
    assert "Nothing was changed" in p.stdout
    assert cfg.read_bytes() == before_bytes
    assert keyring.get_password("mailwizard", f"{profile}/password") == PASSWORD

    # The right one: one command, no other option; everything else kept
    p = run(["save", "--config", str(cfg), "--password-stdin", "--json"],
            stdin="the new one\n")
    out = one_json(p)
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert out["new_password"] is True and out["changed"] == []
    assert keyring.get_password("mailwizard", f"{profile}/password") == "the new one"
    saved_after = json.loads(cfg.read_text())
    assert saved_after["profile"] == saved_before
    assert saved_after["profile_name"] == profile

    # One option changed with the stored password: the others (display name too) are kept
    p = run(["save", "--config", str(cfg), "--stored-password", "--from",
             "billing@society.example.org"])
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert "changed: --from" in p.stdout
    after = json.loads(cfg.read_text())["profile"]
    assert after == {**saved_before, "from_address": "billing@society.example.org"}
    assert after["display_name"] == "Riverside Society"
    assert keyring.get_password("mailwizard", f"{profile}/password") == "the new one"
    assert len(srv.recorder.messages) == 0  # the sender check sends nothing


def test_password_changed_advice_for_google_says_create_a_new_app_password():
    from mailwizard.core.admin.health import password_changed_advice
    from mailwizard.core.profile import Profile
    from mailwizard.core.providers import load_catalogue

    gmail = load_catalogue().get("gmail")
    text = password_changed_advice(gmail.profile_for("a@gmail.com"), gmail, Path("/x.json"))
    assert "create a new app password" in text and "cancels every app password" in text
    assert "mailwizard save --config /x.json --password-stdin" in text
    other = password_changed_advice(Profile(host="mail.example.org"), None)
    assert "app password" not in other and "mailwizard save --password-stdin" in other


# -- internal domains, From from the user name ----------------------------------------------

@pytest.mark.parametrize("sender, rcpt", [("office@company.local", "billing@lab.internal"),
                                          ("accounts@society.test", "it@intranet")])
def test_internal_domains_work_end_to_end(smtp_server, ca_file, sender, rcpt):
    srv = smtp_server("starttls")
    p = run(["validate", *server_args(srv, ca_file, sender=sender), "--password-stdin",
             "--send-test-to", rcpt, "--json"], stdin=PASSWORD + "\n")
    out = one_json(p)
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert "Note:" in p.stderr and ("private networks" in p.stderr or "own network" in p.stderr)
    [msg] = srv.recorder.messages
    assert msg.mail_from == sender and msg.rcpt_tos == [rcpt]
    assert out["report"]["profile"]["from_address"] == sender
    assert any("internet" in note for note in out["notes"])


def test_from_defaults_to_the_user_name_on_the_command_line_and_in_answer_files(
        smtp_server, ca_file, tmp_path):
    srv = smtp_server("starttls")
    p = run(["validate", *server_args(srv, ca_file, sender=None), "--password-stdin",
             "--json"], stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert one_json(p)["report"]["profile"]["from_address"] == USER
    answers = tmp_path / "answers.toml"
    answers.write_text(f'host = "{srv.host}"\nport = {srv.port}\nsecurity = "starttls"\n'
                       f'username = "{USER}"\ncafile = "{ca_file}"\ntimeout = 5\n')
    p = run(["apply", "--answers", str(answers), "--password-stdin", "--check-only",
             "--json"], stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert one_json(p)["report"]["profile"]["from_address"] == USER


# -- the sender check and the honest success line --------------------------------------------

def test_without_a_test_message_the_server_is_asked_to_accept_the_sender(smtp_server,
                                                                          ca_file):
    srv = smtp_server("starttls")
    p = run(["validate", *server_args(srv, ca_file), "--password-stdin"],
            stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert ("Success: secure connection ✔, sign-in ✔, sender accepted ✔, no message sent."
            in p.stdout)
    assert srv.recorder.messages == []
    p = run(["validate", *server_args(srv, ca_file), "--password-stdin", "--json"],
            stdin=PASSWORD + "\n")
    out = one_json(p)
    transcript = "\n".join(out["report"]["transcript"]).lower()  # smtplib's own casing
    assert f"c: mail from:<{USER}>" in transcript and f"c: rcpt to:<{USER}>" in transcript
    assert "c: rset" in transcript and "c: data" not in transcript
    assert out["report"]["sender_accepted"] is True
    assert out["proven"][-2:] == ["sender accepted ✔", "no message sent"]
    assert srv.recorder.messages == []


@pytest.mark.parametrize("script, code", [
    # Postfix's reject_sender_login_mismatch: the From is not the signed-in mailbox's
    ({"reply_to_mail": "553 5.7.1 Sender address rejected: not owned by user"},
     "send_as_denied"),
    ({"reply_to_mail": "553 5.1.8 Sender address rejected: Domain not found"},
     "sender_refused"),
    ({"reply_to_rcpt": "553 Relaying disallowed"}, "from_not_allowed"),  # Zoho's words
])
def test_the_sender_check_catches_a_refused_from_and_delivers_nothing(smtp_server, ca_file,
                                                                     script, code):
    srv = smtp_server("starttls", **script)
    p = run(["validate", *server_args(srv, ca_file, sender="other@example.net"),
             "--password-stdin", "--json"], stdin=PASSWORD + "\n")
    out = one_json(p)
    assert p.returncode == ec.SENDER, p.stdout + p.stderr
    assert out["diagnosis"]["code"] == code
    assert out["diagnosis"]["suggestion"] == {"from_address": USER}
    assert srv.recorder.messages == []
    assert "c: data" not in "\n".join(out["report"]["transcript"]).lower()


# -- wording: the command line's own words ---------------------------------------------------

def test_cli_fixes_name_cli_options_and_replies_are_text(smtp_server, ca_file,
                                                        untrusted_ctx):
    srv = smtp_server("starttls", ctx=untrusted_ctx)
    p = run(["validate", *server_args(srv, ca_file), "--password-stdin"],
            stdin=PASSWORD + "\n")
    assert p.returncode == ec.TLS
    assert "--cafile" in p.stdout and "--trust-sha256" in p.stdout
    assert "Advanced" not in p.stdout

    srv = smtp_server("starttls")
    p = run(["validate", *server_args(srv, ca_file), "--password-stdin"], stdin="nope\n")
    assert p.returncode == ec.AUTH
    assert "Other / my own server did" not in p.stdout
    assert "b'" not in p.stdout and "(535," not in p.stdout
    assert "535 5.7.8" in p.stdout


def test_an_empty_first_line_is_not_called_empty_input(smtp_server, ca_file):
    srv = smtp_server("starttls")
    p = run(["validate", *server_args(srv, ca_file), "--password-stdin"], stdin="\nsecret\n")
    assert p.returncode == ec.INVALID_SETTINGS
    assert "first line of standard input was empty" in p.stderr
    p = run(["validate", *server_args(srv, ca_file), "--password-stdin"], stdin="")
    assert "password: standard input was empty" in p.stderr


# -- did you mean ----------------------------------------------------------------------------

@pytest.mark.parametrize("args, suggestion", [
    (["validate", "--securty", "tls"], "did you mean --security?"),
    (["valdate"], "did you mean validate?"),
    (["validate", "--security", "tsl"], "did you mean tls?"),
    (["check", "--conifg", "x.json"], "did you mean --config?"),
])
def test_typos_get_a_suggestion(args, suggestion):
    p = run(args)
    assert p.returncode == ec.USAGE
    assert suggestion in p.stderr
    p = run([*args, "--json"])
    out = one_json(p)
    assert out["kind"] == "usage" and suggestion in out["message"]


def test_a_mistyped_provider_id_gets_a_suggestion():
    p = run(["validate", "--provider", "gmial", "--username", "a@gmail.com", "--json"])
    out = one_json(p)
    assert p.returncode == ec.INVALID_SETTINGS and "did you mean “gmail”" in out["message"]


def test_outlook_com_leads_to_connect_only():
    p = run(["validate", "--provider", "outlook-com", "--username", "a@outlook.com",
             "--password-stdin", "--json"], stdin="x\n")
    out = one_json(p)
    assert p.returncode == ec.INVALID_SETTINGS
    assert "only Connect" in out["message"] and "app password" in out["message"]


# -- --json for every outcome ----------------------------------------------------------------

@pytest.mark.parametrize("scenario, expected", [
    ("ok", ec.OK), ("auth", ec.AUTH), ("tls", ec.TLS), ("connect", ec.CONNECT),
    ("resolve", ec.RESOLVE), ("sender", ec.SENDER), ("recipient", ec.RECIPIENT),
    ("data", ec.DATA), ("settings", ec.INVALID_SETTINGS), ("usage", ec.USAGE),
    ("empty_password", ec.INVALID_SETTINGS),
])
def test_every_validate_outcome_is_one_json_object(smtp_server, ca_file, scenario, expected):
    script = {"sender": {"reply_to_mail": "550 5.7.1 Sender rejected"},
              "recipient": {"reply_to_rcpt": "550 5.1.1 No such user"},
              "data": {"reply_to_data": "554 5.6.0 Message rejected"}}.get(scenario, {})
    srv = smtp_server("starttls", **script)
    args = server_args(srv, ca_file)
    stdin = PASSWORD + "\n"
    extra = ["--send-test-to", USER] if scenario in ("recipient", "data") else []
    if scenario == "auth":
        stdin = "wrong\n"
    elif scenario == "tls":
        args[args.index("--security") + 1] = "tls"
    elif scenario == "connect":
        from servers import closed_port
        args[args.index("--port") + 1] = str(closed_port())
    elif scenario == "resolve":
        args[args.index("--host") + 1] = "no-such-host.invalid"
    elif scenario == "settings":
        args[args.index("--port") + 1] = "0"
    elif scenario == "usage":
        extra = ["--no-such-option"]
    elif scenario == "empty_password":
        stdin = ""
    p = run(["validate", *args, "--password-stdin", *extra, "--json"], stdin=stdin)
    assert p.returncode == expected, (p.stdout, p.stderr)
    out = one_json(p)
    assert out["command"] == "validate" and out["message"]
    if 20 <= expected < 30:
        assert out["kind"] == "check_failed" and out["diagnosis"]["cause"]
    elif expected != ec.OK:
        assert out["error"]["message"] == out["message"]


def test_every_command_answers_in_json(tmp_path):
    missing = tmp_path / "nothing-here.json"
    for args, code in ((["providers", "--json"], ec.OK),
                       (["show", "--config", str(missing), "--json"], ec.CONFIG_ERROR),
                       (["check", "--config", str(missing), "--json"], ec.CONFIG_ERROR),
                       (["send", "--config", str(missing), "--json"], ec.CONFIG_ERROR),
                       (["token", "--config", str(missing), "--json"], ec.CONFIG_ERROR),
                       (["report", "--config", str(missing), "--json"], ec.OK),
                       (["--json"], ec.USAGE), (["gui", "--json"], ec.USAGE),
                       (["apply", "--answers", str(missing), "--json"],
                        ec.INVALID_SETTINGS)):
        p = run(args)
        assert p.returncode == code, (args, p.stdout, p.stderr)
        one_json(p)


def test_no_keyring_is_a_json_outcome_too(smtp_server, ca_file, tmp_path):
    srv = smtp_server("starttls")
    p = run(["save", *server_args(srv, ca_file), "--password-stdin", "--config",
             str(tmp_path / "m.json"), "--json"], stdin=PASSWORD + "\n",
            env={"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"})
    assert p.returncode == ec.SECRET_STORE
    assert one_json(p)["kind"] == "keyring"


# -- --debug for every command ---------------------------------------------------------------

def test_debug_shows_stages_timings_and_the_redacted_transcript(smtp_server, ca_file):
    srv = smtp_server("starttls")
    p = run(["validate", *server_args(srv, ca_file), "--password-stdin", "--debug"],
            stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stderr
    assert "debug: stage  auth" in p.stderr and " ms" in p.stderr
    assert "debug: transcript" in p.stderr and "C: AUTH PLAIN" in p.stderr
    assert PASSWORD not in p.stderr and PASSWORD not in p.stdout
    for args in (["--debug", "providers"], ["providers", "--debug"],
                 ["--debug", "show", "--config", "/nonexistent/x.json"]):
        p = run(args)
        assert "debug: command" in p.stderr, args


def test_a_greeting_failure_is_one_json_object_too(raw_server, ca_file):
    from servers import greet_421

    srv = raw_server(greet_421)
    p = run(["validate", "--host", "127.0.0.1", "--port", str(srv.port), "--security",
             "starttls", "--username", USER, "--cafile", ca_file, "--timeout", "5",
             "--password-stdin", "--json"], stdin=PASSWORD + "\n")
    assert p.returncode == ec.GREETING, p.stdout + p.stderr
    out = one_json(p)
    assert out["diagnosis"]["stage"] == "greeting" and out["kind"] == "check_failed"


@pytest.mark.parametrize("address", ["office@company.local", "billing@lab.internal",
                                     "x@society.test", "it@intranet", "Büro@büro.local"])
def test_internal_addresses_pass_the_syntax_check_with_a_note(address):
    from mailwizard.core.profile import address_note, check_email

    value, err = check_email(address, "from_address")
    assert err is None and value.endswith(address.rpartition("@")[2].lower())
    assert address_note(value)
    assert address_note("office@example.org") == ""


@pytest.mark.parametrize("address", ["a b@company.local", "@company.local", "x@-bad.local",
                                     "x@1.2.3.4", "two@@company.local", "x@bad_label.local"])
def test_the_syntax_check_still_refuses_real_mistakes(address):
    from mailwizard.core.profile import check_email

    assert check_email(address, "from_address")[1] is not None


def test_a_try_later_answer_to_the_sender_check_is_said_as_not_confirmed(smtp_server,
                                                                         ca_file):
    srv = smtp_server("starttls", reply_to_rcpt="450 4.7.1 Greylisted, try again later")
    p = run(["validate", *server_args(srv, ca_file), "--password-stdin"],
            stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert "sender not confirmed" in p.stdout and "sender accepted" not in p.stdout
    assert srv.recorder.messages == []


def test_even_a_bug_is_one_json_object(monkeypatch, capsys):
    from mailwizard import cli
    from mailwizard.cli import app

    def broken(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(app, "cmd_providers", broken)
    code = cli.main(["providers", "--json"])
    captured = capsys.readouterr()
    assert code == ec.INTERNAL_ERROR
    out = json.loads(captured.out)
    jsonschema.validate(out, SCHEMA)
    assert out["kind"] == "internal_error" and "--debug" in out["message"]
    assert "Traceback" in captured.err  # for IT, on stderr


def test_only_the_named_command_is_built_and_the_names_agree():
    """The parser builds only the command named on the command line (issue 15: ≈ 7 ms);
    its list of commands is the whole parser's."""
    from mailwizard.cli import app
    from mailwizard.cli.support import _subcommands

    assert set(_subcommands(app._parser())) == set(app.COMMANDS)
    assert list(_subcommands(app._parser("validate"))) == ["validate"]
    for argv, named in [(["--lang", "hi", "validate", "--host", "x"], "validate"),
                        (["--site-config", "show", "check"], "check"),
                        (["--debug", "report", "--json"], "report"),
                        (["valdate"], None), (["--json"], None), ([], None),
                        (["--", "validate"], None), (["--lang=hi", "send"], "send")]:
        assert app._command_named(argv) == named, argv
