"""Steps 0–2: what to do with saved settings, which kind of service, which provider."""

from __future__ import annotations

from PySide6 import QtCore
# Widget classes are reached through the module so that PySide6 sets each type up only
# when build() first uses it, not when the wizard starts.
from PySide6 import QtWidgets as W

from mailwizard.core.flow import SERVICE_AVAILABILITY, Resume, visible_services
from mailwizard.core.profile import ServiceType
from mailwizard.gui.wizard import FlowPage, set_by_name


def _hint(text: str) -> W.QLabel:
    label = W.QLabel(text)
    label.setWordWrap(True)
    label.setIndent(24)
    return label


def _radio(text: str, hint: str) -> W.QRadioButton:
    """A choice whose hint underneath is also its description for a screen reader."""
    button = W.QRadioButton(text)
    button.setAccessibleDescription(hint)
    return button


def configured_connect(wiz) -> list[str]:
    """The sign-in services (google, microsoft) this installation has a client ID for."""
    from mailwizard.core.oauth.flow import client_settings

    return [pid for pid in ("google", "microsoft")
            if client_settings(pid, site=wiz.site.raw or None) is not None]


def show_for_it(parent: W.QWidget, pids: list[str]) -> W.QMessageBox:
    """The steps for whoever installs the program: how to register sign-in."""
    from mailwizard.core.oauth.flow import not_configured_help

    box = W.QMessageBox(parent)
    box.setWindowTitle(parent.tr("For IT: setting up sign-in"))
    box.setText(parent.tr("These steps are for your IT contact or ERP vendor. You can copy "
                          "them from here."))
    box.setDetailedText("\n\n".join(not_configured_help(pid) for pid in pids))
    # The button to the steps is Qt's, in the user's language: name it as it appears.
    details = next((b for b in box.buttons()
                    if box.buttonRole(b) == W.QMessageBox.ActionRole), None)
    name = details.text().replace("&", "").rstrip(".…") if details is not None else ""
    box.setInformativeText(parent.tr("Press \u201c{button}\u201d to see them.")
                           .format(button=name))
    box.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse
                                | QtCore.Qt.TextSelectableByKeyboard)
    parent.for_it_box = box
    box.open()
    return box


class ResumePage(FlowPage):
    def build(self) -> None:
        self.setTitle(self.tr("Your email is already set up"))
        layout = W.QVBoxLayout(self.body)
        self.current = W.QLabel()
        self.current.setWordWrap(True)
        set_by_name(self.current, textFormat="PlainText")  # no Qt namespace yet: flowpage.py
        layout.addWidget(self.current)
        self.group = W.QButtonGroup(self)
        self.choices = {
            Resume.PASSWORD_CHANGED: (self.tr("My &password changed"), self.tr(
                "Keep every setting and just enter the new password (or app password).")),
            Resume.CHANGE_SETTINGS: (self.tr("&Change settings"), self.tr(
                "Go through the steps again with your current settings filled in.")),
            Resume.START_OVER: (self.tr("Start &over"), self.tr(
                "Set up email from scratch. Your saved settings stay until you save new ones.")),
        }
        self.buttons: dict[Resume, W.QRadioButton] = {}
        for choice, (text, hint) in self.choices.items():
            button = _radio(text, hint)
            self.group.addButton(button)
            self.buttons[choice] = button
            button.toggled.connect(lambda on, c=choice: on and self._choose(c))
            layout.addWidget(button)
            layout.addWidget(_hint(hint))
        layout.addStretch(1)

    def enter(self) -> None:
        wiz = self.wiz()
        p = wiz.saved.profile if wiz.saved else None
        if p is not None:
            self.setSubTitle(self.tr("What would you like to do?"))
            self.current.setText(self.tr("Saved: sending as {address} through {server}.")
                                 .format(address=p.from_address, server=p.server_text()))
        if p is not None and p.service is ServiceType.OAUTH:
            self.buttons[Resume.PASSWORD_CHANGED].setText(self.tr("Sign in &again"))
        if self.state.resume is None:
            self.buttons[Resume.PASSWORD_CHANGED].setChecked(True)
        QtCore.QTimer.singleShot(0, self.group.checkedButton().setFocus)

    def _choose(self, choice: Resume) -> None:
        wiz = self.wiz()
        self.state.resume = choice
        if choice is Resume.START_OVER:
            wiz.start_over()
        else:
            wiz.restore_saved()
        self.changed()


