"""The DNS plumbing of discovery and deliverability, against a real dnsmasq on loopback."""

from __future__ import annotations

import time

import pytest
from dns_server import DnsServer, Zone

from mailwizard.core.discovery.dns import Dns, DnsUnavailable, Mx, Srv, parse_server


@pytest.fixture(scope="module")
def dns_server():
    zone = Zone(
        a={"mail.society.example": "127.0.0.21"},
        mx=[("society.example", "aspmx.l.google.com", 1), ("society.example", "alt1.aspmx.l.google.com", 5)],
        srv=[("_submissions._tcp.society.example", "mail.society.example", 465, 0, 1)],
        txt=[("society.example", "v=spf1 include:_spf.google.com ~all"),
             ("long.example", "v=spf1 " + "ip4:192.0.2.1 " * 30 + "-all")],
        cname={"autoconfig.society.example": "mail.society.example"},
    )
    server = DnsServer(zone)
    yield server
    server.stop()


def test_records_come_back_as_plain_values(dns_server):
    d = Dns(dns_server.spec)
    assert d.mx("society.example") == [Mx(1, "aspmx.l.google.com"), Mx(5, "alt1.aspmx.l.google.com")]
    assert d.srv("_submissions._tcp.society.example") == [Srv(0, 1, 465, "mail.society.example")]
    assert d.txt("society.example") == ["v=spf1 include:_spf.google.com ~all"]
    assert d.addresses("mail.society.example") == ["127.0.0.21"]
    assert d.cname("autoconfig.society.example") == "mail.society.example"


def test_a_long_txt_record_is_joined_from_its_strings(dns_server):
    (text,) = Dns(dns_server.spec).txt("long.example")
    assert text.startswith("v=spf1 ip4:192.0.2.1") and text.endswith("-all") and len(text) > 255


def test_missing_names_are_empty_not_errors(dns_server):
    d = Dns(dns_server.spec)
    assert d.mx("nothing.example") == []
    assert d.txt("mail.society.example") == []


def test_the_server_comes_from_the_environment(dns_server, monkeypatch):
    monkeypatch.setenv("MAILWIZARD_DNS_SERVER", dns_server.spec)
    assert Dns().mx("society.example")[0].host == "aspmx.l.google.com"


def test_a_silent_server_is_bounded_by_the_timeout():
    import socket
    from dns_server import free_port_on, loopback_address

    addr = loopback_address()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # bound, never answers
        s.bind((addr, free_port_on(addr)))
        with pytest.raises(DnsUnavailable):
            Dns(f"{addr}:{s.getsockname()[1]}", timeout=0.5).mx("society.example")


def test_the_timeout_is_ours_not_the_librarys():
    """A condition, not a duration: a server that answers after 1 s is heard by a client with
    5 s of patience (the library's default) and given up on with our 0.5 s."""
    from dns_behaviours import ScriptedDns

    with ScriptedDns({"society.example": [("MX", "10 mx.society.example.")]},
                     udp_delay=1.0) as slow:
        with pytest.raises(DnsUnavailable, match="did not answer in time"):
            Dns(slow.spec, timeout=0.5).mx("society.example")
        assert Dns(slow.spec, timeout=5.0).mx("society.example")[0].host == \
            "mx.society.example"


def test_the_deadline_caps_each_query():
    d = Dns("127.0.0.1:9", timeout=5, deadline=time.monotonic() - 1)
    with pytest.raises(DnsUnavailable, match="no time left"):
        d.mx("society.example")


@pytest.mark.parametrize("spec, expected", [
    ("127.0.0.53", ("127.0.0.53", 53)), ("127.0.0.53:5353", ("127.0.0.53", 5353)),
    ("::1", ("::1", 53)), ("[::1]:5353", ("::1", 5353)),
])
def test_server_specs(spec, expected):
    assert parse_server(spec) == expected


@pytest.mark.parametrize("spec", ["dns.example", "127.0.0.1:0", "127.0.0.1:x", "[::1", "[::1]5353"])
def test_bad_server_specs_are_named(spec):
    with pytest.raises(ValueError):
        parse_server(spec)
