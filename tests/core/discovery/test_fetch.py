"""Discovery's HTTPS fetch against web servers as varied as real ones (issue 21, issue 27 item
4): Python's own http.server speaking HTTP/1.0 (a connection closed after each answer), a
keep-alive HTTP/1.1 server, a chunked one, a body with neither length nor chunks, a slowly
arriving body, `Connection: close`, a kept-alive connection closed by the server when reused,
every redirect code with absolute and relative targets, and a real nginx from Debian. Each is
found by `discover` for the domain's own autoconfig, its .well-known file and the online
ISPDB. Failures and hostile answers end cleanly, and every step's detail is words, never a
Python exception. Needs root (port 443 on loopback addresses), dnsmasq and nginx, as
scripts/test.sh provides."""

from __future__ import annotations

import os
import re
import threading
import time

import pytest
import trustme
from discovery_world import (World, body, chunked, closing, endless, greet_and_refuse, hang_up,
                             no_starttls, redirect_with, trickle, until_close)
from ispdb_online import ISPDB_URL as SNAPSHOT_ISPDB_URL
from ispdb_online import provider_files
from nginx_server import NginxServer

from mailwizard.core.discovery.candidate import AUTOCONFIG, ISPDB
from mailwizard.core.discovery.run import Discovery, DiscoveryOptions

ISPDB_HOST = "ispdb.test"
ISPDB_URL = f"https://{ISPDB_HOST}/v1.1/"
#: What a Python exception looks like when it leaks into a sentence.
EXCEPTION_LIKE = re.compile(r"\b[A-Z][A-Za-z]+(Error|Exception|Warning):|Traceback|"
                            r"\b(Error|Exception)\(|<[a-z_.]+ object at 0x")


def config(host: str, port: int = 587, socket_type: str = "STARTTLS",
           name: str = "Test provider") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="test">
    <domain>x</domain>
    <displayName>{name}</displayName>
    <outgoingServer type="smtp">
      <hostname>{host}</hostname><port>{port}</port><socketType>{socket_type}</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
