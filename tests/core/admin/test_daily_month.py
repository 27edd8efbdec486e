"""Issue 23: a simulated month of the daily check. One loopback SMTP server (aiosmtpd,
STARTTLS, a trustme certificate for mail.society.test), one loopback DNS server (dnsmasq)
answering that name, the real scheduled command line (`mailwizard check --notify`, as the
systemd unit runs it) once per simulated day with the clock injected (MAILWIZARD_CLOCK: the
retries' and the network wait's minutes pass at once), and our own
org.freedesktop.Notifications service on the test bus counting warnings. Each day
`mailwizard check --monitoring` runs too, as a Nagios/Icinga agent would.

Offline days are real: the DNS server named for the day does not exist (a loopback port where
nothing listens), so the server's name cannot be looked up and the resolver gives no answer
at all; no traffic ever leaves loopback. The system bus given to the check is a private one
where NetworkManager does not run, so the resolver is what is asked.

Expected: no warning on offline and temporary days, exactly one the day the password stopped
working, none repeated, forgotten after the fix (the next break is news again), and a
temporary failure that lasts more than a day warns once.

The month's log and warning table are printed and written to tmp_path/month.log (and to
$MAILWIZARD_MONTH_LOG when set)."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from conftest import PASSWORD, USER, _server_ctx
from dns_server import DnsServer, Zone
from notification_service import NotificationService, PrivateBus
from servers import LOOPBACK, Recorder, closed_port, free_port
from support.cli import mailwizard

from mailwizard.core.profile import Profile

HOST = "mail.society.test"
NEW_PASSWORD = "the password after the change"
NEWER_PASSWORD = "and the one after that"


@dataclass
class Scripted(Recorder):
    """A Recorder whose next sign-ins get the replies queued in `auth_replies` (one each),
    then behave normally."""

    auth_replies: list[str] = field(default_factory=list)

    async def handle_AUTH(self, server, session, envelope, args):
        if self.auth_replies:
            self.commands_auth.append(args[0].upper())
            return self.auth_replies.pop(0)
        return await super().handle_AUTH(server, session, envelope, args)


class Server:
    """The provider's server: one port for the whole month, stopped and started again."""

    def __init__(self, ctx):
        self.ctx, self.port = ctx, free_port()
        self.rec = Scripted(users={USER: PASSWORD})
        self.ctl = None
        self.start()

    def start(self):
        self.ctl = Controller(self.rec, hostname=LOOPBACK, port=self.port,
                              server_hostname=HOST, authenticator=self.rec.authenticator,
                              tls_context=self.ctx, require_starttls=True,
                              auth_require_tls=True, ready_timeout=5.0)
        self.ctl.start()

    def stop(self):
        if self.ctl is not None:
            self.ctl.stop()
            self.ctl = None


# day -> (what happens, expected record status, expected --monitoring state, warnings so far)
MONTH = [
    (1, "ok", "ok", 0, 0),
    (2, "offline", "offline", 3, 0),
    (3, "offline", "offline", 3, 0),
    (4, "ok", "ok", 0, 0),
    (5, "421 at sign-in, all day", "temporary", 1, 0),
    (6, "421 once, then fine (recovered within the run)", "ok", 0, 0),
    (7, "451 to the sender, all day", "temporary", 1, 0),
    (8, "connections refused (server down)", "temporary", 1, 0),
    (9, "ok (server back)", "ok", 0, 0),
    (10, "offline", "offline", 3, 0),
    (11, "password changed at the server", "failed", 2, 1),
    (12, "password still wrong", "failed", 2, 1),
    (13, "offline", "offline", 3, 1),
    (14, "password still wrong", "failed", 2, 1),
    (15, "fixed: the new password stored", "ok", 0, 1),
    (16, "ok", "ok", 0, 1),
    (17, "connections refused (server down)", "temporary", 1, 1),
    (18, "connections refused, a day later", "temporary", 1, 2),
    (19, "connections refused, two days later", "temporary", 1, 2),
    (20, "ok (server back)", "ok", 0, 2),
    (21, "password changed again", "failed", 2, 3),
    (22, "fixed again", "ok", 0, 3),
    (23, "offline", "offline", 3, 3),
    (24, "ok", "ok", 0, 3),
    (25, "ok", "ok", 0, 3),
    (26, "offline", "offline", 3, 3),
    (27, "ok", "ok", 0, 3),
    (28, "451 to the sender, all day", "temporary", 1, 3),
    (29, "ok", "ok", 0, 3),
    (30, "ok", "ok", 0, 3),
]


@pytest.fixture
def world(ca, tmp_path, secret_service):
    ctx = _server_ctx(ca.issue_cert(HOST))
    server = Server(ctx)
    dns = DnsServer(Zone(a={HOST: LOOPBACK}))
    system_bus = PrivateBus()  # no NetworkManager on it: the resolver is asked
    svc = NotificationService(os.environ["DBUS_SESSION_BUS_ADDRESS"]).start()
    try:
        yield server, dns, system_bus, svc
    finally:
        svc.stop()
        system_bus.stop()
        dns.stop()
        server.stop()


def run(config: Path, day: int, dns: str, system_bus: str, *extra: str):
    env = {"MAILWIZARD_CLOCK": f"2027-03-{day:02d}T09:30:00+00:00",
           "MAILWIZARD_DNS_SERVER": dns, "DBUS_SYSTEM_BUS_ADDRESS": system_bus, "TZ": "UTC"}
    return mailwizard("check", "--config", str(config), *extra, env=env, timeout=180)


