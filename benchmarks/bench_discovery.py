"""Benchmark of discovery, in a loopback world of real parts (dnsmasq, HTTPS on 443, aiosmtpd
on 465/587/25; needs root, like the tests).

1. Wall time of a whole discovery versus the slowest single step (source or probe) it waited
   for, in the same run. All steps run in parallel, so the floor is the slowest one; the
   target is <= 1.2x. Two worlds: a self-hosted domain where nothing is published and one
   port is silent (the slowest step is a probe that times out), and a domain with autoconfig,
   ISPDB, MX and SRV (every step answers quickly).
2. Time to the first answer: a built-in preset domain (gmail.com: no network at all) and an
   MX-known domain (Microsoft 365 from its MX), from the call to run().
3. How many AUTH commands the probes sent to every SMTP server of the worlds (must be 0).
4. Thunderbird's provider list kept in mailwizard (resources/ispdb.json): its load time in a
   fresh process; the first answer for a domain only the list knows, warm (in-process, the
   list already read; target <= 5 ms) and including the load; and a whole
   `mailwizard discover ADDRESS --no-online --json` process for such a domain versus
   `mailwizard --version`, alternating, both from a plain install (benchmarks/installed.py;
   target <= 1.5x). No root needed for this part (`--only list`).

Run:  .venv/bin/python benchmarks/bench_discovery.py [--runs 7] [--only list]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import trustme  # noqa: E402
from discovery_world import World, body  # noqa: E402

from mailwizard.core.discovery.run import Discovery, DiscoveryOptions  # noqa: E402

ISPDB = "https://ispdb.test/v1.1/"


def config(host: str, port: int, socket_type: str) -> bytes:
    return (f'<clientConfig version="1.1"><emailProvider id="b"><outgoingServer type="smtp">'
            f"<hostname>{host}</hostname><port>{port}</port><socketType>{socket_type}"
            "</socketType><username>%EMAILADDRESS%</username></outgoingServer>"
            "</emailProvider></clientConfig>").encode()


def self_hosted(w: World, d: str) -> None:
    w.mail(f"mail.{d}", 465)
    w.mail(f"mail.{d}", 25)
    w.mute(f"smtp.{d}", 587)  # a firewall that holds the connection: the probe times out


def published(w: World, d: str) -> None:
    w.web([f"autoconfig.{d}", d, "ispdb.test"], {
        f"autoconfig.{d}/mail/config-v1.1.xml": body(config(f"mail.{d}", 465, "SSL")),
        f"ispdb.test/v1.1/{d}": body(config(f"mail.{d}", 465, "SSL"))})
    w.zone.mx.append((d, f"mx.{d}", 10))
    w.zone.srv.append((f"_submissions._tcp.{d}", f"mail.{d}", 465, 0, 1))
    w.mail(f"mail.{d}", 465)
    w.mail(f"smtp.{d}", 587)


def microsoft(w: World, d: str) -> None:
    w.zone.mx.append((d, "crystalheights-example.mail.protection.outlook.com", 0))
    w.web(["ispdb.test"], {})


def run_once(email: str, dns: str, cafile: str, **kw):
    first = {}
    t0 = time.perf_counter()

    def seen(c, best):
        first.setdefault("ms", (time.perf_counter() - t0) * 1000)

    opts = dict(dns_server=dns, cafile=cafile, ispdb_url=ISPDB, timeout=8.0,
                probe_timeout=1.0)
    opts.update(kw)
    finder = Discovery(email, DiscoveryOptions(**opts), on_candidate=seen)
    t0 = time.perf_counter()
    r = finder.run()
    wall = (time.perf_counter() - t0) * 1000
    return r, wall, first.get("ms")


DISCOVER = ("from mailwizard.core.discovery.run import Discovery\n"
            "r = Discovery('someone@gmail.com').run()\n")
#: the baseline: what the wizard did before discovery, matching the address to a preset
#: (with the same address check)
MATCH = ("from mailwizard.core.profile import check_email\n"
         "from mailwizard.core.providers import load_catalogue\n"
         "check_email('someone@gmail.com', 'email')\n"
         "load_catalogue().match_email('someone@gmail.com')\n")


def cold_ms(body: str, runs: int) -> float:
    import subprocess

    code = "import time; t=time.perf_counter()\n" + body + \
        "print((time.perf_counter()-t)*1000)"
    return statistics.median(float(subprocess.run([sys.executable, "-c", code],
                                                  capture_output=True, text=True,
                                                  check=True).stdout)
                             for _ in range(runs))


#: domains that only the kept list knows (no preset): Yahoo! JAPAN, a Google-hosted ISP,
#: a Yahoo-hosted ISP, a Japanese ISP on its own sub-domain
LIST_DOMAINS = ("yahoo.co.jp", "jazztel.es", "cox.net", "educa.madrid.org")
LOAD = ("import time; t=time.perf_counter()\n"
        "from mailwizard.core.discovery.snapshot import load\n"
        "u=time.perf_counter(); load(); v=time.perf_counter()\n"
        "print((v-t)*1000, (v-u)*1000)")


def bench_list(runs: int) -> None:
    import subprocess

    from mailwizard.core.discovery import snapshot

    loads = [[float(x) for x in subprocess.run([sys.executable, "-c", LOAD],
                                                capture_output=True, text=True,
                                                check=True).stdout.split()]
             for _ in range(runs)]
    size = len(snapshot.read_resource_bytes(snapshot.RESOURCE))
    opts = DiscoveryOptions(online=False, probe=False, dns_server="127.0.0.1:9")
    snapshot.load.cache_clear()  # the first answer below reads the file again
    t0 = time.perf_counter()
    first = Discovery(f"user@{LIST_DOMAINS[0]}", opts).run()
    cold_ms = (time.perf_counter() - t0) * 1000
    warm = []
    for i in range(runs * 10):
        r = Discovery(f"user@{LIST_DOMAINS[1 + i % 3]}", opts).run()
        warm.append(r.first_answer_ms)
    print(f"\nkept provider list ({size} bytes, {len(snapshot.load())} domains):\n"
          f"  load in a fresh process: {statistics.median(l[1] for l in loads):.1f} ms "
          f"(reading and indexing the file; {statistics.median(l[0] for l in loads):.1f} ms "
          f"with importing the module and what it needs), median of {runs}\n"
          f"  first answer, list-only domain, in-process: {first.first_answer_ms:.2f} ms "
          f"with the first load ({cold_ms:.1f} ms whole run), warm "
          f"{statistics.median(warm):.3f} ms median, {max(warm):.3f} ms max (target <= 5 ms)")

    from installed import CWD, installed_python

    python = installed_python()
    script = "import sys\nfrom mailwizard.cli import main\nsys.exit(main())"
    env = {k: v for k, v in __import__("os").environ.items() if k != "MAILWIZARD_DNS_SERVER"}

    def proc(*args):
        t = time.perf_counter()
        out = subprocess.run([python, "-c", script, *args], capture_output=True, text=True,
                             cwd=CWD, env=env)
        assert out.returncode == 0, out.stderr
        return (time.perf_counter() - t) * 1000, out.stdout

    proc("--version")  # warm the file cache
    ours, base, other = [], [], []
    for _ in range(runs):  # alternating, on a shared machine
        ms, out = proc("discover", f"user@{LIST_DOMAINS[0]}", "--no-online", "--json")
        assert '"smtp.mail.yahoo.co.jp"' in out, out
        ours.append(ms)
        base.append(proc("--version")[0])
        other.append(proc("providers", "--json")[0])
    o, b = statistics.median(ours), statistics.median(base)
    print(f"  whole process, plain install: `mailwizard discover user@{LIST_DOMAINS[0]} "
          f"--no-online --json` {o:.1f} ms vs `mailwizard --version` {b:.1f} ms, ratio "
          f"{o / b:.2f} (target <= 1.5); for scale, `mailwizard providers --json` "
          f"{statistics.median(other):.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--only", choices=("list",), default=None,
                    help="only the kept provider list (no root, no loopback world)")
    args = ap.parse_args()
    runs = args.runs
    if args.only == "list":
        bench_list(runs)
        return
    ca = trustme.CA()
    cafile = str(Path(tempfile.mkdtemp()) / "ca.pem")
    ca.cert_pem.write_to_path(cafile)
    auth_total = 0

    print(f"discovery benchmark, median of {runs} runs each\n")
    for label, build, domain in (("self-hosted, nothing published, one silent port",
                                  self_hosted, "riverside-society.example"),
                                 ("autoconfig + ISPDB + MX + SRV published", published,
                                  "crystalheights.example")):
        w = World(ca)
        build(w, domain)
        spec = w.start()
        try:
            ratios, walls, slowest = [], [], []
            for _ in range(runs):
                r, wall, _ = run_once(f"billing@{domain}", spec, cafile)
                walls.append(wall)
                slowest.append(r.slowest_step_ms)
                ratios.append(wall / r.slowest_step_ms)
            best = r.best
            print(f"{label}:\n  best: {best.server_text()} ({best.source})\n"
                  f"  wall {statistics.median(walls):7.1f} ms, slowest single step "
                  f"{statistics.median(slowest):7.1f} ms, ratio "
                  f"{statistics.median(ratios):.3f} (max {max(ratios):.3f}; target <= 1.2)")
        finally:
            auth_total += w.auth_commands
            w.stop()

    firsts = []
    for _ in range(runs):
        _, _, f = run_once("someone@gmail.com", "127.0.0.1:9", cafile)
        firsts.append(f)
    ours, base = [], []
    for _ in range(runs):  # alternating, on a shared machine
        ours.append(cold_ms(DISCOVER, 1))
        base.append(cold_ms(MATCH, 1))
    ours_ms, base_ms = statistics.median(ours), statistics.median(base)
    print(f"\nfirst answer, preset domain (gmail.com, no network): "
          f"{statistics.median(firsts):.2f} ms warm; in a fresh process {ours_ms:.1f} ms "
          f"(import, address check, presets, answer) vs {base_ms:.1f} ms for the plain "
          f"preset match (ratio {ours_ms / base_ms:.2f})")

    w = World(ca)
    microsoft(w, "crystalheights.example")
    spec = w.start()
    try:
        firsts, walls = [], []
        for _ in range(runs):
            r, wall, f = run_once("billing@crystalheights.example", spec, cafile)
            firsts.append(f)
            walls.append(wall)
        print(f"first answer, MX-known domain (Microsoft 365 from its MX): "
              f"{statistics.median(firsts):.1f} ms (whole run {statistics.median(walls):.1f} ms,"
              f" best {r.best.server_text()})")
    finally:
        auth_total += w.auth_commands
        w.stop()
    print(f"\nAUTH commands the probes sent to all SMTP servers: {auth_total} (must be 0)")
    bench_list(runs)


if __name__ == "__main__":
    main()
