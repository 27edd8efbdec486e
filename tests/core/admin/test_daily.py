"""Issue 23, the parts of the daily check one by one: NetworkManager asked over a real
(private) system bus only when it runs, the wait for the network that checks again when it is
back, the back-off, the site file's [daily_check], and `check --monitoring` as an agent runs
it when the check cannot run."""

from __future__ import annotations

import os

import pytest
from conftest import USER
from dns_server import DnsServer, Zone
from networkmanager_service import NetworkManager
from notification_service import PrivateBus
from servers import LOOPBACK, closed_port
from support.cli import mailwizard

from mailwizard.core.admin import network
from mailwizard.core.admin.clock import VirtualClock, from_environment
from mailwizard.core.admin.daily import DailyPolicy, run_scheduled
from mailwizard.core.profile import Profile


@pytest.fixture
def system_bus(monkeypatch):
    bus = PrivateBus()
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.address)
    yield bus
    bus.stop()


def test_networkmanager_is_asked_only_when_it_is_on_the_bus(system_bus):
    assert network.networkmanager_state() is None  # not running: not asked, nothing started
    nm = NetworkManager(system_bus.address, connectivity=[1, 3, 4, 0], state=70).start()
    try:
        assert network.networkmanager_state() == network.OFFLINE    # none
        assert network.networkmanager_state() == network.OFFLINE    # limited
        assert network.networkmanager_state() == network.ONLINE     # full
        assert network.networkmanager_state() == network.ONLINE     # unknown: State 70
        nm.state = 20
        assert network.networkmanager_state() == network.OFFLINE    # disconnected
        assert network.network_state("mail.example.org") == (network.OFFLINE,
                                                              "NetworkManager")
    finally:
        nm.stop()


def test_without_networkmanager_the_resolver_is_asked(system_bus, monkeypatch):
    dns = DnsServer(Zone(a={"mail.society.test": LOOPBACK}))
    try:
        monkeypatch.setenv("MAILWIZARD_DNS_SERVER", dns.spec)
        assert network.network_state("mail.society.test") == (network.ONLINE, "DNS")
        assert network.resolver_state("no-such-name.society.test") == network.ONLINE  # NXDOMAIN
    finally:
        dns.stop()
    monkeypatch.setenv("MAILWIZARD_DNS_SERVER", f"{LOOPBACK}:{closed_port()}")
    assert network.network_state("mail.society.test") == (network.OFFLINE, "DNS")


def test_offline_at_the_start_the_check_waits_and_checks_again_when_the_network_is_back(
        system_bus, smtp_server, monkeypatch, tmp_path):
    """The timer fired at sign-in while Wi-Fi was still connecting: NetworkManager says "no
    connectivity" twice, then "full" — and at that moment the DNS server is reachable. The
    run waits (virtual minutes), checks again, passes: no failure recorded at all."""
    from mailwizard.core.admin.health import check_saved
    from mailwizard.core.store.config import SavedSettings

    srv = smtp_server("plain", auth_require_tls=False)
    dns = DnsServer(Zone(a={"mail.society.test": LOOPBACK}))
    monkeypatch.setenv("MAILWIZARD_DNS_SERVER", f"{LOOPBACK}:{closed_port()}")

    def network_back(connectivity):
        if connectivity == 4:
            os.environ["MAILWIZARD_DNS_SERVER"] = dns.spec

    nm = NetworkManager(system_bus.address, connectivity=[1, 1, 4],
                        on_answer=network_back).start()
    relay = Profile(host="mail.society.test", port=srv.port, security="none", auth="none",
                    username="", from_address=USER, timeout=5.0)
    saved = SavedSettings(profile=relay, secret=None, profile_name="default")
    clock = VirtualClock(1_800_000_000.0)
    try:
        out = run_scheduled(lambda: check_saved(saved), "mail.society.test",
                            policy=DailyPolicy(), clock=clock, previous=None)
    finally:
        nm.stop()
        dns.stop()
    print("\n".join(out.log))
    assert out.meaning is None and out.status == "ok" and out.tries == 2
    assert 0 < out.waited_offline <= 5 * 60
    assert clock.now() - 1_800_000_000.0 == out.waited_offline  # waited on the clock only
    assert "still offline" not in "\n".join(out.log)


