"""Damaged, hostile or odd files and inputs end in the documented exit code with a message
naming the file and the field, never a traceback: settings (4), answer and site files (3),
the last-check record (report still works), profile names, non-UTF-8 input, SMTPUTF8."""

from __future__ import annotations

import json
import os
from functools import partial

import pytest
from conftest import PASSWORD, USER
from fuzz_inputs import LAST_CHECK, SETTINGS
from support.cli import NULL_KEYRING, mailwizard

from mailwizard.core import exitcodes as ec
from mailwizard.core.profile import Profile, Security
from mailwizard.core.checks.smtp import SmtpCheck


mw = partial(mailwizard, env=NULL_KEYRING, text=False)


def with_change(path: list, value):
    doc = json.loads(json.dumps(SETTINGS))
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return json.dumps(doc)


DAMAGED_SETTINGS = {
    "deep nesting": "[" * 100000 + "]" * 100000,
    "huge integer": json.dumps(SETTINGS).replace("587", "9" * 5000),
    "profile is a number": with_change(["profile"], 5),
    "secret user name is a number": with_change(["secret", "username"], 7),
    "validation is a list": with_change(["validation"], []),
    "NUL in the keyring attribute": with_change(["secret", "username"], "default\x00/password"),
    "host is a number": with_change(["profile", "host"], 12345),
    "port is text": with_change(["profile", "port"], "587"),
    "NaN": json.dumps(SETTINGS).replace("587", "NaN"),
    "not UTF-8": b"\xff\xfe{}",
}


@pytest.mark.parametrize("case", sorted(DAMAGED_SETTINGS))
def test_a_damaged_settings_file_is_exit_4_naming_the_file(case, tmp_path):
    cfg = tmp_path / "mail-settings.json"
    body = DAMAGED_SETTINGS[case]
    cfg.write_bytes(body if isinstance(body, bytes) else body.encode())
    for command in (["show", "--json"], ["check"]):
        p = mw(*command, "--config", str(cfg), stdin=b"To: a@example.org\r\n\r\nx")
        assert p.returncode == ec.CONFIG_ERROR, (command, p.stdout, p.stderr)
        assert b"Traceback" not in p.stderr and str(cfg).encode() in p.stdout + p.stderr
    p = mw("report", "--config", str(cfg))
    assert p.returncode == ec.OK and b"Traceback" not in p.stderr


def test_a_link_to_dev_zero_or_a_fifo_is_not_read(tmp_path):
    link = tmp_path / "mail-settings.json"
    link.symlink_to("/dev/zero")
    p = mw("show", "--config", str(link))
    assert p.returncode == ec.CONFIG_ERROR and b"not a regular file" in p.stderr
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    p = mw("show", "--config", str(fifo))
    assert p.returncode == ec.CONFIG_ERROR
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (2 * 1024 * 1024) + json.dumps(SETTINGS).encode())
    p = mw("show", "--config", str(big))
    assert p.returncode == ec.CONFIG_ERROR and b"larger than" in p.stderr


