"""Autodiscover against the loopback endpoint: found, followed, bounded, and never a password
to a host outside the email's domain without the user's yes."""

from __future__ import annotations

import pytest

from mailwizard.core.discovery.ews_autodiscover import Autodiscover, AutodiscoverFailed, candidate_urls

PASSWORD = "s3cret"
EMAIL = "it@localhost"  # the loopback server's certificate is for localhost and 127.0.0.1


def find(srv, ca_file, **kw):
    kw.setdefault("candidates", [srv.base + "/autodiscover/autodiscover.xml"])
    return Autodiscover(EMAIL, EMAIL, kw.pop("password", PASSWORD), "basic", cafile=ca_file,
                        timeout=kw.pop("timeout", 10), **kw).run()


def test_candidates_are_the_domain_and_its_autodiscover_host():
    assert candidate_urls("it@example.org") == [
        "https://example.org/autodiscover/autodiscover.xml",
        "https://autodiscover.example.org/autodiscover/autodiscover.xml"]


def test_finds_the_ews_address_asking_first_without_a_password(ews_server, ca_file):
    srv = ews_server(users={EMAIL: PASSWORD})
    srv.state.autodiscover = {"ews_url": srv.url}
    result = find(srv, ca_file)
    assert result.ews_url == srv.url
    assert [had for _, had in srv.state.autodiscover_requests] == [False, True]


def test_a_missing_service_moves_to_the_next_candidate(ews_server, ca_file):
    empty = ews_server(users={EMAIL: PASSWORD})  # 404 for Autodiscover
    srv = ews_server(users={EMAIL: PASSWORD})
    srv.state.autodiscover = {"ews_url": srv.url}
    result = find(srv, ca_file, candidates=[empty.base + "/autodiscover/autodiscover.xml",
                                            srv.base + "/autodiscover/autodiscover.xml"])
    assert result.ews_url == srv.url
    assert empty.state.autodiscover_requests == [("/autodiscover/autodiscover.xml", False)]


def test_wrong_password_is_one_attempt_and_stops(ews_server, ca_file):
    srv = ews_server(users={EMAIL: PASSWORD})
    srv.state.autodiscover = {"ews_url": srv.url}
    other = ews_server(users={EMAIL: PASSWORD})
    other.state.autodiscover = {"ews_url": other.url}
    with pytest.raises(AutodiscoverFailed) as err:
        find(srv, ca_file, password="wrong",
             candidates=[srv.base + "/autodiscover/autodiscover.xml",
                         other.base + "/autodiscover/autodiscover.xml"])
    assert err.value.kind == "login_refused"
    assert srv.state.logins == [(EMAIL, False)] and other.state.autodiscover_requests == []


def test_redirect_to_another_domain_needs_the_users_yes(ews_server, ca_file):
    target = ews_server(users={EMAIL: PASSWORD})
    target.state.autodiscover = {"ews_url": target.url}
    # the same server, reached as 127.0.0.1: a host outside the domain "localhost"
    elsewhere = target.base.replace("localhost", "127.0.0.1") + "/autodiscover/autodiscover.xml"
    srv = ews_server(users={EMAIL: PASSWORD})
    srv.state.autodiscover = {"redirect_url": elsewhere}

    with pytest.raises(AutodiscoverFailed) as err:
        find(srv, ca_file)
    assert err.value.kind == "needs_confirmation" and err.value.host == "127.0.0.1"
    assert [had for _, had in target.state.autodiscover_requests] == [False]  # no password

    result = find(srv, ca_file, allowed_hosts={"127.0.0.1"})
    assert result.ews_url == target.url
    assert [had for _, had in target.state.autodiscover_requests][-2:] == [False, True]


def test_redirect_loops_are_bounded(ews_server, ca_file):
    srv = ews_server(users={EMAIL: PASSWORD})
    srv.state.autodiscover = {"redirect_url": srv.base + "/autodiscover/autodiscover.xml"}
    with pytest.raises(AutodiscoverFailed) as err:
        find(srv, ca_file, max_hops=3)
    assert err.value.kind == "too_many_hops"
    assert len(srv.state.autodiscover_requests) == 8  # 4 addresses asked, twice each


def test_untrusted_certificate_stops_before_any_password(ews_server, untrusted_ctx, ca_file):
    srv = ews_server(ctx=untrusted_ctx, users={EMAIL: PASSWORD})
    srv.state.autodiscover = {"ews_url": srv.url}
    with pytest.raises(AutodiscoverFailed) as err:
        find(srv, ca_file)
    assert err.value.kind == "tls" and srv.state.autodiscover_requests == []


def test_nothing_answers(ca_file):
    from servers import closed_port

    with pytest.raises(AutodiscoverFailed) as err:
        Autodiscover(EMAIL, EMAIL, PASSWORD, "basic", cafile=ca_file, timeout=5, candidates=[
            f"https://localhost:{closed_port()}/autodiscover/autodiscover.xml"]).run()
    assert err.value.kind == "not_found"


def test_a_silent_server_is_bounded_in_time(raw_server, ca_file):
    from servers import silent

    srv = raw_server(silent)  # holds each connection silent for 30 s
    with pytest.raises(AutodiscoverFailed) as err:
        Autodiscover(EMAIL, EMAIL, PASSWORD, "basic", cafile=ca_file, timeout=1, candidates=[
            f"https://localhost:{srv.port}/autodiscover/autodiscover.xml"]).run()
    # the 1 s bound, not a library default: it gave up while the server still held on
    assert srv.connections >= 1 and srv.finished == 0
    assert err.value.kind in ("timeout", "not_found")