class ServicePage(FlowPage):
    def build(self) -> None:
        self.setTitle(self.tr("How does your organisation send email?"))
        self.setSubTitle(self.tr("Choose the kind of email service. If you are not sure, "
                                 "choose the first one."))
        layout = W.QVBoxLayout(self.body)
        self.group = W.QButtonGroup(self)
        texts = {
            ServiceType.SMTP: (self.tr("&Web mail / SMTP server"), self.tr(
                "Gmail, Microsoft 365, Outlook.com, Yahoo, Zoho, Amazon SES, your web host's "
                "mail, or your own mail server.")),
            ServiceType.EXCHANGE: (self.tr("Microsoft &Exchange (EWS)"), self.tr(
                "Your organisation's own Exchange server, reached through its web address "
                "(EWS). Not for Microsoft 365: Microsoft has switched that off there.")),
            ServiceType.OAUTH: (self.tr("&Connect an email service (Google, Microsoft)"),
                                self.tr("Sign in in your web browser instead of typing a "
                                        "password.")),
        }
        self.buttons: dict[ServiceType, W.QRadioButton] = {}
        self.hints: dict[ServiceType, W.QLabel] = {}
        self.texts = texts
        self.layout_ = layout
        visible = visible_services(self.state)  # the administrator may hide some
        self.connect_ready: list[str] | None = None  # checked once the window shows
        self.for_it = None
        for service, (text, hint) in texts.items():
            if service not in visible:
                continue
            button = _radio(text, hint)
            reason = SERVICE_AVAILABILITY.get(service)
            self.group.addButton(button)
            self.buttons[service] = button
            layout.addWidget(button)
            hint_label = _hint(hint)
            layout.addWidget(hint_label)
            self.hints[service] = hint_label
            if reason:
                self._unavailable(service, reason)
            button.toggled.connect(lambda on, s=service: on and self._choose(s))
        layout.addStretch(1)

    def _unavailable(self, service: ServiceType, reason: str) -> None:
        button = self.buttons[service]
        hint = self.texts[service][1] + "\n" + reason
        button.setEnabled(False)
        button.setToolTip(reason)
        button.setAccessibleDescription(hint)
        if service in self.hints:
            self.hints[service].setText(hint)
            self.hints[service].setEnabled(False)

    def check_connect(self) -> None:
        """Whether sign-in (Connect) is set up here: without a client ID it is shown disabled
        with one plain sentence, and the steps for IT are behind a link. Checked just after
        the first page shows (it reads the OAuth settings, which start-up does not need)."""
        if self.connect_ready is not None or ServiceType.OAUTH not in self.buttons:
            return
        self.connect_ready = configured_connect(self.wiz())
        if self.connect_ready:
            return
        service = ServiceType.OAUTH
        was_chosen = self.buttons[service].isChecked()
        self._unavailable(service, self.tr("Your ERP vendor or IT has not set up sign-in "
                                           "with Google or Microsoft yet."))
        from mailwizard.gui.widgets import LinkButton

        self.for_it = LinkButton(self.tr("For IT: how to set up sign-in"), "")
        self.for_it.setContentsMargins(20, 0, 0, 0)
        self.for_it.button.setAccessibleDescription(self.tr(
            "Shows the steps for setting up sign-in with Google or Microsoft"))
        self.for_it.button.setToolTip("")
        self.for_it.button.clicked.disconnect()
        self.for_it.button.clicked.connect(lambda: show_for_it(self, ["google", "microsoft"]))
        index = self.layout_.indexOf(self.hints[service]) + 1
        self.layout_.insertWidget(index, self.for_it, 0, QtCore.Qt.AlignLeading)
        if was_chosen:
            self.enter()

    def enter(self) -> None:
        if self.connect_ready is None:  # after the first page has been painted
            # With the page as the timers' context: a window closed before they fire takes
            # them with it (no call into a deleted page).
            QtCore.QTimer.singleShot(0, self, lambda: QtCore.QTimer.singleShot(
                0, self, self.check_connect))
        usable = [s for s, b in self.buttons.items() if b.isEnabled()]
        service = self.state.service if self.state.service in usable else \
            (usable[0] if usable else None)
        if service is not None:
            self.buttons[service].setChecked(True)
            self.state.service = service
            QtCore.QTimer.singleShot(0, self.buttons[service].setFocus)
        self.changed()

    def _choose(self, service: ServiceType) -> None:
        st = self.state
        st.service = service
        if st.profile.service is ServiceType.EXCHANGE and service is not ServiceType.EXCHANGE:
            st.preset_applied = ""  # the provider preset must fill the SMTP settings again
        self.changed()