<!-- {"padding " * 40} -->""".encode()


@pytest.fixture
def nginx(ca):
    started: list[NginxServer] = []

    def start(w: World, names, files, redirects=None) -> NginxServer:
        srv = NginxServer(ca, names, files, redirects)
        started.append(srv)
        for n in names:
            w.addresses[n] = srv.address
            w.zone.a[n] = srv.address
        return srv

    yield start
    for s in started:
        s.stop()


def discover(email: str, dns: str, ca_file: str, **kw):
    opts = dict(dns_server=dns, cafile=ca_file, ispdb_url=ISPDB_URL, timeout=6.0,
                probe_timeout=1.0, step_timeout=3.0, probe=False)
    opts.update(kw)
    return Discovery(email, DiscoveryOptions(**opts)).run()


def assert_words(r) -> None:
    """Every step's detail and every candidate's reason and evidence read as sentences."""
    texts = [s.detail for s in r.steps] + [c.reason for c in r.candidates] + \
        [e for c in r.candidates for e in c.evidence]
    for t in texts:
        assert not EXCEPTION_LIKE.search(t or ""), f"reads like a Python exception: {t!r}"


def step(r, name):
    return next(s for s in r.steps if s.name == name)


# -- where the file is ----------------------------------------------------------------------
PLACES = {
    # place: (names the server answers for, the file's key, the source that finds it)
    "autoconfig": (lambda d: [f"autoconfig.{d}", d],
                   lambda d: f"autoconfig.{d}/mail/config-v1.1.xml", AUTOCONFIG),
    "well-known": (lambda d: [f"autoconfig.{d}", d],
                   lambda d: f"{d}/.well-known/autoconfig/mail/config-v1.1.xml", AUTOCONFIG),
    "ispdb": (lambda d: [ISPDB_HOST], lambda d: f"{ISPDB_HOST}/v1.1/{d}", ISPDB),
}

SERVERS = {
    # kind: (route for the data, HttpsServer keywords)
    "http-1.0": (body, {"protocol": "HTTP/1.0"}),
    "http-1.0-no-length": (until_close, {"protocol": "HTTP/1.0"}),
    "keep-alive": (body, {}),
    "connection-close": (closing, {}),
    "chunked": (chunked, {}),
    "no-length-no-chunks": (until_close, {}),
    "trickle": (lambda data: trickle(data, piece=50, every=0.01), {}),
    "trickle-chunked": (lambda data: trickle(data, piece=50, every=0.01, chunks=True), {}),
}


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("kind", SERVERS)
def test_found_from_every_kind_of_server(worlds, ca_file, kind, place):
    w = worlds()
    d = f"{kind}-{place}.example"
    names, key, source = PLACES[place]
    route, kw = SERVERS[kind]
    web = w.web(names(d), {key(d): route(config(f"smtp.{d}"))}, **kw)
    r = discover(f"a@{d}", w.start(), ca_file)
    assert_words(r)
    assert r.best is not None, [(s.name, s.status, s.detail) for s in r.steps]
    assert (r.best.source, r.best.host, r.best.port) == (source, f"smtp.{d}", 587)
    host, _, path = key(d).partition("/")
    assert any(q.startswith(f"{host} /{path}") for q in web.requests), web.requests


@pytest.mark.parametrize("place", PLACES)
def test_found_from_python_http_server_as_it_comes(worlds, ca_file, place):
    """`python -m http.server` (SimpleHTTPRequestHandler: HTTP/1.0, closes after each
    answer), the server the old fetch failed with."""
    w = worlds()
    d = f"simple-{place}.example"
    names, key, source = PLACES[place]
    w.static_web(names(d), {key(d).partition("/")[2]: config(f"smtp.{d}")})
    r = discover(f"a@{d}", w.start(), ca_file)
    assert_words(r)
    assert r.best is not None, [(s.name, s.status, s.detail) for s in r.steps]
    assert (r.best.source, r.best.host) == (source, f"smtp.{d}")


@pytest.mark.parametrize("place", PLACES)
def test_found_from_a_real_nginx(worlds, nginx, ca_file, place):
    w = worlds()
    d = f"nginx-{place}.example"
    names, key, source = PLACES[place]
    srv = nginx(w, names(d), {key(d): config(f"smtp.{d}")})
    r = discover(f"a@{d}", w.start(), ca_file)
    assert_words(r)
    assert r.best is not None, [(s.name, s.status, s.detail) for s in r.steps]
    assert (r.best.source, r.best.host) == (source, f"smtp.{d}")
    assert any(line.endswith("HTTP/1.1") for line in srv.requests)


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_real_nginx_redirect_is_followed(worlds, nginx, ca_file, code):
    w = worlds()
    d = f"nginx-moved-{code}.example"
    nginx(w, [ISPDB_HOST], {f"{ISPDB_HOST}/v1.1/new/{d}": config(f"smtp.{d}")},
          {f"{ISPDB_HOST}/v1.1/{d}": (code, f"/v1.1/new/{d}")})
    r = discover(f"a@{d}", w.start(), ca_file)
    assert_words(r)
    assert r.best is not None and r.best.host == f"smtp.{d}", [s.to_dict() for s in r.steps]


# -- redirects ------------------------------------------------------------------------------
LOCATIONS = {
    "absolute": lambda d: f"https://{ISPDB_HOST}/v1.1/moved/{d}",
    "host-relative": lambda d: f"/v1.1/moved/{d}",
    "path-relative": lambda d: f"moved/{d}",
}


@pytest.mark.parametrize("where", LOCATIONS)
@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("protocol", ["HTTP/1.1", "HTTP/1.0"])
def test_every_redirect_code_with_absolute_and_relative_targets(worlds, ca_file, code, where,
                                                                protocol):
    w = worlds()
    d = f"moved-{code}-{where}.example"
    web = w.web([ISPDB_HOST], {
        f"{ISPDB_HOST}/v1.1/{d}": redirect_with(code, LOCATIONS[where](d)),
        f"{ISPDB_HOST}/v1.1/moved/{d}": body(config(f"smtp.{d}"))}, protocol=protocol)
    r = discover(f"a@{d}", w.start(), ca_file)
    assert_words(r)
    assert r.best is not None and r.best.host == f"smtp.{d}", [s.to_dict() for s in r.steps]
    assert f"{ISPDB_HOST} /v1.1/moved/{d}" in web.requests


@pytest.mark.parametrize("protocol", ["HTTP/1.1", "HTTP/1.0"])
def test_a_redirect_to_another_server_is_followed_with_its_own_certificate(worlds, ca_file,
                                                                          protocol):
    w = worlds()
    d = "elsewhere.example"
    first = w.web([ISPDB_HOST], {
        f"{ISPDB_HOST}/v1.1/{d}": redirect_with(307, f"https://files.ispdb-mirror.test/{d}")})
    mirror = w.web(["files.ispdb-mirror.test"], {
        f"files.ispdb-mirror.test/{d}": body(config(f"smtp.{d}"))}, protocol=protocol)
    r = discover(f"a@{d}", w.start(), ca_file)
    assert_words(r)
    assert r.best is not None and r.best.host == f"smtp.{d}", [s.to_dict() for s in r.steps]
    assert first.connections == 1 and mirror.requests == [f"files.ispdb-mirror.test /{d}"]


def test_redirects_are_bounded(worlds, ca_file):
    w = worlds()
    d = "far.example"
    routes = {f"{ISPDB_HOST}/v1.1/{d}": redirect_with(301, "/hop/1")}
    routes.update({f"{ISPDB_HOST}/hop/{i}": redirect_with(302, f"/hop/{i + 1}")
                   for i in range(1, 10)})
    web = w.web([ISPDB_HOST], routes, protocol="HTTP/1.0")
    r = discover(f"a@{d}", w.start(), ca_file)
    assert_words(r)
    assert r.candidates == []
    assert "more than 3 redirects" in step(r, "ispdb").detail
    assert len(web.requests) == 4  # the address and three redirects, no more


def test_a_kept_alive_connection_carries_the_redirected_request(worlds, ca_file):
    w = worlds()
    d = "kept.example"
    web = w.web([ISPDB_HOST], {
        f"{ISPDB_HOST}/v1.1/{d}": redirect_with(301, f"/v1.1/moved/{d}"),
        f"{ISPDB_HOST}/v1.1/moved/{d}": body(config(f"smtp.{d}"))})
    r = discover(f"a@{d}", w.start(), ca_file)
    assert r.best is not None and r.best.host == f"smtp.{d}"
    assert web.connections == 1  # the second request went over the first connection


@pytest.mark.parametrize("reuse", ["close", "drop"])
def test_a_kept_alive_connection_closed_by_the_server_when_reused(worlds, ca_file, reuse):
    """The first answer keeps the connection (HTTP/1.1, a length, no `Connection: close`);
    then the server closes it, before ("close") or after ("drop") the next request arrives.
    The fetch asks again on a new connection, as browsers do."""
    w = worlds()
    d = f"reuse-{reuse}.example"
    web = w.web([ISPDB_HOST], {
        f"{ISPDB_HOST}/v1.1/{d}": redirect_with(302, f"/v1.1/moved/{d}"),
        f"{ISPDB_HOST}/v1.1/moved/{d}": body(config(f"smtp.{d}"))}, reuse=reuse)
    r = discover(f"a@{d}", w.start(), ca_file)
    assert_words(r)
    assert r.best is not None and r.best.host == f"smtp.{d}", [s.to_dict() for s in r.steps]
    assert web.connections == 2
    assert web.requests[-1] == f"{ISPDB_HOST} /v1.1/moved/{d}"


# -- failures end cleanly, in words ---------------------------------------------------------
def truncated(h):
    """A Content-Length the server never delivers: it closes half-way."""
    data = config("smtp.truncated.example")
    h.send_response(200)
    h.send_header("Content-Length", str(len(data) * 2))
    h.end_headers()
    h.wfile.write(data)
    h.close_connection = True


def no_answer(h):
    """The request read, the connection closed without a status line."""
    h.close_connection = True


def not_http(h):
    h.wfile.write(b"SSH-2.0-OpenSSH_9.2\r\n")
    h.close_connection = True


def bad_chunks(h):
    h.send_response(200)
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    h.wfile.write(b"zz\r\nnot a chunk size\r\n")
    h.close_connection = True


def endless_chunks(h):
    h.send_response(200)
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    piece = b"<a>" + b"x" * 8000 + b"</a>"
    try:
        for _ in range(2000):
            h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
    except OSError:
        pass
    h.close_connection = True


def big_length(h):
    h.send_response(200)
    h.send_header("Content-Length", "50000000")
    h.end_headers()
    h.close_connection = True


HOSTILE = {
    "truncated": (truncated, {}, "before the whole answer arrived"),
    "truncated-http-1.0": (truncated, {"protocol": "HTTP/1.0"},
                           "before the whole answer arrived"),
    "no-answer": (no_answer, {}, "closed the connection before answering"),
    "no-answer-http-1.0": (no_answer, {"protocol": "HTTP/1.0"},
                           "closed the connection before answering"),
    "not-http": (not_http, {}, "not HTTP"),
    "bad-chunks": (bad_chunks, {}, "before the whole answer arrived"),
    "endless-chunks": (endless_chunks, {}, "larger than"),
    "endless-http-1.0": (endless(), {"protocol": "HTTP/1.0"}, "larger than"),
    "huge-length": (big_length, {}, "too large"),
    "http-redirect": (redirect_with(301, "http://ispdb.test/v1.1/x"), {}, "not an HTTPS"),
    "redirect-loop": (redirect_with(308, "/v1.1/loop.example"), {"protocol": "HTTP/1.0"},
                      "redirect loop"),
    "redirect-without-target": (redirect_with(302, ""), {}, "redirect without a target"),
    "not-found": (body(b"nope", 404, "text/plain"), {"protocol": "HTTP/1.0"}, "HTTP 404"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_answers_end_cleanly_in_words(worlds, ca_file, case):
    route, kw, words = HOSTILE[case]
    w = worlds()
    d = "loop.example" if case == "redirect-loop" else f"hostile-{case}.example"
    w.web([ISPDB_HOST], {f"{ISPDB_HOST}/v1.1/{d}": route}, **kw)
    r = discover(f"a@{d}", w.start(), ca_file)
    assert_words(r)
    assert r.candidates == []
    s = step(r, "ispdb")
    assert s.status == "failed" and words in s.detail, s.detail


@pytest.mark.parametrize("protocol", ["HTTP/1.1", "HTTP/1.0"])
def test_an_untrusted_certificate_is_refused_in_words(worlds, ca_file, protocol):
    w = worlds()
    d = "untrusted.example"
    w.web([ISPDB_HOST], {f"{ISPDB_HOST}/v1.1/{d}": body(config(f"smtp.{d}"))},
          protocol=protocol)
    other = World(trustme.CA())  # a certificate from a CA the run does not trust
    try:
        srv = other.web([f"autoconfig.{d}", d], {
            f"autoconfig.{d}/mail/config-v1.1.xml": body(config(f"evil.{d}"))},
            protocol=protocol)
        for n in (f"autoconfig.{d}", d):
            w.zone.a[n] = srv.address
        r = discover(f"a@{d}", w.start(), ca_file)
    finally:
        other.stop()
    assert_words(r)
    assert {c.host for c in r.candidates} == {f"smtp.{d}"}
    s = step(r, "autoconfig")
    assert s.status == "failed" and "certificate not trusted" in s.detail, s.detail


def test_a_certificate_for_another_name_is_refused(worlds, ca, ca_file):
    """The connection goes to the address discovery's DNS gave; the certificate must still
    name the host asked for."""
    w = worlds()
    d = "wrongname.example"
    srv = w.web(["somewhere-else.example"], {
        f"autoconfig.{d}/mail/config-v1.1.xml": body(config(f"evil.{d}"))},
        protocol="HTTP/1.0")
    w.zone.a[f"autoconfig.{d}"] = w.zone.a[d] = srv.address
    r = discover(f"a@{d}", w.start(), ca_file)
    assert_words(r)
    assert r.candidates == []
    s = step(r, "autoconfig")
    assert s.status == "failed" and "certificate not trusted" in s.detail, s.detail
    assert srv.requests == []  # nothing asked of a server that is not who it says


def test_nothing_listening_is_said_in_words(worlds, ca_file):
    w = worlds()
    d = "nobody.example"
    w.address_of(ISPDB_HOST)
    w.address_of(f"autoconfig.{d}")
    w.address_of(d)
    r = discover(f"a@{d}", w.start(), ca_file)
    assert_words(r)
    assert step(r, "ispdb").status == "failed" and "refused" in step(r, "ispdb").detail


def test_a_cancel_ends_a_trickling_fetch_while_the_server_still_sends(worlds, ca_file):
    """A body arriving a few bytes at a time for ten seconds: a cancel ends the run at once,
    while the server is still sending (the condition, not a duration)."""
    w = worlds()
    d = "trickle-cancel.example"
    sent_all = threading.Event()
    route = trickle(config(f"smtp.{d}") * 20, piece=8, every=0.01, done=sent_all)
    web = w.web([ISPDB_HOST], {f"{ISPDB_HOST}/v1.1/{d}": route}, protocol="HTTP/1.0")
    run = Discovery(f"a@{d}", DiscoveryOptions(
        dns_server=w.start(), cafile=ca_file, ispdb_url=ISPDB_URL, timeout=60,
        step_timeout=60, probe=False))
    out = {}
    th = threading.Thread(target=lambda: out.setdefault("r", run.run()))
    th.start()
    try:
        end = time.monotonic() + 10
        while not web.requests and time.monotonic() < end:
            threading.Event().wait(0.01)  # polling the condition: the request has arrived
        assert web.requests, "the ISPDB was never asked"
        run.cancel()
        th.join(10)
        assert not th.is_alive()
        assert not sent_all.is_set(), "the cancel waited for the body's end"
    finally:
        run.cancel()
        th.join(10)
    r = out["r"]
    assert r.cancelled
    assert_words(r)


def test_the_deadline_ends_a_trickling_fetch(worlds, ca_file):
    w = worlds()
    d = "trickle-deadline.example"
    sent_all = threading.Event()
    route = trickle(config(f"smtp.{d}") * 20, piece=8, every=0.01, done=sent_all)
    w.web([ISPDB_HOST], {f"{ISPDB_HOST}/v1.1/{d}": route}, protocol="HTTP/1.0")
    r = discover(f"a@{d}", w.start(), ca_file, timeout=1.5, step_timeout=1.0)
    assert not sent_all.is_set(), "the fetch outlived its deadline"
    assert r.candidates == []
    assert step(r, "ispdb").status in ("stopped", "failed")
    assert_words(r)


def test_every_step_says_in_words_what_went_wrong(worlds, ca_file):
    """One domain where every source and every probed port goes wrong in its own way: each
    step's detail is a sentence for IT, none reads like a Python exception."""
    w = worlds()
    d = "all-wrong.example"
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><clientConfig>&a;'
            b'</clientConfig>')
    w.web([f"autoconfig.{d}", d], {f"autoconfig.{d}/mail/config-v1.1.xml":
                                   body(os.urandom(3000))}, protocol="HTTP/1.0")
    w.web([ISPDB_HOST], {f"{ISPDB_HOST}/v1.1/{d}": body(bomb)})
    w.scripted_server(f"smtp.{d}", 465, hang_up)
    w.scripted_server(f"smtp.{d}", 587, greet_and_refuse)
    w.scripted_server(f"smtp.{d}", 25, hang_up)
    w.mail(f"mail.{d}", 465, trusted=False)  # mail.{d}:587 and :25: nothing listens
    w.mute(d, 465)
    w.scripted_server(d, 587, no_starttls)
    r = discover(f"a@{d}", w.start(), ca_file, probe=True, timeout=5.0, probe_timeout=1.0,
                 stagger=0.05)
    assert_words(r)
    details = "\n".join(f"{s.name} {s.target}: {s.detail}" for s in r.steps)
    for words in ("not well-formed XML", "declares XML entities", "closed the connection",
                  "554", "no STARTTLS offered", "refused"):
        assert words in details, details


