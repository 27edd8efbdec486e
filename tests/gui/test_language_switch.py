"""The language list on the wizard's first page (gui/language.py): reached and used by keyboard,
named for screen readers, switching every text of the wizard at once without losing anything
typed, remembered for the next start, and overridden by --lang, MAILWIZARD_LANG and the site
file (docs/TRANSLATING.md, "Which language is used")."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, USER
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard
from support.texts import english_words, plain, shown_texts, unmarked
from walk import settle

from mailwizard.core import i18n
from mailwizard.core.flow import Step


@pytest.fixture
def config_home(tmp_path, monkeypatch):
    """The user's config folder (where the choice is remembered) in tmp_path; no language
    named by the environment, so the remembered one can count."""
    home = tmp_path / "config-home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv("MAILWIZARD_LANG", raising=False)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    yield home
    _back_to("en")


def _back_to(code: str) -> None:
    """The language and Qt's translators as a start in `code` leaves them."""
    from PySide6.QtCore import QTranslator

    from mailwizard.gui.app import install_translations

    app = QApplication.instance()
    i18n.set_language(code)
    if app is not None:
        for t in app.findChildren(QTranslator):
            app.removeTranslator(t)
            t.deleteLater()
        install_translations(app)


def choose_by_keyboard(qtbot, w, code: str) -> None:
    """Alt+L (the label's mnemonic) to the list, then arrow keys to `code`."""
    page = w.currentPage()
    combo = page.language_chooser.combo
    settle(qtbot, w)
    qtbot.waitUntil(lambda: w.isAncestorOf(QApplication.focusWidget()))  # the page's focus
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_L, Qt.AltModifier)
    qtbot.waitUntil(combo.hasFocus)
    target = combo.findData(code)
    assert target >= 0, f"{code} is not in the list"
    key = Qt.Key_Down if target > combo.currentIndex() else Qt.Key_Up
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, key)
    qtbot.waitUntil(lambda: i18n.language() == code)


def english_left(qtbot, w, data) -> list[str]:
    settle(qtbot, w)
    return [f"{where}: {plain(text)[:80]!r}" for where, text in shown_texts(w)
            if english_words(text, data)]


def fill_later_pages(qtbot, w) -> None:
    """An address on the provider page, a search, and a password on the account page; then
    Back to the first page."""
    w.next()
    provider = w.pages[Step.PROVIDER]
    qtbot.keyClicks(provider.email, USER)
    qtbot.keyClicks(provider.search, "other")
    w.next()
    assert w.currentId() == Step.ACCOUNT
    account = w.pages[Step.ACCOUNT]
    qtbot.keyClicks(account.secret, PASSWORD)
    account.advanced_toggle.setChecked(True)
    account.port.setValue(2525)
    account.security.setCurrentIndex(account.security.findData("tls"))
    while w.currentId() != w.startId():
        w.back()


def shown_in_full(qtbot, w) -> None:
    """The first page once it has made its own look, just after it is shown (again after a
    switch rebuilds it), at whether sign-in (Connect) is set up here: without a client ID that
    adds its sentences and the For IT link. Waited for, so that what is compared is the page
    as a person sees it, not a page caught before that look on a busy machine."""
    service = w.pages[Step.SERVICE]
    qtbot.waitUntil(lambda: service.connect_ready is not None, timeout=15000)
    settle(qtbot, w)


def texts(w) -> set[str]:
    """(A control's accessible name is made from its text when the text has a bracketed
    mnemonic, "आगे (&N) >": after Hindi, English "Next >" is such a name.)"""
    return {t for where, t in shown_texts(w) if t and not where.endswith("accessible name")}


def test_switching_changes_every_text_and_keeps_what_was_typed(qtbot, wizard, config_home,
                                                                tmp_path):
    w = wizard()
    assert w.currentId() == Step.SERVICE
    fill_later_pages(qtbot, w)
    shown_in_full(qtbot, w)
    english_first = texts(w)
    english_title = w.windowTitle()

    choose_by_keyboard(qtbot, w, "hi")
    shown_in_full(qtbot, w)
    # the example name in the account page's placeholder is kept in Latin letters by hi.po
    data = [USER, str(tmp_path), "Riverside Society accounts"]
    assert english_left(qtbot, w, data) == []
    assert w.windowTitle() != english_title
    assert texts(w).isdisjoint({"Cancel", "&Next >", "Next >"})
    assert w.button(QWizard.NextButton).text() != "&Next >"
    assert "सेवा" in w.steps_panel.text()  # the side panel ("Kind of service")
    w.next()
    provider = w.pages[Step.PROVIDER]
    assert provider.email.text() == USER and provider.search.text() == "other"
    assert english_left(qtbot, w, data) == []
    w.next()
    account = w.pages[Step.ACCOUNT]
    assert account.secret.text() == PASSWORD
    assert account.port.value() == 2525 and account.security.currentData() == "tls"
    assert english_left(qtbot, w, data) == []

    w.back()
    w.back()
    choose_by_keyboard(qtbot, w, "en")
    shown_in_full(qtbot, w)
    assert w.windowTitle() == english_title
    after = [(where, t) for where, t in shown_texts(w) if t not in english_first]
    assert texts(w) == english_first, after
    w.next()
    assert w.pages[Step.PROVIDER].email.text() == USER
    w.next()
    account = w.pages[Step.ACCOUNT]
    assert account.secret.text() == PASSWORD
    assert account.port.value() == 2525 and account.security.currentData() == "tls"
    assert w.button(QWizard.BackButton).text() == "< &Back"


