"""The wizard with an administrator's site file: pre-selected provider, pre-filled and locked
fields, hidden service types, the settings file's place, the recipients per day — driven
like a person would, against a real loopback server and the real Secret Service."""

from __future__ import annotations

import json
import uuid

import keyring
import pytest
from conftest import PASSWORD, USER
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard
from support.gui import wait_result

from mailwizard.core.flow import Step
from mailwizard.core.profile import ServiceType


@pytest.fixture
def site_wizard(wizard):
    """Factory: site_wizard(site_file, config=None) -> the wizard started with that site file."""
    return lambda site_file, config=None: wizard(config, site_file)


def write_site(tmp_path, srv, ca_file, security="starttls") -> tuple:
    config = tmp_path / "site-chosen" / f"{uuid.uuid4().hex}.json"
    site = tmp_path / "site.toml"
    lines = ['provider = "custom"', 'locked = ["host", "port", "security"]',
             'hidden_services = ["exchange", "oauth"]',
             f'config_path = "{config}"', "recipients_per_day = 600", "[defaults]",
             f'host = "{srv.host}"', f"port = {srv.port}",
             f'security = "{security}"', f'cafile = "{ca_file}"',
             'display_name = "Riverside Society"']
    site.write_text("\n".join(lines) + "\n")
    return site, config


def test_site_defaults_are_shown_and_locked_fields_cannot_change(qtbot, site_wizard,
                                                                  smtp_server, ca_file,
                                                                  tmp_path, secret_service):
    srv = smtp_server("starttls")
    site, config = write_site(tmp_path, srv, ca_file)
    w = site_wizard(site)
    assert w.config_path == config  # where the site file says
    service = w.pages[Step.SERVICE]
    assert list(service.buttons) == [ServiceType.SMTP]  # Exchange and Connect are hidden
    assert service.buttons[ServiceType.SMTP].isChecked()
    w.next()
    provider = w.pages[Step.PROVIDER]
    assert provider.list.currentItem().data(Qt.UserRole) == "custom"  # pre-selected
    qtbot.keyClicks(provider.email, USER)
    w.next()
    account = w.pages[Step.ACCOUNT]
    assert w.currentId() == Step.ACCOUNT
    account.advanced_toggle.setChecked(True)
    assert account.host.text() == srv.host and account.port.value() == srv.port
    assert account.cafile.text() == ca_file
    assert account.display_name.text() == "Riverside Society"
    assert account.recipients.value() == 600
    for widget in (account.host, account.port):
        assert widget.isReadOnly() and widget.toolTip() == "Set by your administrator"
    assert not account.security.isEnabled()
    assert account.security.toolTip() == "Set by your administrator"
    assert not account.cafile.isReadOnly() and account.cafile.toolTip() == ""
    qtbot.keyClicks(account.host, "typed.example.org")  # read-only: nothing changes
    assert account.host.text() == srv.host and w.state.profile.host == srv.host
    qtbot.keyClicks(account.secret, PASSWORD)
    assert account.isComplete()
    w.next()
    validate = w.pages[Step.VALIDATE]
    validate.test_button.click()  # the test starts when asked
    wait_result(qtbot, validate)
    assert validate.result.ok, validate.diagnosis
    validate.copy_button.click()  # the same report as `mailwizard report`, with this check
    report = QApplication.clipboard().text()
    assert "== Versions and platform ==" in report and f"file: {site}" in report
    assert "locked: host, port, security" in report and "== Check ==" in report
    assert PASSWORD not in report
    w.next()
    w.next()
    qtbot.waitUntil(lambda: w.currentId() == Step.DONE, timeout=10000)
    saved = json.loads(config.read_text())["profile"]
    assert (saved["host"], saved["port"], saved["display_name"]) == (
        srv.host, srv.port, "Riverside Society")
    assert keyring.get_password("mailwizard", "default/password") == PASSWORD


