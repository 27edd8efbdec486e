"""The wizard finds the settings from the address: a real dnsmasq zone and real SMTP servers
on loopback; the user types only the address."""

from __future__ import annotations


import pytest
from PySide6.QtCore import Qt
from support.gui import wait_result

from mailwizard.core.flow import Step
from mailwizard.core.profile import Security

pytestmark = pytest.mark.needs_root("ports 465/587")


def start(wizard, world, tmp_path, ca_file, monkeypatch):
    monkeypatch.setenv("MAILWIZARD_DNS_SERVER", world.start())
    site = tmp_path / "site.toml"
    site.write_text(f'[defaults]\ncafile = "{ca_file}"\n\n[discovery]\nonline = false\n')
    w = wizard(config=tmp_path / "mail-settings.json", site_config=site)
    assert w.currentId() == Step.SERVICE
    w.next()
    return w, w.pages[Step.PROVIDER]


def chosen(provider):
    item = provider.list.currentItem()
    return item.data(Qt.UserRole) if item is not None else ""


def test_a_microsoft_365_domain_is_chosen_with_the_reason(qtbot, wizard, world, tmp_path,
                                                          ca_file, monkeypatch):
    d = "crystalheights.example"
    world.zone.mx.append((d, "crystalheights-example.mail.protection.outlook.com", 0))
    w, provider = start(wizard, world, tmp_path, ca_file, monkeypatch)
    qtbot.keyClicks(provider.email, f"billing@{d}")
    qtbot.waitUntil(lambda: chosen(provider) == "microsoft-365", timeout=10000)
    assert ("Your domain's mail is handled by Microsoft 365 (found from its mail servers)"
            in provider.discovery.message.text())
    qtbot.waitUntil(lambda: provider.discovery.progress.isHidden(), timeout=10000)
    assert provider.isComplete()
    w.next()
    account = w.pages[Step.ACCOUNT]
    assert (account.host.text(), account.port.value()) == ("smtp.office365.com", 587)
    assert account.username.text() == f"billing@{d}"


def test_a_self_hosted_domain_gets_the_probed_server_and_passes_the_test(
        qtbot, wizard, world, tmp_path, ca_file, monkeypatch):
    """The user types the address and the password, nothing else, and the test passes."""
    d = "riverside-society.example"
    box = world.mail(f"mail.{d}", 465, users={f"accounts@{d}": "app password 123"})
    w, provider = start(wizard, world, tmp_path, ca_file, monkeypatch)
    assert provider.discovery.progress.isHidden()
    qtbot.keyClicks(provider.email, f"accounts@{d}")
    qtbot.waitUntil(lambda: chosen(provider) == "custom", timeout=10000)
    assert (f"We tested mail.{d}: a secure connection works on port 465 (SSL/TLS) and its "
            f"certificate is valid") in provider.discovery.message.text()
    w.next()
    account = w.pages[Step.ACCOUNT]
    assert account.host.text() == f"mail.{d}" and account.port.value() == 465
    assert account.security.currentData() == Security.TLS.value
    assert world.auth_commands == 0  # discovery's probes never signed in
    qtbot.keyClicks(account.secret, "app password 123")
    w.next()
    validate = w.pages[Step.VALIDATE]
    validate.test_button.click()
    wait_result(qtbot, validate)
    assert validate.result.ok, validate.diagnosis
    assert box.recorder.logins == [f"accounts@{d}"]  # the check's one sign-in
    world.checked_logins = 1


def test_an_unknown_domain_says_so_in_words(qtbot, wizard, world, tmp_path, ca_file,
                                            monkeypatch):
    w, provider = start(wizard, world, tmp_path, ca_file, monkeypatch)
    qtbot.keyClicks(provider.email, "office@nowhere.example")
    qtbot.waitUntil(lambda: "could not find the settings for nowhere.example"
                    in provider.discovery.message.text(), timeout=15000)
    assert chosen(provider) == "" and not provider.isComplete()
    assert "Other / my own server" in provider.discovery.message.text()


def test_a_regional_zoho_address_gets_its_regions_server(qtbot, wizard, world, tmp_path,
                                                         ca_file, monkeypatch):
    w, provider = start(wizard, world, tmp_path, ca_file, monkeypatch)
    qtbot.keyClicks(provider.email, "accounts@zohomail.in")
    qtbot.waitUntil(lambda: chosen(provider) == "zoho", timeout=5000)
    w.next()
    account = w.pages[Step.ACCOUNT]
    assert (account.host.text(), account.port.value()) == ("smtp.zoho.in", 465)


def test_a_provider_that_takes_only_oauth2_leads_to_connect(qtbot, wizard, world, tmp_path,
                                                            ca_file, monkeypatch):
    """windowslive.com is on Microsoft's servers by Thunderbird's list (no preset names it):
    the list says OAuth2 only, so the page points to Connect and fills no password route."""
    w, provider = start(wizard, world, tmp_path, ca_file, monkeypatch)
    qtbot.keyClicks(provider.email, "accounts@windowslive.com")
    qtbot.waitUntil(lambda: "Connect an email service" in provider.discovery.message.text(),
                    timeout=10000)
    assert "Microsoft" in provider.discovery.message.text()
    assert chosen(provider) == "" and not provider.isComplete()
    assert provider.discovery.use_button.isHidden()