class ProviderPage(FlowPage):
    def build(self) -> None:
        self.setTitle(self.tr("Who provides your email?"))
        self.setSubTitle(self.tr("Type your email address: we recognise the common "
                                 "providers. Or pick yours from the list."))
        layout = W.QVBoxLayout(self.body)
        form = W.QFormLayout()
        self.email = W.QLineEdit()
        self.email.setPlaceholderText(self.tr("for example accounts@your-society.org"))
        form.addRow(self.tr("Your &email address:"), self.email)
        self.search = W.QLineEdit()
        self.search.setPlaceholderText(self.tr("Type to search, e.g. Gmail, Zoho, Amazon"))
        self.search.setClearButtonEnabled(True)
        for button in self.search.findChildren(W.QToolButton):  # the icon-only clear button
            button.setAccessibleName(self.tr("Clear search"))
        form.addRow(self.tr("&Find provider:"), self.search)
        layout.addLayout(form)
        self.list = W.QListWidget()
        self.list.setAccessibleName(self.tr("Email providers"))
        layout.addWidget(self.list, 1)
        self.matched = W.QLabel()
        self.matched.setWordWrap(True)
        layout.addWidget(self.matched)
        from mailwizard.gui.discovery import DiscoveryPanel  # finds a custom domain's settings

        self.discovery = DiscoveryPanel(self)
        layout.addWidget(self.discovery)
        self.discovery.chosen.connect(self._select)
        self.email.textChanged.connect(self._email_changed)
        self.search.textChanged.connect(self._fill)
        self.list.currentItemChanged.connect(self._selected)
        self.list.itemActivated.connect(lambda _: self.wiz().next())
        # Down in either box goes to the list; Enter in the search takes its choice.
        self.email.installEventFilter(self)
        self.search.installEventFilter(self)
        self.list.setMinimumHeight(90)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.KeyPress and obj in (self.email, self.search):
            if event.key() == QtCore.Qt.Key_Down and self.list.count():
                if self.list.currentRow() < 0:
                    self.list.setCurrentRow(0)
                self.list.setFocus()
                return True
            if event.key() in (QtCore.Qt.Key_Return, QtCore.Qt.Key_Enter) \
                    and obj is self.search and self.list.count() and \
                    self.list.currentItem() is None:
                self.list.setCurrentRow(0)
                return True
        return super().eventFilter(obj, event)

    def enter(self) -> None:
        site = self.state.site
        if site.is_locked("provider"):  # the administrator chose it: shown, not changeable
            self.state.provider_id = site.provider
            self.search.setReadOnly(True)
            self.search.setToolTip(self.tr("Set by your administrator"))
            self.list.setToolTip(self.tr("Set by your administrator"))
        self.email.setText(self.state.email)
        self._fill()
        QtCore.QTimer.singleShot(0, self.email.setFocus)

    def _fill(self) -> None:
        keep = self.state.provider_id
        locked = self.state.site.is_locked("provider")
        self.list.blockSignals(True)
        self.list.clear()
        for preset in self.wiz().catalogue.search(self.search.text()):
            if preset.service is not ServiceType.SMTP:
                continue  # Exchange presets belong to the Exchange service type
            if locked and preset.id != keep:
                continue
            item = W.QListWidgetItem(preset.name)
            item.setData(QtCore.Qt.UserRole, preset.id)
            item.setToolTip(preset.summary)  # providers.toml, translated by the preset
            self.list.addItem(item)
            if preset.id == keep:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if self.list.count() == 1 and self.list.currentItem() is None and self.search.text():
            self.list.setCurrentRow(0)  # one result: that is the choice
        self.changed()

    def _email_changed(self, text: str) -> None:
        self.state.email = text.strip()
        if self.state.site.is_locked("provider"):
            return  # the administrator's provider stays, whatever the address says
        match = self.wiz().catalogue.match_email(text)
        if match:
            self.search.clear()
            self._select(match.id)
            self.matched.setText(self.tr("Recognised: {provider}.").format(provider=match.name))
            self._explain_connect_only(match)
        else:
            self.matched.clear()
        self.discovery.address_changed(text, recognised=match.id if match else "")
        if not self.state.provider_id and self.list.currentItem() is not None:
            self.list.setCurrentItem(None)  # it was chosen for the address as it was
            self.changed()

    def stop_work(self) -> None:
        self.discovery.stop()

    def _explain_connect_only(self, preset) -> None:
        """A preset that takes no password (Outlook.com): say where to go instead of Next."""
        if preset is not None and preset.connect_only:
            self.matched.setText(self.tr("{provider} accounts no longer accept a password, "
                                         "not even an app password. Go Back and choose "
                                         "“Connect an email service”.")
                                 .format(provider=preset.name))

    def _select(self, provider_id: str) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(QtCore.Qt.UserRole) == provider_id:
                self.list.setCurrentItem(item)
                return

    def _selected(self, item, _previous=None) -> None:
        if item is None:
            return
        provider_id = item.data(QtCore.Qt.UserRole)
        if provider_id != self.state.provider_id:
            self.state.provider_id = provider_id
            self.state.invalidate()
        self._explain_connect_only(self.wiz().catalogue.get(provider_id))
        self.changed()