# -- Thunderbird's provider list, served online --------------------------------------------
def one_domain_per_provider() -> list[tuple[str, str]]:
    """(domain, the provider's first SMTP server) for one domain of every provider file that
    no built-in preset claims (a preset answers without asking the ISPDB)."""
    from mailwizard.core.discovery import sources

    out = []
    for f in provider_files():
        d = next((d for d in f.domains if not sources.from_preset(f"someone@{d}", d)), None)
        if d is not None:
            out.append((d, f.first_smtp_host(d)))
    return out


def discover_all(pairs, dns, ca_file) -> dict[str, str]:
    """Discovery for many domains, eight at a time: {domain: the best host, or the
    ISPDB step's detail when nothing was found}."""
    from concurrent.futures import ThreadPoolExecutor

    def one(d):
        r = discover(f"someone@{d}", dns, ca_file, ispdb_url=SNAPSHOT_ISPDB_URL)
        assert_words(r)
        return d, (r.best.host.lower() if r.best else "nothing: " + step(r, "ispdb").detail)

    with ThreadPoolExecutor(8) as pool:
        return dict(pool.map(one, [d for d, _ in pairs]))


@pytest.mark.parametrize("server", ["python -m http.server", "nginx"])
def test_every_provider_of_the_ispdb_is_found_online(worlds, nginx, ca_file, server):
    """Thunderbird's ISPDB exactly as published, served as the online ISPDB by a server
    that closes after each answer and by one that keeps connections: one domain of every
    provider file gets the provider's first SMTP server. (All domains, and the other
    servers: tests/ispdb_online.py.)"""
    pairs = one_domain_per_provider()
    assert len(pairs) > 100
    files = provider_files()
    w = worlds()
    if server == "nginx":
        nginx(w, [SNAPSHOT_ISPDB_URL.split("/")[2]], {
            f"{SNAPSHOT_ISPDB_URL.split('/')[2]}/v1.1/{d}": f.data
            for f in files for d in f.domains})
    else:  # HTTP/1.0, closed after each answer
        w.static_web([SNAPSHOT_ISPDB_URL.split("/")[2]], {
            f"v1.1/{d}": f.data for f in files for d in f.domains})
    got = discover_all(pairs, w.start(), ca_file)
    wrong = {d: (got[d], host) for d, host in pairs if got[d] != host}
    assert not wrong, f"{len(wrong)} of {len(pairs)} wrong: {wrong}"


def test_urllib3_is_loaded_only_by_a_fetch():
    """The HTTP library is imported on the fetch's path only: a preset answer, `--version`
    and the discovery modules themselves do not load it."""
    import subprocess
    import sys
    code = ("import sys\nimport mailwizard.cli, mailwizard.cli.discover\n"
            "import mailwizard.core.discovery.run, mailwizard.core.discovery.sources\n"
            "from mailwizard.core.discovery.run import Discovery\n"
            "assert Discovery('a@gmail.com').run().best.host == 'smtp.gmail.com'\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'urllib3'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
