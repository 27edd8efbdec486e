"""Benchmark of the core, each figure against a baseline measured in the same run.

1. The full check (STARTTLS + AUTH + test message) against a loopback server, versus bare
   smtplib doing the same steps with the same TLS context, the message made in the run with
   the standard library (MIMEText, as the check does). Target: <= 1.1x.
2. `mailwizard --version` start-up versus `python -c pass`.
3. A whole `mailwizard validate` process (STARTTLS, AUTH PLAIN, one test message, the
   certificate verified against a CA file) versus swaks doing the same against the same
   loopback aiosmtpd server, and against a real Postfix with Dovecot sign-in (as root, with
   Debian's postfix and dovecot-core), alternating run by run. Target: <= 2x. Needs Debian's swaks
   (`apt-get install swaks libnet-ssleay-perl libio-socket-ssl-perl`); skipped with a note when it is missing.
4. Which heavy modules importing the core loads (must be none).

Whole processes (2, 3) run mailwizard as pip installs it, from a plain install of this tree
(benchmarks/installed.py; --editable: from the development venv, whose editable install adds
≈ 30 ms of import finder to every Python process there, baselines included).

Run:  .venv/bin/python benchmarks/bench_core.py [--runs 30] [--editable]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import warnings
import smtplib
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
import ssl
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import trustme  # noqa: E402
from servers import Recorder, start_smtp_server  # noqa: E402

from mailwizard.core.profile import Profile  # noqa: E402
from mailwizard.core.checks.smtp import (SmtpCheck, build_test_message,  # noqa: E402
                                        make_tls_context)

USER, PASSWORD = "bench@example.org", "bench-password"


def compile_package() -> None:
    """Byte-compile mailwizard as pip does when it installs a wheel, so that child processes
    measure an installed program even where PYTHONDONTWRITEBYTECODE is set (as it is on the
    development machines): otherwise every run would compile the sources again."""
    import compileall
    import mailwizard

    compileall.compile_dir(str(Path(mailwizard.__file__).parent), quiet=1)


def bench_check(runs: int) -> None:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    cafile = str(HERE / ".bench-ca.pem")
    ca.cert_pem.write_to_path(cafile)
    srv = start_smtp_server(mode="starttls", cert_ctx=server_ctx,
                            recorder=Recorder(users={USER: PASSWORD}))
    profile = Profile(host="127.0.0.1", port=srv.port, security="starttls", username=USER,
                      from_address=USER, display_name="Bench", cafile=cafile, timeout=10)
    body = build_test_message(profile, USER).get_payload(decode=True).decode()

    def ours():
        r = SmtpCheck(profile, PASSWORD, send_test_to=USER).run()
        assert r.ok, r.failure

    def bare():
        # The same context as a real check: the system's CAs plus the extra CA file, TLS 1.2+
        # (loading the system CA bundle is ~20 ms of each run, for both sides).
        ctx = make_tls_context(profile)
        s = smtplib.SMTP("127.0.0.1", srv.port, local_hostname="bench.localdomain",
                         timeout=10)
        s.ehlo()
        s.starttls(context=ctx)
        s.ehlo()
        s.user, s.password = USER, PASSWORD
        s.auth("PLAIN", s.auth_plain)
        # the same message, made with the standard library as a script would
        m = MIMEText(body, "plain", "us-ascii")
        m["From"], m["To"], m["Subject"] = f"Bench <{USER}>", USER, "Test message"
        m["Date"], m["Message-ID"] = formatdate(localtime=True), make_msgid(domain="example.org")
        s.sendmail(USER, [USER], m.as_bytes())
        s.quit()

    try:
        # Alternate run by run so both share the machine's noise.
        ours(), bare()
        a, b = [], []
        for _ in range(runs):
            for fn, samples in ((ours, a), (bare, b)):
                t0 = time.perf_counter()
                fn()
                samples.append((time.perf_counter() - t0) * 1000)
        ours_ms, bare_ms = statistics.median(a), statistics.median(b)
    finally:
        srv.stop()
        Path(cafile).unlink(missing_ok=True)
    print(f"full check (STARTTLS+AUTH+message), median of {runs} runs:")
    print(f"  mailwizard SmtpCheck : {ours_ms:7.2f} ms")
    print(f"  bare smtplib         : {bare_ms:7.2f} ms")
    print(f"  ratio                : {ours_ms / bare_ms:7.2f}x   (target <= 1.10x)")


#: What the `mailwizard` command pip installs runs (its console script), without the script
#: file's own path being that of the development venv.
SCRIPT = "import sys\nfrom mailwizard.cli import main\nsys.exit(main())"
#: The interpreter of the whole-process benchmarks (benchmarks/installed.py): a plain install
#: of this tree, unless --editable.
PYTHON, CWD = sys.executable, None


def bench_startup(runs: int) -> None:
    def proc(*args):
        return lambda: subprocess.run([PYTHON, *args], check=True, cwd=CWD,
                                      stdout=subprocess.DEVNULL)

    ours, base = proc("-c", SCRIPT, "--version"), proc("-c", "pass")
    ours(), base()  # warm up
    a, b = [], []
    for _ in range(runs):  # alternating, so that the machine's noise hits both alike
        for fn, samples in ((ours, a), (base, b)):
            t0 = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t0) * 1000)
    version, bare = statistics.median(a), statistics.median(b)
    print(f"start-up, median of {runs} runs:")
    print(f"  mailwizard --version : {version:7.1f} ms")
    print(f"  python -c pass       : {bare:7.1f} ms")
    print(f"  ratio                : {version / bare:7.2f}x   (target <= 1.50x)")


def bench_validate(runs: int) -> None:
    """Whole processes: `mailwizard validate` versus swaks, same server, same steps: against
    aiosmtpd, and against a real Postfix with Dovecot sign-in (tests/postfix_server.py), which
    answers faster than aiosmtpd, so that our own overhead shows more."""
    swaks = shutil.which("swaks")
    if swaks is None:
        print("validate vs swaks: skipped, swaks is not installed (apt-get install swaks libnet-ssleay-perl libio-socket-ssl-perl)")
        return
    ca = trustme.CA()
    cafile = str(HERE / ".bench-validate-ca.pem")
    ca.cert_pem.write_to_path(cafile)
    try:
        server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
        recorder = Recorder(users={USER: PASSWORD})
        srv = start_smtp_server(mode="starttls", cert_ctx=server_ctx, recorder=recorder)
        try:
            _validate_runs("loopback aiosmtpd", "127.0.0.1", srv.port, cafile,
                           lambda: len(recorder.messages), runs, swaks)
        finally:
            srv.stop()
        from postfix_server import PostfixServer, missing_parts

        if missing_parts():
            print("validate vs swaks against Postfix: skipped, missing "
                  + ", ".join(missing_parts()))
            return
        from dns_server import loopback_address

        address = loopback_address()
        pem = ca.issue_cert(address).private_key_and_cert_chain_pem.bytes()
        user = "bench@test.example"  # a domain whose mail Postfix keeps (postfix_server.py)
        mta = PostfixServer(pem, {user: PASSWORD}, address=address)
        try:
            _validate_runs("real Postfix + Dovecot SASL", address, mta.submission_port, cafile,
                           lambda: len(mta.messages()), runs, swaks, user=user,
                           settle=mta.wait_delivered)
        finally:
            mta.stop()
    finally:
        Path(cafile).unlink(missing_ok=True)


def _validate_runs(label, host, port, cafile, sent, runs, swaks, user=USER, settle=None):
    mw = [PYTHON, "-c", SCRIPT, "validate", "--host", host, "--port", str(port),
          "--security", "starttls", "--username", user, "--from", user, "--cafile", cafile,
          "--password-stdin", "--send-test-to", user]
    sw = [swaks, "--server", f"{host}:{port}", "--tls", "--tls-verify",
          "--tls-ca-path", cafile, "--auth", "PLAIN", "--auth-user", user,
          "--auth-password", PASSWORD, "--from", user, "--to", user, "--silent", "2"]
    # The floor for any Python program: the same steps with bare smtplib, trusting only the
    # CA file as swaks does (no argument parsing, no settings checks, no report).
    floor = [PYTHON, "-c",
             "import smtplib, ssl, sys\n"
             "from email.message import EmailMessage\n"
             f"u, host, port, ca = {user!r}, {host!r}, {port}, {cafile!r}\n"
             "m = EmailMessage(); m['From'] = m['To'] = u; m['Subject'] = 'test'\n"
             "m.set_content('test')\n"
             "s = smtplib.SMTP(host, port, timeout=10)\n"
             "s.starttls(context=ssl.create_default_context(cafile=ca))\n"
             "s.login(u, sys.stdin.readline().rstrip('\\n')); s.send_message(m); s.quit()\n"]
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")

    def run(cmd, stdin=None):
        def go():
            p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env,
                               timeout=60, cwd=CWD)
            if p.returncode != 0:
                sys.exit(f"{cmd[0]} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        return go

    ours, peer, bare = run(mw, PASSWORD + "\n"), run(sw), run(floor, PASSWORD + "\n")
    ours(), peer(), bare()  # warm the disk cache; not counted
    a, b, c = [], [], []
    for i in range(runs):
        order = [(ours, a), (peer, b), (bare, c)]
        for fn, samples in order[i % 3:] + order[:i % 3]:
            t0 = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t0) * 1000)
    if settle is not None:
        settle(3 + 3 * runs)
    assert sent() == 3 + 3 * runs, "every run sends one message"
    ours_ms, peer_ms, bare_ms = (statistics.median(x) for x in (a, b, c))
    print(f"whole process, STARTTLS+AUTH PLAIN+message, cert verified, {label}, "
          f"median of {runs} runs:")
    print(f"  mailwizard validate  : {ours_ms:7.1f} ms")
    print(f"  swaks                : {peer_ms:7.1f} ms")
    print(f"  bare smtplib script  : {bare_ms:7.1f} ms   (the floor for Python: "
          f"{bare_ms / peer_ms:.2f}x swaks)")
    print(f"  ratio                : {ours_ms / peer_ms:7.2f}x   (target <= 2.00x)")


def check_imports() -> None:
    code = ("import sys\n"
            "import mailwizard.cli, mailwizard.core.checks.smtp, mailwizard.core.diagnosis.smtp, "
            "mailwizard.core.store.secrets, mailwizard.core.store.config, mailwizard.core.store.save\n"
            "heavy=('PySide6','shiboken6','exchangelib','dns','oauthlib','requests_oauthlib',"
            "'authlib','msal','requests')\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    print(f"heavy modules loaded by importing the core and CLI: {out}")


def main() -> None:
    # aiosmtpd warns about its own deprecated attribute on every login; not ours to print.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--only", choices=["check", "startup", "validate", "imports"])
    ap.add_argument("--editable", action="store_true",
                    help="run the whole processes from the development venv's editable "
                         "install (its import finder costs every process ≈ 30 ms) instead "
                         "of a plain install of this tree (benchmarks/installed.py)")
    args = ap.parse_args()
    compile_package()
    global PYTHON, CWD
    if not args.editable and args.only in (None, "startup", "validate"):
        from installed import CWD as place, installed_python

        PYTHON, CWD = installed_python(), place
    print(f"whole processes run by {PYTHON}"
          + (" (editable install)" if PYTHON == sys.executable else " (plain install)"))
    for name, fn in (("check", lambda: bench_check(args.runs)),
                     ("startup", lambda: bench_startup(max(10, args.runs // 2))),
                     ("validate", lambda: bench_validate(max(10, args.runs // 2))),
                     ("imports", check_imports)):
        if args.only in (None, name):
            fn()


if __name__ == "__main__":
    main()