def test_every_text_of_the_first_page_comes_from_the_catalogue(qtbot, wizard, config_home):
    """From English to the pseudo-language and back: no text of the first page stays as it
    was (the language list's own entries are languages' names, not sentences)."""
    _back_to("en-XA")
    w = wizard()
    combo = w.currentPage().language_chooser.combo
    assert combo.itemData(combo.currentIndex()) == "en-XA"
    choose_by_keyboard(qtbot, w, "en")
    choose_by_keyboard(qtbot, w, "en-XA")
    settle(qtbot, w)
    left = [f"{where}: {text!r}" for where, text in shown_texts(w) if unmarked(text, [])]
    assert left == []


def test_the_list_is_reachable_named_and_names_each_language_in_its_script(qtbot, wizard,
                                                                          config_home):
    w = wizard()
    chooser = w.currentPage().language_chooser
    combo = chooser.combo
    codes = [combo.itemData(i) for i in range(combo.count())]
    assert codes[0] == "en" and "hi" in codes
    assert combo.itemText(codes.index("hi")) == "हिन्दी"
    assert combo.itemText(0) == "English"
    qtbot.waitUntil(lambda: combo.accessibleName() == "Language")
    assert chooser.label.buddy() is combo and combo.isEnabled()
    # Tab reaches it from the page's first control
    settle(qtbot, w)
    for _ in range(12):
        if combo.hasFocus():
            break
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
    assert combo.hasFocus()
    choose_by_keyboard(qtbot, w, "hi")
    assert w.currentPage().language_chooser.combo.accessibleName() == "भाषा"


def test_the_choice_is_remembered_and_overridden_as_documented(qtbot, wizard, config_home,
                                                              tmp_path):
    from mailwizard.gui.app import start_language

    w = wizard()
    choose_by_keyboard(qtbot, w, "hi")
    remembered = config_home / "mailwizard" / "language"
    assert remembered.read_text(encoding="utf-8").strip() == "hi"
    assert not (tmp_path / "mail-settings.json").exists()  # not in the ERP's settings
    assert start_language([]) == "hi"  # the next start
    assert start_language(["--lang", "en"]) == "en"
    site = tmp_path / "site.toml"
    site.write_text('language = "en"\n', encoding="utf-8")
    assert start_language(["--site-config", str(site)]) == "en"
    import os

    os.environ["MAILWIZARD_LANG"] = "en"  # restored by the fixtures
    assert start_language([]) == "en"
    del os.environ["MAILWIZARD_LANG"]
    remembered.unlink()
    assert start_language([]) == "en"  # the system's (C.UTF-8: none, so English)


def test_a_site_file_that_names_the_language_shows_the_list_disabled(qtbot, wizard,
                                                                     config_home, tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('language = "hi"\n', encoding="utf-8")
    w = wizard(tmp_path / "mail-settings.json", site_config=site)
    chooser = w.currentPage().language_chooser
    assert not chooser.combo.isEnabled()
    assert chooser.why.isVisible() and chooser.why.text()
    assert chooser.combo.accessibleDescription() == chooser.why.text()


def test_the_resume_page_switches_too_and_keeps_the_choice(qtbot, wizard, config_home, tmp_path,
                                                          smtp_server, ca_file, secret_service):
    """With saved settings the first page is the resume page: its list switches it as well."""
    from mailwizard.core.checks.smtp import run_check
    from mailwizard.core.flow import Resume
    from mailwizard.core.profile import Profile
    from mailwizard.core.store.save import save_settings

    srv = smtp_server("starttls")
    config = tmp_path / "saved.json"
    profile = Profile(host=srv.host, port=srv.port, security="starttls", username=USER,
                      from_address=USER, display_name="Riverside", cafile=ca_file)
    save_settings(profile, PASSWORD, run_check(profile, PASSWORD), config_path=config)
    w = wizard(config)
    assert w.currentId() == Step.RESUME
    resume = w.pages[Step.RESUME]
    resume.buttons[Resume.START_OVER].click()
    choose_by_keyboard(qtbot, w, "hi")
    assert resume.buttons[Resume.START_OVER].isChecked()
    assert w.state.resume is Resume.START_OVER
    assert english_left(qtbot, w, [USER, srv.host, str(srv.port), "Riverside"]) == []
