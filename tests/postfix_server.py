"""A real mail server for the tests: Debian's Postfix for submission, with Dovecot doing the
sign-in (SASL), started by the tests on a loopback address of their own with a throw-away
configuration, the way an office's or a host's real server is set up:

* submission on one port with STARTTLS required before AUTH (`smtpd_tls_security_level =
  encrypt`, `smtpd_tls_auth_only`), and implicit TLS on another (`smtpd_tls_wrappermode`);
* Dovecot's passwd-file for the users; a sender must be the signed-in user
  (`reject_sender_login_mismatch`, Postfix's real "Sender address rejected: not owned by user");
* mail for the test domains lands in a Maildir the test reads; mail for anyone else is
  discarded by Postfix itself, so nothing ever leaves this machine.

Postfix's own log (`maillog_file`) says what it saw: each AUTH command and each message.
Needs root (Postfix's daemons change user) and the packages `postfix` and `dovecot-core`
(scripts/test.sh installs them); without them the fixture fails and names what is missing."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

from dns_server import free_port_on, loopback_address

MASTER = "/usr/lib/postfix/sbin/master"
DOVECOT = "/usr/sbin/dovecot"
LOCAL_DOMAINS = ("society.example.org", "test.example")
_QUEUE_DIRS = ("active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming",
               "saved", "trace")


def missing_parts() -> list[str]:
    """What this machine lacks to run the real server (empty when it can)."""
    missing = []
    if not os.path.exists(MASTER):
        missing.append("postfix (Debian package postfix)")
    if not os.path.exists(DOVECOT):
        missing.append("dovecot (Debian package dovecot-core)")
    if os.geteuid() != 0:
        missing.append("root (Postfix's daemons change user)")
    return missing


class PostfixServer:
    def __init__(self, cert_pem: bytes, users: dict[str, str], *, address: str | None = None):
        """`cert_pem`: the server's key and certificate chain (PEM), e.g. trustme's
        `private_key_and_cert_chain_pem.bytes()`."""
        missing = missing_parts()
        if missing:
            raise RuntimeError("the real Postfix server cannot start here, missing: "
                               + ", ".join(missing) + " (bash scripts/test.sh installs them)")
        self.address = address or loopback_address()
        self.submission_port = free_port_on(self.address)
        self.tls_port = free_port_on(self.address)
        self.users = dict(users)
        self.dir = Path(tempfile.mkdtemp(prefix="mailwizard-postfix-"))
        self._procs: list[subprocess.Popen] = []
        self._log_from = 0
        try:
            self._write(cert_pem)
            self._start()
        except BaseException:
            self.stop()
            raise

    # -- configuration --------------------------------------------------------------------
    def _write(self, cert_pem: bytes) -> None:
        d = self.dir
        postfix = pwd.getpwnam("postfix")
        nobody = pwd.getpwnam("nobody")
        os.chmod(d, 0o755)
        for sub in ("conf", "data", "queue", "mail", "dovecot", "dovecot-state"):
            (d / sub).mkdir()
        (d / "conf" / "server.pem").write_bytes(cert_pem)
        os.chmod(d / "conf" / "server.pem", 0o600)
        # The queue as `postfix post-install` lays it out (done by hand: it takes seconds).
        queue = d / "queue"
        for sub in _QUEUE_DIRS:
            (queue / sub).mkdir(mode=0o700)
            os.chown(queue / sub, postfix.pw_uid, 0)
        for sub, mode in (("maildrop", 0o730), ("public", 0o710)):
            (queue / sub).mkdir()
            os.chmod(queue / sub, mode)
            os.chown(queue / sub, postfix.pw_uid, _gid("postdrop"))
        (queue / "pid").mkdir()
        (queue / "private").mkdir(mode=0o700)
        os.chown(queue / "private", postfix.pw_uid, 0)
        os.chown(d / "data", postfix.pw_uid, 0)
        os.chown(d / "mail", nobody.pw_uid, nobody.pw_gid)
        logins = ", ".join(f"{u}={u}" for u in self.users)
        (d / "conf" / "main.cf").write_text(f"""\
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {d}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = mail.society.example.org
mydestination =
alias_maps =
alias_database =
maillog_file_prefixes = {d}
maillog_file = {d}/maillog
virtual_mailbox_domains = {" ".join(LOCAL_DOMAINS)}
virtual_mailbox_base = {d}/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:{nobody.pw_uid}
virtual_gid_maps = static:{nobody.pw_gid}
default_transport = discard
relay_transport = discard
smtpd_tls_chain_files = {d}/conf/server.pem
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_tls_auth_only = yes
smtpd_sender_login_maps = inline:{{ {logins} }}
smtpd_sender_restrictions = reject_sender_login_mismatch
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtputf8_enable = yes
""")
        common = ("-o smtpd_sasl_auth_enable=yes "
                  "-o smtpd_client_restrictions=permit_sasl_authenticated,permit")
        (d / "conf" / "master.cf").write_text(f"""\
{self.address}:{self.submission_port} inet n - n - - smtpd -o smtpd_tls_security_level=encrypt {common}
{self.address}:{self.tls_port} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes {common}
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
""")
        (d / "users").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items()))
        (d / "dovecot.conf").write_text(f"""\
