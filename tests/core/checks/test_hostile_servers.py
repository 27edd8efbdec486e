"""Servers that misbehave on purpose: whatever they do, a check ends by its own timeout while
the server is still misbehaving (each keeps it up for far longer than the check's time), with
a plain diagnosis, and nothing they send reaches the terminal raw. How long a check takes
against them is for benchmarks, not asserted here."""

from __future__ import annotations

import socket
import ssl
import threading
import time

import pytest
from conftest import PASSWORD, USER
from servers import RawServer
from support.cli import mailwizard

from mailwizard.core.diagnosis.smtp import diagnose
from mailwizard.core.profile import Profile, Security
from mailwizard.core.checks.smtp import SmtpCheck

TIMEOUT = 3.0


def trickle(data: bytes, every: float = 0.5, started: threading.Event | None = None):
    """Send `data` one byte every `every` seconds; `started` is set once the first is sent."""
    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        for b in data:
            if stop.wait(every):
                return
            conn.sendall(bytes([b]))
            if started is not None:
                started.set()
        stop.wait(30)
    return behaviour


def endless_ehlo(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"220 mail.example ESMTP\r\n")
    conn.recv(1024)  # EHLO
    while not stop.is_set():
        conn.sendall(b"250-PIPELINING\r\n" * 50)
        time.sleep(0.01)


def slow_endless_ehlo(conn: socket.socket, stop: threading.Event) -> None:
    """Under the line cap and the line count for a while: each line comes slowly."""
    conn.sendall(b"220 mail.example ESMTP\r\n")
    conn.recv(1024)
    while not stop.wait(0.2):
        conn.sendall(b"250-X\r\n")


def huge_line(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"220 " + b"A" * 1_000_000)
    stop.wait(30)


def binary_greeting(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(bytes(range(256)) * 4 + b"\r\n")
    stop.wait(30)


ESCAPES = b"220 \x1b]0;pwned\x07\x1b[2J\x1b[31mHELLO\x9b31m\r\n"


def escape_greeting(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(ESCAPES)
    conn.recv(1024)
    conn.sendall(b"554 \x1b[5mgo away\x1b[0m\r\n")
    stop.wait(30)


def silent_tls(conn: socket.socket, stop: threading.Event) -> None:
    """Implicit TLS port that accepts and never answers the ClientHello."""
    stop.wait(30)


def starttls_then_silent(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"220 mail.example ESMTP\r\n")
    conn.recv(1024)
    conn.sendall(b"250-mail.example\r\n250 STARTTLS\r\n")
    conn.recv(1024)
    conn.sendall(b"220 go ahead\r\n")
    stop.wait(30)  # the TLS handshake never gets an answer


def starttls_injection(conn: socket.socket, stop: threading.Event) -> None:
    """A 220 to STARTTLS followed, in the clear, by a forged reply (CVE-2011-0411 class)."""
    conn.sendall(b"220 mail.example ESMTP\r\n")
    conn.recv(1024)
    conn.sendall(b"250-mail.example\r\n250 STARTTLS\r\n")
    conn.recv(1024)
    conn.sendall(b"220 go ahead\r\n250-forged\r\n250 AUTH PLAIN\r\n")
    stop.wait(30)


def profile(port: int, security: Security = Security.STARTTLS, **kw) -> Profile:
    return Profile(host="127.0.0.1", port=port, security=security, username=USER,
                   from_address=USER, timeout=TIMEOUT, **kw)


def check_against(srv: RawServer, p: Profile, **kw):
    """Run the check; it must end while `srv` is still misbehaving (no connection's behaviour
    ran to its end), i.e. by the check's own timeout, not because the server gave up."""
    result = SmtpCheck(p, PASSWORD, **kw).run()
    assert srv.finished == 0, "the check ended only when the server gave up"
    return result


@pytest.mark.parametrize("behaviour, security, stage", [
    (trickle(b"220 mail.example.org ESMTP Postfix\r\n"), Security.STARTTLS, "greeting"),
    (endless_ehlo, Security.STARTTLS, "ehlo"),
    (slow_endless_ehlo, Security.STARTTLS, "ehlo"),
    (huge_line, Security.STARTTLS, "greeting"),
    (binary_greeting, Security.STARTTLS, "greeting"),
    (silent_tls, Security.TLS, "tls"),
    (starttls_then_silent, Security.STARTTLS, "starttls"),
], ids=["trickling-greeting", "endless-ehlo", "slow-endless-ehlo", "huge-line", "binary",
        "silent-tls-handshake", "silent-starttls-handshake"])
def test_a_hostile_server_is_bounded_by_the_checks_timeout(behaviour, security, stage):
    srv = RawServer(behaviour)
    try:
        result = check_against(srv, profile(srv.port, security))
    finally:
        srv.stop()
    assert not result.ok and result.failure.stage == stage, result.failure
    assert result.auth_attempts == 0
    d = diagnose(result.failure, result.profile)
    assert d.cause and d.fix and d.code != "unexpected", d


def test_a_silent_server_on_a_starttls_port_ends_in_time_with_the_tls_probe():
    def silent(conn, stop):
        stop.wait(30)

    srv = RawServer(silent)
    try:
        result = check_against(srv, profile(srv.port), greeting_wait=2.0)
    finally:
        srv.stop()
    assert result.failure.kind == "greeting_timeout"
    assert srv.connections == 2  # the main connection and the probe


def test_a_starttls_injection_is_never_read_as_an_encrypted_reply(server_ctx):
    srv = RawServer(starttls_injection)
    try:
        result = check_against(srv, profile(srv.port))
    finally:
        srv.stop()
    assert not result.ok and result.auth_attempts == 0
    assert not any("forged" in line for line in result.transcript[result.transcript.index(
        "S: 220 go ahead"):] if line.startswith("S: 250")), result.transcript


def test_cancel_still_ends_the_check_during_a_trickle():
    """The condition, not a duration: the cancel ends the check while the server is still
    trickling its 20 s greeting (the check has 30 s). Its speed: benchmarks/bench_cancel.py."""
    started, done = threading.Event(), threading.Event()
    srv = RawServer(trickle(b"220 " + b"x" * 100 + b"\r\n", every=0.2, started=started))
    check = SmtpCheck(profile(srv.port).with_changes(timeout=30), PASSWORD)
    try:
        t = threading.Thread(target=lambda: (check.run(), done.set()))
        t.start()
        assert started.wait(10), "the server never started its greeting"
        check.cancel()
        assert done.wait(10), "the cancel did not end the check while the server trickled"
        t.join()
    finally:
        srv.stop()
    assert check.result.failure.kind == "cancelled"


def test_escape_sequences_from_a_server_never_reach_the_terminal_raw():
    srv = RawServer(escape_greeting)
    try:
        args = ["validate", "--host", "127.0.0.1", "--port", str(srv.port), "--security",
                "starttls", "--username", USER, "--from", USER, "--password-stdin",
                "--timeout", "5"]
        p = mailwizard(args, stdin=(PASSWORD + "\n").encode(), text=False, timeout=30)
        pj = mailwizard([*args, "--json"], stdin=(PASSWORD + "\n").encode(), text=False,
                        timeout=30)
    finally:
        srv.stop()
    for out in (p.stdout, p.stderr, pj.stdout, pj.stderr):
        assert b"\x1b" not in out and b"\x07" not in out and "\x9b".encode() not in out, out
    assert b"\\u001b]0;pwned" in p.stdout + p.stderr
    import json

    report = json.loads(pj.stdout)  # still JSON, with the escape shown, not obeyed
    assert "\\u001b]0;pwned" in json.dumps(report)