def test_the_back_off_and_the_site_table():
    assert DailyPolicy().retry_waits() == [120.0, 480.0]  # 3 tries over 10 minutes
    assert DailyPolicy(tries=1).retry_waits() == []
    assert sum(DailyPolicy(tries=4, retry_minutes=21).retry_waits()) == 21 * 60


def test_a_bad_daily_check_table_names_the_key(tmp_path):
    from mailwizard.core.admin.site import SiteConfigError, load_site_config

    path = tmp_path / "site.toml"
    path.write_text("[daily_check]\nwarn_after_hours = 48\ntries = 2\n")
    policy = DailyPolicy.from_site(load_site_config(path))
    assert (policy.warn_after_hours, policy.tries, policy.retry_minutes) == (48, 2, 10.0)
    path.write_text("[daily_check]\ntries = \"3\"\n")
    with pytest.raises(SiteConfigError, match="daily_check.tries"):
        load_site_config(path)
    path.write_text("[daily_check]\nwarn_after = 3\n")
    with pytest.raises(SiteConfigError, match="warn_after_hours"):
        load_site_config(path)


def test_the_virtual_clock_comes_only_from_the_environment(monkeypatch):
    monkeypatch.delenv("MAILWIZARD_CLOCK", raising=False)
    assert not from_environment().virtual
    monkeypatch.setenv("MAILWIZARD_CLOCK", "2027-03-01T09:30:00Z")
    clock = from_environment()
    start = clock.now()
    clock.sleep(600)
    assert clock.now() - start == 600 and clock.iso() == "2027-03-01T09:40:00+00:00"


def test_monitoring_says_unknown_when_the_check_cannot_run(tmp_path):
    """As a Nagios/Icinga agent runs it: one line on stdout, exit code 3."""
    p = mailwizard("check", "--monitoring", "--config", str(tmp_path / "none.json"))
    assert p.returncode == 3, p.stderr
    assert p.stdout.startswith("MAILWIZARD UNKNOWN - the check could not run: ")
    assert len(p.stdout.splitlines()) == 1


def test_monitoring_ok_with_timings_per_stage(smtp_server, tmp_path):
    from mailwizard.core.store.config import SavedSettings, write_config

    srv = smtp_server("plain", auth_require_tls=False)
    config = tmp_path / "mail-settings.json"
    relay = Profile(host="127.0.0.1", port=srv.port, security="none", auth="none",
                    username="", from_address=USER, timeout=5.0)
    write_config(SavedSettings(profile=relay, secret=None, profile_name="default"), config)
    p = mailwizard("check", "--monitoring", "--config", str(config))
    assert p.returncode == 0, p.stdout + p.stderr
    text, perf = p.stdout.rstrip("\n").split("|")
    assert text.startswith(f"MAILWIZARD OK - 127.0.0.1:{srv.port}: ")
    labels = [item.split("=")[0] for item in perf.split()]
    assert labels[0] == "time" and "connect" in labels and "mail_from" in labels
    for item in perf.split():  # check_smtp's form: label=0.000821s;;;0.000000
        value = item.split("=")[1]
        assert value.endswith("s;;;0.000000") and float(value.split("s;")[0]) >= 0
    assert not config.with_name("mail-settings.last-check.json").exists()  # nothing recorded


def test_check_json_carries_the_class(tmp_path):
    """`check --json` says what a failure means; exit codes stay as documented."""
    from mailwizard.core.store.config import SavedSettings, write_config

    config = tmp_path / "mail-settings.json"
    relay = Profile(host="127.0.0.1", port=closed_port(), security="none", auth="none",
                    username="", from_address=USER, timeout=3.0)
    write_config(SavedSettings(profile=relay, secret=None, profile_name="default"), config)
    p = mailwizard("check", "--json", "--config", str(config))
    assert p.returncode == 21, p.stderr
    out = __import__("json").loads(p.stdout)
    assert (out["meaning"], out["status"]) == ("temporary", "temporary")
    assert out["failing"]["key"] == "21:connection_refused"
    assert out["diagnosis"]["code"] == "connection_refused"
