"""Benchmark of the Exchange (EWS) check against bare exchangelib, in the same run, on the
loopback EWS endpoint (tests/ews_server.py), plus what the first Exchange check costs to
import.

1. EwsCheck (resolve, connect, TLS pre-check, unauthenticated probe, login, mailbox, send)
   versus bare exchangelib doing login (version probe), mailbox and send with the same
   endpoint and the same trust (system CAs + the CA file, loaded per run). Both make a fresh
   login each run. The check's extra work: its own TLS pre-check (so a refused certificate
   can be shown and trusted) and the unauthenticated probe (so a wrong sign-in method is
   found before the password is sent).
2. Import time of exchangelib (paid once, on the first Exchange check only).

Run:  .venv/bin/python benchmarks/bench_ews.py [--runs 20]
"""

from __future__ import annotations

import argparse
import logging
import ssl
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import trustme  # noqa: E402
from ews_server import EwsServer, EwsState  # noqa: E402

from mailwizard.core.checks.ews import EwsCheck  # noqa: E402
from mailwizard.core.profile import Profile  # noqa: E402

USER, PASSWORD = "it@example.org", "bench-password"


def median_ms(fn, runs: int) -> float:
    fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    logging.disable(logging.CRITICAL)
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import exchangelib"],
                         capture_output=True, text=True).stderr.strip().splitlines()
    total_us = int(out[-1].split("|")[1])
    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(ctx)
    import tempfile
    ca_file = str(Path(tempfile.mkdtemp()) / "bench-ca.pem")
    ca.cert_pem.write_to_path(ca_file)
    srv = EwsServer(ctx, EwsState(users={USER: PASSWORD}))
    profile = Profile(service="exchange", ews_url=srv.url, username=USER, from_address=USER,
                      ews_auth="basic", cafile=ca_file, timeout=5)

    def ours():
        r = EwsCheck(profile, PASSWORD, send_test_to=USER).run()
        assert r.ok, r.failure

    from exchangelib import (BASIC, DELEGATE, Account, Configuration, Credentials, FailFast,
                             Message)
    from exchangelib.protocol import BaseProtocol, Protocol

    import requests.adapters

    class CaAdapter(requests.adapters.HTTPAdapter):
        """The same trust as the check: the system CAs plus the CA file, built per run."""

        def build_connection_pool_key_attributes(self, request, verify, cert=None):
            host, pool = super().build_connection_pool_key_attributes(request, verify, cert)
            pool.pop("ca_certs", None)  # else urllib3 loads certifi's bundle per connection
            pool["ssl_context"], pool["cert_reqs"] = run_ctx[0], "CERT_REQUIRED"
            return host, pool

        def cert_verify(self, conn, url, verify, cert):
            return

    run_ctx: list[ssl.SSLContext] = []

    def bare():
        ctx = ssl.create_default_context()  # once per run, as the check does
        ctx.load_verify_locations(cafile=ca_file)
        run_ctx[:] = [ctx]
        BaseProtocol.HTTP_ADAPTER_CLS = CaAdapter
        config = Configuration(service_endpoint=srv.url, credentials=Credentials(USER, PASSWORD),
                               auth_type=BASIC, retry_policy=FailFast(), max_connections=1)
        try:
            account = Account(USER, config=config, autodiscover=False, access_type=DELEGATE)
            account.root
            Message(account=account, subject="t", body="b", to_recipients=[USER]).send(
                save_copy=False)
        finally:
            Protocol[config][0].close()
            del Protocol[config]

    b = median_ms(bare, args.runs)
    o = median_ms(ours, args.runs)
    srv.stop()
    print(f"Exchange check, median of {args.runs} runs (fresh login each):")
    print(f"  mailwizard EwsCheck  : {o:8.2f} ms")
    print(f"  bare exchangelib     : {b:8.2f} ms")
    print(f"  ratio                : {o / b:8.2f}x")
    print(f"import exchangelib (first Exchange check only): {total_us / 1000:.1f} ms")


if __name__ == "__main__":
    main()