protocols =
base_dir = {d}/dovecot
state_dir = {d}/dovecot-state
log_path = {d}/dovecot.log
auth_mechanisms = plain login
auth_failure_delay = 0
ssl = no
disable_plaintext_auth = no
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/mail
}}
service auth {{
  unix_listener {queue}/private/auth {{
    mode = 0666
  }}
}}
""")

    def _start(self) -> None:
        d = self.dir
        self._procs.append(subprocess.Popen(
            [DOVECOT, "-F", "-c", str(d / "dovecot.conf")], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=open(d / "dovecot.out", "wb")))
        _wait_for(lambda: (d / "queue" / "private" / "auth").exists(), self._procs[-1],
                  "Dovecot's sign-in socket", d / "dovecot.out")
        env = dict(os.environ, MAIL_CONFIG=str(d / "conf"))
        self._procs.append(subprocess.Popen(
            [MASTER, "-d", "-c", str(d / "conf")], env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=open(d / "master.out", "wb")))
        for port in (self.submission_port, self.tls_port):
            _wait_for(lambda port=port: _listening(self.address, port), self._procs[-1],
                      f"Postfix on {self.address}:{port}", d / "master.out")

    def stop(self) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self._procs.clear()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- what it saw -------------------------------------------------------------------------
    def log(self) -> str:
        """Postfix's log since the last `forget()`."""
        try:
            return (self.dir / "maillog").read_text(errors="replace")[self._log_from:]
        except FileNotFoundError:
            return ""

    def forget(self) -> None:
        """Start counting afresh (one server shared by the tests of a module, each test
        seeing only its own sessions and messages)."""
        self.sessions()  # the last test's sessions written out first
        self._log_from += len(self.log())
        new = self.dir / "mail" / "inbox" / "new"
        for path in new.iterdir() if new.is_dir() else ():
            path.unlink()

    def sessions(self, timeout: float = 20.0, at_least: int = 0) -> list[dict[str, str]]:
        """One entry a finished SMTP session, from Postfix's `disconnect from …` line: the
        commands it counted, e.g. {"ehlo": "2", "starttls": "1", "auth": "0/1"}. Postfix
        writes its log through its own log daemon, a moment after the client has gone: this
        waits until every session that connected has its disconnect line."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.log().splitlines()
            opened = sum(" connect from " in line for line in lines)
            closed = [line for line in lines if " disconnect from " in line]
            if len(closed) >= max(opened, at_least) or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        return [dict(re.findall(r" (\w+)=(\d+(?:/\d+)?)", line)) for line in closed]

    def auth_commands(self) -> int:
        """How many AUTH commands Postfix received, over all sessions (every test here has
        made at least one: its log line may still be on the way)."""
        return sum(int(s["auth"].split("/")[-1]) for s in self.sessions(at_least=1)
                   if "auth" in s)

    def messages(self) -> list[Message]:
        """The messages delivered to the test domains' mailbox, oldest first."""
        new = self.dir / "mail" / "inbox" / "new"
        files = sorted(new.iterdir(), key=lambda p: p.stat().st_mtime) if new.is_dir() else []
        return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]

    def wait_delivered(self, count: int, timeout: float = 20.0) -> list[Message]:
        """Postfix delivers after the client's DATA is accepted, in its own time: wait."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.messages()
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"Postfix delivered {len(self.messages())} of {count} messages; "
                             f"its log:\n{self.log()[-3000:]}")


def _gid(name: str) -> int:
    import grp

    return grp.getgrnam(name).gr_gid


def _listening(addr: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((addr, port)) == 0


def _wait_for(ready, proc: subprocess.Popen, what: str, output: Path, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    text = output.read_text(errors="replace") if output.exists() else ""
    raise RuntimeError(f"{what} did not start: {text[-2000:]}")
