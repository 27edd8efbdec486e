"""Benchmark of cancelling: how long after cancel() a check or a discovery returns, each against
a baseline measured in the same run (a thread woken by an Event and joined: the floor of any
"stop that thread" on this machine). The tests only show that a cancel ends the work while
the server still stalls (tests/core/checks/test_smtp_check.py `_cancel_after`,
test_hostile_servers.py, test_discovery.py); the speed is measured here. Target: <= 250 ms
for each, whatever the server is doing.

1. The SMTP check cancelled while it waits for a greeting that never comes, during a greeting
   trickled one byte every 0.2 s, during a TLS handshake the server never answers, and while
   the server stalls its AUTH answer.
2. A discovery cancelled while its probes wait on silent servers (needs root: ports 465/587/25
   on loopback addresses, like the tests).

Run:  .venv/bin/python benchmarks/bench_cancel.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import trustme  # noqa: E402
from servers import RawServer, Recorder, silent, start_smtp_server  # noqa: E402

from mailwizard.core.checks.smtp import SmtpCheck  # noqa: E402
from mailwizard.core.profile import Profile  # noqa: E402

USER, PASSWORD = "office@society.example.org", "correct horse battery staple"


def trickle(conn, stop):
    for b in b"220 " + b"x" * 200 + b"\r\n":
        if stop.wait(0.2):
            return
        conn.sendall(bytes([b]))


def cancel_ms(start_work, reached) -> float:
    """Start the work on a thread, cancel it once `reached()` holds; ms until it returned."""
    done = threading.Event()
    cancel = start_work(done)
    while not reached():
        time.sleep(0.005)
    time.sleep(0.1)  # into the blocking call (a benchmark may sleep; a test may not)
    t0 = time.perf_counter()
    cancel()
    if not done.wait(30):
        raise SystemExit("the cancel did not return within 30 s")
    return (time.perf_counter() - t0) * 1000


def baseline_ms() -> float:
    ev, done = threading.Event(), threading.Event()
    threading.Thread(target=lambda: (ev.wait(), done.set())).start()
    time.sleep(0.01)
    t0 = time.perf_counter()
    ev.set()
    done.wait()
    return (time.perf_counter() - t0) * 1000


def smtp_case(profile: Profile, **kw):
    def start(done):
        check = SmtpCheck(profile, PASSWORD, **kw)
        threading.Thread(target=lambda: (check.run(), done.set()), daemon=True).start()
        return check.cancel
    return start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    runs = ap.parse_args().runs
    ca = trustme.CA()
    tmp = tempfile.mkdtemp(prefix="bench-cancel-")
    cafile = os.path.join(tmp, "ca.pem")
    ca.cert_pem.write_to_path(cafile)
    import ssl

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(ctx)

    def prof(port, security="starttls"):
        return Profile(host="127.0.0.1", port=port, security=security, username=USER,
                       from_address=USER, cafile=cafile, timeout=30)

    base = statistics.median(baseline_ms() for _ in range(runs))
    print(f"baseline (wake and join a thread): {base:.2f} ms")
    rows = []
    for name, behaviour, security, kw in [
            ("silent greeting", silent, "starttls", {"greeting_wait": 25}),
            ("trickled greeting", trickle, "starttls", {"greeting_wait": 25}),
            ("silent TLS handshake", silent, "tls", {})]:
        times = []
        for _ in range(runs):
            srv = RawServer(behaviour)
            try:
                times.append(cancel_ms(smtp_case(prof(srv.port, security), **kw),
                                       lambda: srv.connections >= 1))
            finally:
                srv.stop()
        rows.append((name, statistics.median(times)))
    times = []
    for _ in range(runs):
        rec = Recorder(users={USER: PASSWORD}, stall="AUTH")
        srv = start_smtp_server(mode="starttls", cert_ctx=ctx, recorder=rec)
        try:
            times.append(cancel_ms(smtp_case(prof(srv.port)), lambda: rec.commands_auth))
        finally:
            srv.stop()
    rows.append(("stalled AUTH", statistics.median(times)))
    if os.geteuid() == 0:
        from discovery_world import World

        from mailwizard.core.discovery.run import Discovery, DiscoveryOptions

        times = []
        for i in range(runs):
            w = World(ca)
            d = f"cancel{i}.example"
            for host in (f"smtp.{d}", f"mail.{d}", d):
                for port in (465, 587, 25):
                    w.mute(host, port)
            spec = w.start()
            try:
                run = Discovery(f"a@{d}", DiscoveryOptions(dns_server=spec, cafile=cafile,
                                                           online=False, timeout=20,
                                                           probe_timeout=20))

                def start(done, run=run):
                    threading.Thread(target=lambda: (run.run(), done.set()),
                                     daemon=True).start()
                    return run.cancel
                times.append(cancel_ms(start, lambda w=w: any(s.connections
                                                              for s in w.silent)))
            finally:
                w.stop()
        rows.append(("discovery, silent probes", statistics.median(times)))
    else:
        print("discovery: not measured (needs root for ports 465/587/25)")
    for name, ms in rows:
        verdict = "ok" if ms <= 250 else "SLOW"
        print(f"cancel during {name:<26} median {ms:7.1f} ms  ({ms / base:6.0f}x the baseline; "
              f"target <= 250 ms: {verdict})")


if __name__ == "__main__":
    main()