def test_a_fix_that_needs_a_locked_field_is_not_offered(qtbot, site_wizard, smtp_server,
                                                        ca_file, tmp_path):
    srv = smtp_server("starttls")
    site, _ = write_site(tmp_path, srv, ca_file, security="tls")  # wrong, and locked
    w = site_wizard(site, config=tmp_path / "mail.json")
    w.next()
    qtbot.keyClicks(w.pages[Step.PROVIDER].email, USER)
    w.next()
    qtbot.keyClicks(w.pages[Step.ACCOUNT].secret, PASSWORD)
    w.next()
    validate = w.pages[Step.VALIDATE]
    validate.test_button.click()  # the test starts when asked
    wait_result(qtbot, validate)
    assert validate.diagnosis.suggestion == {"security": "starttls"}
    assert validate.fix_button.isHidden()
    assert "set by your administrator" in validate.explanation.text()
    assert not w.button(QWizard.NextButton).isEnabled()


def test_a_locked_provider_is_the_only_one_listed(qtbot, site_wizard, tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('provider = "microsoft-365"\nlocked = ["provider", "host"]\n'
                    'hidden_services = ["oauth"]\n')
    w = site_wizard(site, config=tmp_path / "mail.json")
    assert set(w.pages[Step.SERVICE].buttons) == {ServiceType.SMTP, ServiceType.EXCHANGE}
    w.next()
    provider = w.pages[Step.PROVIDER]
    assert provider.list.count() == 1
    assert provider.list.item(0).data(Qt.UserRole) == "microsoft-365"
    assert provider.search.isReadOnly()
    qtbot.keyClicks(provider.email, "someone@gmail.com")  # would select Gmail otherwise
    assert w.state.provider_id == "microsoft-365" and not provider.matched.text()
    w.next()
    account = w.pages[Step.ACCOUNT]
    assert account.host.text() == "smtp.office365.com" and account.host.isReadOnly()
    assert not account.port.isReadOnly()


def test_a_bad_site_file_is_reported_and_the_wizard_works_without_it(qtbot, site_wizard,
                                                                     tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('hidden_services = ["smtp", "exchange", "oauth"]\n')
    w = site_wizard(site, config=tmp_path / "mail.json")
    assert "every kind of service is hidden" in w.site_error and str(site) in w.site_error
    assert ServiceType.SMTP in w.pages[Step.SERVICE].buttons
    assert not w.site.exists


def test_exchange_fields_from_the_site_file(qtbot, site_wizard, tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('locked = ["ews_url", "ews_auth"]\nhidden_services = ["smtp", "oauth"]\n'
                    '[defaults]\nservice = "exchange"\n'
                    'ews_url = "https://mail.riverside.example.org/EWS/Exchange.asmx"\n'
                    'ews_auth = "basic"\ndomain = "RIVERSIDE"\n')
    w = site_wizard(site, config=tmp_path / "mail.json")
    assert list(w.pages[Step.SERVICE].buttons) == [ServiceType.EXCHANGE]
    w.next()
    ex = w.pages[Step.EXCHANGE]
    assert w.currentId() == Step.EXCHANGE
    assert ex.ews_url.text() == "https://mail.riverside.example.org/EWS/Exchange.asmx"
    assert ex.ews_url.isReadOnly() and ex.ews_url.toolTip() == "Set by your administrator"
    assert not ex.auth.isEnabled() and ex.auth.currentData() == "basic"
    assert ex.domain.text() == "RIVERSIDE" and not ex.domain.isReadOnly()
    qtbot.keyClicks(ex.email, "jsmith@riverside.example.org")
    # A locked address does not follow the email's domain.
    assert ex.ews_url.text() == "https://mail.riverside.example.org/EWS/Exchange.asmx"
    ex.username.clear()
    qtbot.keyClicks(ex.username, "jsmith")
    assert w.state.profile.username == "RIVERSIDE\\jsmith"
    assert not any(e.field == "ews_url" for e in w.state.site.locked_violations(
        w.state.profile))