def test_a_simulated_month_gives_no_false_warning_and_the_true_one_once(world, ca_file,
                                                                        tmp_path):
    from mailwizard.core.store.config import read_config
    from mailwizard.core.store.save import save_settings
    from mailwizard.core.store.secrets import delete_secret, set_secret

    server, dns, system_bus, svc = world
    config = tmp_path / "mail-settings.json"
    name = f"month{uuid.uuid4().hex[:6]}"
    profile = Profile(host=HOST, port=server.port, security="starttls", username=USER,
                      from_address=USER, cafile=ca_file, timeout=5.0)
    save_settings(profile, PASSWORD, None, config_path=config, profile_name=name,
                  allow_untested=True)
    ref = read_config(config).secret
    nowhere = f"{LOOPBACK}:{closed_port()}"  # a DNS server that does not exist: offline
    log = ["day  what happened                                   exit status     meaning"
           "       tries failing since              warnings monitoring"]
    table = []
    full_lines: dict[int, str] = {}  # one whole --monitoring line per state, for the log
    try:
        for day, what, status, mon_state, warnings in MONTH:
            offline = what == "offline"
            if what.startswith("421 at sign-in"):
                server.rec.auth_replies[:] = ["421 4.3.2 Service not available, try later"] * 4
            elif what.startswith("421 once"):
                server.rec.auth_replies[:] = ["421 4.3.2 Service not available, try later"]
            elif what.startswith("451"):
                server.rec.reply_to_mail = "451 4.3.0 Temporary local problem, try later"
            elif what.startswith("connections refused"):
                server.stop()
            elif what.startswith("password changed again"):
                server.rec.users[USER] = NEWER_PASSWORD
            elif what.startswith("password changed"):
                server.rec.users[USER] = NEW_PASSWORD
            elif what.startswith("fixed again"):
                set_secret(ref, NEWER_PASSWORD)
            elif what.startswith("fixed"):
                set_secret(ref, NEW_PASSWORD)
            elif what.startswith("ok (server back)"):
                server.start()
            spec = nowhere if offline else dns.spec
            p = run(config, day, spec, system_bus.address, "--notify", "--notify-wait", "0")
            record = json.loads(config.with_name("mail-settings.last-check.json").read_text())
            m = run(config, day, spec, system_bus.address, "--monitoring")  # one try
            server.rec.reply_to_mail = None
            server.rec.auth_replies.clear()
            failing = record.get("failing") or {}
            log.append(f"{day:3}  {what[:46]:46} {p.returncode:4} {record['status']:9} "
                       f"{record['meaning'] or '-':13} {record.get('tries', 1):5} "
                       f"{failing.get('since', '-'):26} {len(svc.received):8} "
                       f"{m.returncode} {m.stdout.strip()[:90]}")
            full_lines.setdefault(m.returncode, f"day {day}: exit {m.returncode}: "
                                  + m.stdout.strip())
            for n in svc.received[len(table):]:
                table.append((day, n.summary, n.body))
            assert record["status"] == status, (day, what, p.stdout, p.stderr)
            assert len(svc.received) == warnings, (day, what, [n.body for n in svc.received])
            assert m.returncode == mon_state, (day, what, m.stdout, m.stderr)
            assert len(m.stdout.splitlines()) == 1, m.stdout
            assert m.stdout.startswith("MAILWIZARD " + ("OK", "WARNING", "CRITICAL",
                                                        "UNKNOWN")[mon_state] + " - ")
            if mon_state in (0, 1, 2):  # a check ran: its timings after the |
                perf = m.stdout.split("|", 1)[1]
                assert perf.startswith("time=") and " resolve=" in perf, m.stdout
            if day == 6:
                assert record["tries"] == 2  # the 421 passed within the run
            if day == 13:  # offline in a broken week: since when is kept, not forgotten
                assert failing["since"] == "2027-03-11T09:30:00+00:00"
            if day in (12, 13, 17):  # the record in words, as `show` and `report` say it
                words = {12: "failed (checked 2027-03-12T09:30:00+00:00, exit code 24",
                         # checked after waiting 5 minutes for the network:
                         13: "not checked (this computer was offline at 2027-03-13T09:35",
                         17: "temporarily failing since 2027-03-17T09:30:00+00:00"}[day]
                for command in ("show", "report"):
                    out = mailwizard(command, "--config", str(config))
                    assert out.returncode == 0 and words in out.stdout, (day, command,
                                                                          out.stdout)
                    log.append(f"     {command}: " + next(
                        line.strip() for line in out.stdout.splitlines() if words in line))
    finally:
        text = "\n".join(log + ["", "warnings:"] + [f"  day {d}: {s} — {b}"
                                                   for d, s, b in table]
                         + ["", "check --monitoring, one whole line per state:"]
                         + [f"  {line}" for _code, line in sorted(full_lines.items())])
        print("\n" + text)
        (tmp_path / "month.log").write_text(text + "\n")
        if os.environ.get("MAILWIZARD_MONTH_LOG"):
            Path(os.environ["MAILWIZARD_MONTH_LOG"]).write_text(text + "\n")
        try:
            delete_secret(ref)
        except Exception:
            pass
    assert [d for d, _s, _b in table] == [11, 18, 21]
    assert "refused the saved password" in table[0][2]
    assert "This has lasted since 2027-03-17 09:30." in table[1][2]
    assert PASSWORD not in text and NEW_PASSWORD not in text