@pytest.mark.parametrize("name, body", [
    ("answers.toml", "a = " + "[" * 5000 + "]" * 5000),
    ("answers.toml", "port = " + "9" * 5000),
    ("answers.json", "[" * 100000 + "]" * 100000),
    ("answers.json", '{"port": ' + "9" * 5000 + "}"),
    ("answers.toml", 'host = "a\\u0000b"'),
])
def test_hostile_answer_and_site_files_are_exit_3(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(body)
    p = mw("apply", "--answers", str(path), "--check-only")
    assert p.returncode == ec.INVALID_SETTINGS, p.stderr
    site = tmp_path / ("site" + path.suffix)
    site.write_text(body)
    p = mw("show", "--site-config", str(site), "--config", str(tmp_path / "none.json"))
    assert p.returncode == ec.INVALID_SETTINGS, p.stderr
    assert b"Traceback" not in p.stderr


@pytest.mark.parametrize("record", [
    "{", json.dumps([1, 2]), json.dumps({**LAST_CHECK, "stages": "x"}),
    json.dumps({**LAST_CHECK, "result": {**LAST_CHECK["result"], "certificate": {"x": 1}}}),
    json.dumps({**LAST_CHECK, "diagnosis": {"code": 5}}), "9" * 5000,
])
def test_report_survives_a_damaged_last_check_record(tmp_path, record):
    cfg = tmp_path / "mail-settings.json"
    cfg.write_text(json.dumps(SETTINGS))
    (tmp_path / "mail-settings.last-check.json").write_text(record)
    p = mw("report", "--config", str(cfg))
    assert p.returncode == ec.OK, p.stderr
    assert b"cannot be read" in p.stdout


@pytest.mark.parametrize("name", ["", "x" * 65, "a/b", "a b", "defa\x00ult", "ü"])
def test_a_bad_profile_name_is_refused_before_anything_is_written(tmp_path, name):
    cfg = tmp_path / "mail-settings.json"
    p = mw("save", "--host", "127.0.0.1", "--port", "9", "--username", USER, "--from", USER,
           "--password-stdin", "--config", str(cfg), "--profile-name", name,
           stdin=PASSWORD.encode() + b"\n") if "\x00" not in name else None
    if p is None:  # a NUL cannot be passed in argv at all
        return
    assert p.returncode == ec.INVALID_SETTINGS and b"--profile-name" in p.stderr
    assert not cfg.exists()


@pytest.mark.parametrize("args, stdin, words", [
    ([], b"p\xe4ss\xff\n", b"not UTF-8"),
    (["--display-name", b"Acc\xff".decode("utf-8", "surrogateescape")], b"pw\n", b"--display-name"),
    (["--username", b"\xe9".decode("utf-8", "surrogateescape")], b"pw\n", b"--username"),
    (["--display-name", "Acc\x0cunts"], b"pw\n", b"--display-name"),
])
def test_non_utf8_input_is_a_plain_message(args, stdin, words):
    base = ["validate", "--host", "127.0.0.1", "--port", "9", "--security", "starttls",
            "--from", USER, "--password-stdin"]
    if "--username" not in args:
        base += ["--username", USER]
    argv = [os.fsencode(a) for a in base + args]
    p = mailwizard(argv, stdin=stdin, text=False)
    assert p.returncode == ec.INVALID_SETTINGS, p.stderr
    assert words in p.stderr and b"Traceback" not in p.stderr


def test_a_latin1_password_works_where_the_locale_is_latin1(smtp_server, ca_file):
    srv = smtp_server("starttls")
    srv.recorder.users[USER] = "pässword"
    p = mailwizard("validate", "--host", "127.0.0.1", "--port", str(srv.port), "--security",
                   "starttls", "--username", USER, "--from", USER, "--cafile", ca_file,
                   "--password-stdin", stdin="pässword\n".encode("latin-1"), text=False,
                   env={"PYTHONUTF8": "0", "LC_ALL": "C", "LANG": "C",
                        "PYTHONIOENCODING": "latin-1"})
    # Under a C locale the bytes are not UTF-8 and there is no other encoding to try: a plain
    # refusal. (With a Latin-1 locale installed, the same bytes are read as Latin-1.)
    assert p.returncode in (ec.OK, ec.INVALID_SETTINGS), p.stderr
    assert b"Traceback" not in p.stderr


@pytest.mark.parametrize("offered", [True, False])
def test_an_internationalised_from_gets_its_test_message(smtp_server, ca_file, offered):
    srv = smtp_server("starttls", smtputf8=offered)
    sender = "büro@society.example.org"
    srv.recorder.users[USER] = PASSWORD
    p = Profile(host="127.0.0.1", port=srv.port, security=Security.STARTTLS, username=USER,
                from_address=sender, display_name="Büro", cafile=ca_file)
    result = SmtpCheck(p, PASSWORD, send_test_to="kasse@society.example.org").run()
    if offered:
        assert result.ok, result.failure
        got = srv.recorder.messages[-1]
        assert got.mail_from == sender and "From: Büro <büro@society.example.org>\r\n".encode() \
            in got.data
    else:
        from mailwizard.core.diagnosis.smtp import diagnose

        assert result.failure.kind == "smtputf8" and result.failure.stage == "mail_from"
        assert "letters" in diagnose(result.failure, p).cause
