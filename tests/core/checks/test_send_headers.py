"""`send` and the test message never let a header add another header: encoded line breaks are
refused with the header named, recipients come from parsed addresses only, and what reaches a
real SMTP server carries exactly the headers the ERP wrote (plus From/Date/Message-ID)."""

from __future__ import annotations

import json
import uuid

import pytest
from conftest import PASSWORD, USER
from support.cli import mailwizard

from mailwizard.core import exitcodes as ec
from mailwizard.core.checks.outgoing import MessageError, prepare
from mailwizard.core.profile import Profile
from mailwizard.core.checks.smtp import build_test_message, message_bytes

PROFILE = Profile(host="smtp.example.org", port=587, username="a@example.org",
                  from_address="a@example.org")
LONG = b"Invoice 2026-11 for flat B-204, Crystal Heights Co-operative Housing Society " * 2

INJECTIONS = {
    "subject": b"To: b@example.org\r\nSubject: " + LONG + b"=?utf-8?q?x=0D=0AX-Injected:_1?=\r\n",
    "subject-lf": b"To: b@example.org\r\nSubject: =?utf-8?b?eAp4LUluamVjdGVkOiAx?=\r\n",
    "subject-bcc": b"To: b@example.org\r\nSubject: " + LONG + b"=?utf-8?q?=0ABcc:_spy@evil.example?=\r\n",
    "to": b"To: =?utf-8?q?a=0D=0ABcc:_spy@evil.example?= <b@example.org>\r\n",
    "cc": b"To: b@example.org\r\nCc: =?utf-8?q?x=0AX-Injected:_1?= <c@example.org>\r\n",
    "from": b"To: b@example.org\r\nFrom: =?utf-8?q?Acc=0D=0AX-Injected:_1?= <a@example.org>\r\n",
    "reply-to": b"To: b@example.org\r\nReply-To: =?utf-8?q?x=0D=0A?= <r@example.org>\r\n",
    "nul": b"To: b@example.org\r\nSubject: =?utf-8?q?a=00b?=\r\n",
    "escape": b"To: b@example.org\r\nSubject: =?utf-8?q?=1B]0;owned=07?=\r\n",
    "u2028": b"To: b@example.org\r\nSubject: =?utf-8?b?YeKAqFgtSW5qZWN0ZWQ6IDE=?=\r\n",
}


@pytest.mark.parametrize("case", sorted(INJECTIONS))
def test_an_encoded_line_break_or_control_character_is_refused_naming_the_header(case):
    with pytest.raises(MessageError) as err:
        prepare(INJECTIONS[case] + b"\r\nBody\r\n", PROFILE)
    header = {"subject-lf": "Subject", "subject-bcc": "Subject", "nul": "Subject",
              "escape": "Subject", "u2028": "Subject"}.get(case, case.capitalize())
    if case == "reply-to":
        header = "Reply-To"
    assert header in str(err.value)
    assert "\r" not in str(err.value) and "\n" not in str(err.value)
    assert "\x1b" not in str(err.value)


@pytest.mark.parametrize("raw, why", [
    (b"To: <b@exa mple.org>\r\n\r\nx", "cannot be read"),
    (b"To: b@example.org>\r\n\r\nx", "cannot be read"),
    (b"To: member\r\n\r\nx", "cannot be read"),
    (b"To: b@example.org\r\nX Bad Name: 1\r\n\r\nx", ""),
    (b"To: b@example.org\r\nSubject: \xff\xfe\r\n\r\nx", "UTF-8"),
])
def test_addresses_and_headers_that_cannot_be_read_are_refused(raw, why):
    try:
        out = prepare(raw, PROFILE)
    except MessageError as exc:
        assert why in str(exc)
    else:  # the only acceptable outcome besides a refusal: nothing was added
        assert b"X Bad Name" in out.data and out.recipients == ["b@example.org"]


def test_a_long_encoded_subject_without_line_breaks_goes_out_as_written():
    raw = (b"To: Member <b@example.org>, c@example.org\r\nBcc: d@example.org\r\n"
           b"Subject: " + LONG + b"=?utf-8?q?f=C3=BCr_M=C3=A4rz?=\r\n\r\nBody\r\n")
    out = prepare(raw, PROFILE)
    assert out.recipients == ["b@example.org", "c@example.org", "d@example.org"]
    assert b"Subject: " + LONG + b"=?utf-8?q?f=C3=BCr_M=C3=A4rz?=\r\n" in out.data
    assert b"Bcc" not in out.data and b"Bcc: d@example.org" in out.data_with_bcc
    assert out.subject.endswith("für März")


def test_internationalised_addresses_are_read_as_text():
    raw = "To: Müller <müller@exämple.org>\r\nSubject: x\r\n\r\nBody\r\n".encode()
    assert prepare(raw, PROFILE).recipients == ["müller@exämple.org"]


def test_the_test_message_takes_an_internationalised_from():
    p = PROFILE.with_changes(from_address="büro@exämple.org", display_name="Société")
    data = message_bytes(build_test_message(p, "kasse@exämple.org"))
    assert "From: Société <büro@exämple.org>\r\n".encode() in data
    assert "To: kasse@exämple.org\r\n".encode() in data


def test_a_control_character_in_the_display_name_is_a_settings_error():
    p = PROFILE.with_changes(display_name="Acc\x0cunts")
    assert [e.field for e in p.errors()] == ["display_name"]


STATEMENT = b"To: member@example.org\r\nSubject: Statement\r\n\r\nYour statement.\r\n"


def test_send_refuses_an_injection_and_the_server_sees_nothing(smtp_server, ca_file, tmp_path,
                                                               secret_service):
    srv = smtp_server("starttls")
    cfg = tmp_path / "smtp.json"
    name = f"hdr{uuid.uuid4().hex[:6]}"
    p = mailwizard("save", "--host", "127.0.0.1", "--port", str(srv.port), "--security",
                   "starttls", "--username", USER, "--from", USER, "--cafile", ca_file,
                   "--password-stdin", "--config", str(cfg), "--profile-name", name,
                   stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    before = len(srv.recorder.messages)
    for raw in INJECTIONS.values():
        p = mailwizard("send", "--config", str(cfg), "--json", stdin=raw + b"\r\nBody\r\n",
                       text=False)
        assert p.returncode == ec.INVALID_SETTINGS, p.stdout + p.stderr
        assert b"not sent" in p.stderr or b"header" in p.stderr
    assert len(srv.recorder.messages) == before and srv.recorder.commands_auth == ["PLAIN"]

    long_subject = b"To: member@example.org\r\nSubject: " + LONG + b"\r\n\r\nBody\r\n"
    p = mailwizard("send", "--config", str(cfg), stdin=long_subject, text=False)
    assert p.returncode == ec.OK, p.stdout + p.stderr
    got = srv.recorder.messages[-1]
    assert [k.lower() for k in got.message.keys()] == ["to", "subject", "from", "date",
                                                       "message-id"]
