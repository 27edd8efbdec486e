"""DNS as it behaves in the field (tests/dns_behaviours.py): a server failing (SERVFAIL), an
answer too long for UDP fetched again over TCP, an MX host behind a CNAME chain, a host whose
first address is dead, a host reachable only over IPv6. Each met by discovery's resolver and,
where a check dials the name, by the SMTP check."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, USER
from dns_behaviours import DeadAddress, ScriptedDns
from smtp_behaviours import BehavingSmtpServer, Behaviour, trusted

from mailwizard.core.checks.smtp import SmtpCheck
from mailwizard.core.discovery.dns import Dns, DnsUnavailable, resolver_for_checks
from mailwizard.core.profile import Profile

#: An SPF record of 3 character-strings (each under 255), over 600 bytes: too long for a
#: plain 512-byte UDP answer.
LONG_SPF = ["v=spf1 " + " ".join(f"ip4:192.0.2.{i}" for i in range(1, 16)) + " ",
            " ".join(f"ip4:198.51.100.{i}" for i in range(1, 14)) + " ",
            " ".join(f"include:_spf{i}.mail.example" for i in range(1, 9)) + " ~all"]


@pytest.fixture
def scripted():
    started: list[ScriptedDns] = []

    def start(records, **kw) -> ScriptedDns:
        srv = ScriptedDns(records, **kw)
        started.append(srv)
        return srv

    yield start
    for s in started:
        s.stop()


def test_a_failing_dns_server_is_named_not_taken_for_no_records(scripted):
    dns = scripted({"ok.example": [("MX", "10 mx.ok.example.")]},
                   servfail={"broken.example"})
    assert Dns(dns.spec).mx("ok.example")[0].host == "mx.ok.example"
    with pytest.raises(DnsUnavailable, match="broken.example") as info:
        Dns(dns.spec).mx("broken.example")
    assert "gave no usable answer" in str(info.value)


def test_a_truncated_answer_is_fetched_again_over_tcp(scripted):
    assert all(len(part) < 255 for part in LONG_SPF) and len("".join(LONG_SPF)) > 600
    text = " ".join(f'"{part}"' for part in LONG_SPF)
    dns = scripted({"big.example": [("TXT", text)]}, truncate={"big.example"})
    assert Dns(dns.spec).txt("big.example") == ["".join(LONG_SPF)]
    assert [p for p, name, _ in dns.queries if name == "big.example"] == ["udp", "tcp"]


def test_an_mx_host_behind_a_cname_chain_resolves_to_its_address(scripted):
    dns = scripted({"society.example": [("MX", "10 mx.society.example.")],
                    "mx.society.example": [("CNAME", "relay.hoster.example.")],
                    "relay.hoster.example": [("CNAME", "node7.hoster.example.")],
                    "node7.hoster.example": [("A", "127.0.0.7")]})
    d = Dns(dns.spec)
    assert d.mx("society.example")[0].host == "mx.society.example"
    assert d.addresses("mx.society.example") == ["127.0.0.7"]
    assert d.cname("mx.society.example") == "relay.hoster.example"


def test_a_dead_first_address_leaves_time_for_the_next_one(scripted, ca, ca_file):
    """Two A records, the first dropping every connection attempt: the check must still reach
    the second within its time, and say in the transcript what happened."""
    from dns_server import loopback_address

    alive_ip, dead_ip = loopback_address(), loopback_address()
    srv = BehavingSmtpServer(Behaviour(users={USER: PASSWORD}),
                             trusted(ca, "mail.society.example"), host=alive_ip)
    dead = DeadAddress(dead_ip, srv.port)
    try:
        dns = scripted({"mail.society.example": [("A", dead_ip), ("A", alive_ip)]})
        profile = Profile(host="mail.society.example", port=srv.port, security="starttls",
                          username=USER, from_address=USER, cafile=ca_file, timeout=6)
        result = SmtpCheck(profile, PASSWORD, resolve=resolver_for_checks(dns.spec)).run()
    finally:
        dead.close()
        srv.stop()
    assert result.ok, (result.failure, result.transcript)
    assert result.peer == f"{alive_ip}:{srv.port}"
    assert any(dead_ip in line and "next address" in line for line in result.transcript), \
        result.transcript


def test_a_host_with_only_an_ipv6_address_is_checked_over_ipv6(scripted, ca, ca_file):
    srv = BehavingSmtpServer(Behaviour(users={USER: PASSWORD}),
                             trusted(ca, "v6.society.example"), host="::1")
    try:
        dns = scripted({"v6.society.example": [("AAAA", "::1")]})
        profile = Profile(host="v6.society.example", port=srv.port, security="starttls",
                          username=USER, from_address=USER, cafile=ca_file, timeout=6)
        result = SmtpCheck(profile, PASSWORD, send_test_to=USER,
                           resolve=resolver_for_checks(dns.spec)).run()
    finally:
        srv.stop()
    assert result.ok, (result.failure, result.transcript)
    assert result.peer == f"::1:{srv.port}" and len(srv.seen.messages) == 1


def test_discovery_probes_past_a_dead_first_address(scripted, ca, ca_file):
    """The probe tries the host's second address when the first drops connection attempts,
    and finds the server there within the run's time."""
    import time

    from dns_server import loopback_address

    from mailwizard.core.discovery.net import Switch, tls_context
    from mailwizard.core.discovery.probe import probe
    from mailwizard.core.profile import Security

    alive_ip, dead_ip = loopback_address(), loopback_address()
    srv = BehavingSmtpServer(Behaviour(), trusted(ca, "mail.society.example"), host=alive_ip)
    dead = DeadAddress(dead_ip, srv.port)
    try:
        dns = scripted({"mail.society.example": [("A", dead_ip), ("A", alive_ip)]})
        result = probe("mail.society.example", srv.port, Security.STARTTLS,
                       dns=Dns(dns.spec), switch=Switch(time.monotonic() + 8),
                       ctx=tls_context(ca_file), timeout=3.0)
    finally:
        dead.close()
        srv.stop()
    assert result.ok and result.cert_verified, result
    assert result.address == alive_ip and srv.seen.auth_attempts == 0
