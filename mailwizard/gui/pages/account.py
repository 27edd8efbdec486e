"""Step 3: the account — address, name, user name, password — with the provider's guidance
beside the fields and the server settings under Advanced."""

from __future__ import annotations

from PySide6 import QtCore
# Widget classes are reached through the module so that PySide6 sets each type up only
# when build() first uses it, not when the wizard starts.
from PySide6 import QtWidgets as W

from mailwizard.core.flow import preset_profile, settle_secret, stored_secret_allowed
from mailwizard.core.profile import AuthMethod, Profile, check_email
from mailwizard.gui.pages.account_fields import AccountFields, side_by_side
from mailwizard.gui.pages.guidance import ProviderGuidance
from mailwizard.gui.pages.server_settings import ServerSettings
from mailwizard.gui.style import style_text
from mailwizard.gui.widgets import wrapped
from mailwizard.gui.wizard import FlowPage

#: what other pages take from here (connect.py: the fields beside the help)
__all__ = ["AccountFields", "AccountPage", "side_by_side"]


def _with_mnemonic(label: str) -> str:
    """"App password" -> "App &password": P is this field's key; A is taken by Advanced.
    A label in another script keeps P as its key, after the words: "ऐप पासवर्ड (&P)"."""
    for word in ("password", "Password", "key", "Key"):
        if word in label:
            return label.replace(word, "&" + word, 1)
    if label[:1].isascii() and label[:1].isalpha():
        return "&" + label
    return label + " (&P)"


class AccountPage(AccountFields, FlowPage):
    def build(self) -> None:
        self.setTitle(self.tr("Your account"))
        self._loading = False
        self._touched: set[str] = set()
        self._follow_from = True  # From follows the email address until edited
        self._follow_user = True  # so does the user name
        self._seen_saved = False
        self.errors: dict[str, W.QLabel] = {}

        outer = W.QBoxLayout(W.QBoxLayout.LeftToRight, self.body)
        left = W.QWidget()
        # The fields' form, then the sending-limit note and the server settings under it, in
        # a column: a long wrapped note as a row of the form got the height of a narrower
        # width (QFormLayout) and lost its last line.
        column = W.QVBoxLayout(left)
        column.setSpacing(4)
        self._build_account_form(column)
        # The provider's daily limit, right where the user says how many they mail.
        self.limit_note = wrapped()
        style_text(self.limit_note, "warning", bold=True)
        self.limit_note.hide()
        column.addWidget(self.limit_note)
        self._build_server_settings(column)
        column.addStretch(1)

        outer.addWidget(left, 3)
        # The provider's steps and links: real controls, reached with Tab after the fields.
        self.guidance = ProviderGuidance(self.tr("Help for your provider"))
        outer.addWidget(self.guidance, 2)
        side_by_side(self, self.body, outer)
        self._connect_fields()

    def _build_account_form(self, column: W.QVBoxLayout) -> None:
        """Who the user is and how they sign in: address, name, From, user name, password
        (with its notes and "Keep the saved password") and how many people they mail a day."""
        form = W.QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        column.addLayout(form)
        form.setFieldGrowthPolicy(W.QFormLayout.AllNonFixedFieldsGrow)
        # Labels above the fields: each field gets the column's whole width, so a long
        # address shows in full (beside their labels, fields were a third as wide).
        form.setRowWrapPolicy(W.QFormLayout.WrapAllRows)
        form.setVerticalSpacing(4)

        def row(label: str, widget: W.QWidget, key: str) -> None:
            self._add_row(form, label, widget, key)

        self._add_saved_note(form)
        self.email = W.QLineEdit()
        row(self.tr("&Email address:"), self.email, "email")
        self.display_name = W.QLineEdit()
        self.display_name.setPlaceholderText(self.tr("e.g. Riverside Society accounts"))
        row(self.tr("Your na&me (shown to recipients):"), self.display_name, "display_name")
        self.from_address = W.QLineEdit()
        row(self.tr("&From address:"), self.from_address, "from_address")
        self.username = W.QLineEdit()
        row(self.tr("&User name:"), self.username, "username")

        secret_box = self._secret_box()
        self._add_row(form, self.tr("&Password:"), secret_box, "secret", buddy=self.secret)
        self.secret_row_label = form.labelForField(secret_box)
        self._add_secret_note(form)
        self.keep_secret = W.QCheckBox(self.tr("&Keep the saved password"))
        form.addRow(self.keep_secret)

        self.recipients = W.QSpinBox()
        self.recipients.setRange(0, 1_000_000)
        self.recipients.setSingleStep(50)
        self.recipients.setSpecialValueText(self.tr("I don't know"))
        self.recipients.setSuffix(self.tr(" people"))
        row(self.tr("About how many people do you email a &day?"), self.recipients,
            "recipients")

    def _build_server_settings(self, column: W.QVBoxLayout) -> None:
        """Advanced: the server settings, pre-filled from the preset, behind a toggle."""
        self.advanced_toggle = W.QToolButton()
        self.advanced_toggle.setText(self.tr("&Advanced: server settings"))
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(QtCore.Qt.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(QtCore.Qt.RightArrow)
        column.addWidget(self.advanced_toggle, 0, QtCore.Qt.AlignLeading)
        self.advanced = ServerSettings(self._add_row)
        self.adv_form = self.advanced.form
        self.host, self.region, self.port = (self.advanced.host, self.advanced.region,
                                             self.advanced.port)
        self.security, self.auth = self.advanced.security, self.advanced.auth
        ca_box = self._ca_box()
        self._add_row(self.adv_form, self.tr("CA &certificate file:"), ca_box, "cafile",
                      buddy=self.cafile)
        self.advanced.hide()
        column.addWidget(self.advanced)

    def _connect_fields(self) -> None:
        """Each field's changes to the flow, and Tab through the account's fields in the
        order they are read."""
        for w in (self.email, self.display_name, self.from_address, self.username, self.secret,
                  self.host, self.cafile):
            w.textEdited.connect(self._edited)
        self.port.valueChanged.connect(self._edited)
        self.security.currentIndexChanged.connect(self._edited)
        self.auth.currentIndexChanged.connect(self._edited)
        self.region.currentIndexChanged.connect(self._region_changed)
        self.recipients.valueChanged.connect(self._recipients_changed)
        self.keep_secret.toggled.connect(self._keep_secret_toggled)
        self.advanced_toggle.toggled.connect(self._toggle_advanced)

        self.setTabOrder(self.email, self.display_name)
        self.setTabOrder(self.display_name, self.from_address)
        self.setTabOrder(self.from_address, self.username)
        self.setTabOrder(self.username, self.secret)
        self.setTabOrder(self.secret, self.show_secret)
        self.setTabOrder(self.show_secret, self.keep_secret)
        self.setTabOrder(self.keep_secret, self.recipients)
        self.setTabOrder(self.recipients, self.advanced_toggle)

    # -- loading ------------------------------------------------------------------------
    def enter(self) -> None:
        wiz, st = self.wiz(), self.state
        provider = wiz.provider
        self._loading = True
        self._settle_profile(provider)
        # A password typed for another server or user is not offered for this one.
        settle_secret(st)
        p = st.profile
        self._show_profile(provider)
        keeps = wiz.keeps_saved_password
        self.keep_secret.setVisible(keeps)
        self.keep_secret.setChecked(keeps and not st.secret)
        self._apply_locks()
        self._apply_secret_only()
        # No server name yet (my own server): the server settings must be visible.
        # Once open (by the user, or for a fix applied on the test page) it stays open, so
        # the current server settings are in view when coming Back.
        fixed = bool(wiz.fixed_fields & {"host", "port", "security", "auth", "cafile"})
        wiz.fixed_fields = set()
        self.advanced_toggle.setChecked(not st.secret_only and (
            not p.host or fixed or self.advanced_toggle.isChecked()))
        self._loading = False
        self._sync()
        self.setSubTitle(self._subtitle())
        self._fill_guidance()
        self._focus_first()

    def _settle_profile(self, provider) -> None:
        """The settings to show: a new provider's preset, or the address typed on the
        provider page followed into From and the user name (until the user edits them)."""
        wiz, st = self.wiz(), self.state
        if wiz.saved is not None and not self._seen_saved:
            # Saved settings: the user name follows the address only if it was the address.
            self._seen_saved = True
            self._follow_user = st.profile.username == st.profile.from_address
        # A locked field never follows the address.
        if st.site.is_locked("from_address"):
            self._follow_from = False
        if st.site.is_locked("username"):
            self._follow_user = False
        if provider and st.preset_applied != provider.id:
            # A new provider: its preset fills the settings (display name is kept), the
            # administrator's defaults and locks on top.
            st.profile = preset_profile(st, provider)
            st.preset_applied = provider.id
            self._follow_from = not st.site.is_locked("from_address")
            self._follow_user = not st.site.is_locked("username")
            self._touched.clear()
        elif not st.secret_only and st.email:
            # The address may have changed on the provider page since the last visit.
            changes = {}
            if self._follow_from:
                changes["from_address"] = st.email
            if self._follow_user and (provider is None or provider.username_rule == "email"):
                changes["username"] = st.email
            st.profile = st.profile.with_changes(**changes)

    def _show_profile(self, provider) -> None:
        """The flow's settings into the fields, with the provider's regions and its word for
        the password."""
        st = self.state
        p = st.profile
        self.email.setText(st.email or p.from_address)
        self.display_name.setText(p.display_name)
        self.from_address.setText(p.from_address or st.email)
        self.username.setText(p.username)
        self.secret.setText(st.secret)
        self.host.setText(p.host)
        self.port.setValue(int(p.port))
        self.security.setCurrentIndex(self.security.findData(p.security.value))
        self.auth.setCurrentIndex(self.auth.findData(p.auth.value))
        self.cafile.setText(p.cafile)
        self.region.clear()
        if provider and provider.needs_region:
            for r in provider.regions:
                self.region.addItem(r, r)
            self.region.setCurrentIndex(max(0, self.region.findData(
                st.region or provider.default_region)))
        self.adv_form.setRowVisible(self.region, bool(provider and provider.needs_region))
        self.recipients.setValue(st.recipients_per_day)
        # the provider's word for it (resources/providers.toml; the preset translates it)
        label = provider.secret_label if provider else self.tr("Password")
        self.secret_row_label.setText(_with_mnemonic(label) + ":")
        self.secret.setAccessibleName(label)
        self.username.setReadOnly(bool(provider and provider.username_rule == "literal"))

    def _focus_first(self) -> None:
        """Where the user most likely continues: the password after a refused sign-in or for
        a changed password, else the first field that is wrong or empty."""
        wiz = self.wiz()
        first = self.secret if self.state.secret_only or wiz.return_focus == "secret" else None
        wiz.return_focus = ""
        if first is None:
            first = next((w for w in (self.email, self.username, self.secret, self.host)
                          if w.isEnabled() and w.isVisibleTo(self) and not w.isReadOnly()
                          and not w.text().strip()), self.email)
        if first is self.host:
            self.advanced_toggle.setChecked(True)
        QtCore.QTimer.singleShot(0, lambda: (first.setFocus(), first.selectAll()))

    def _subtitle(self) -> str:
        provider = self.wiz().provider
        if self.state.secret_only:
            if provider and provider.id in ("gmail", "google-workspace"):
                # Google cancels every app password when the Google password changes.
                return self.tr("Google cancelled your app passwords when your Google "
                               "password changed: create a new app password and enter it "
                               "here. Everything else stays as it was.")
            return self.tr("Enter the new password. Everything else stays as it was.")
        if provider and provider.secret_kind != "password":
            # Translators: "on the right" is where the help panel is in a left-to-right
            # language; say "beside the fields" if that reads better.
            return self.tr("{provider} needs a special password for programs like this one: "
                           "the steps are on the right.").format(provider=provider.name)
        if not self.state.profile.host or provider is None or not provider.host:
            # my own server: the settings are the user's, however often the page is entered
            return self.tr("Fill in your account and your mail server's settings (your email "
                           "provider or IT can tell you the server name).")
        return self.tr("Fill in your account. The server settings are already filled in for "
                       "your provider.")

    def _apply_locks(self) -> None:
        """Fields the administrator's site file locks: shown, read-only, with a tooltip."""
        site = self.state.site
        tip = self.tr("Set by your administrator")
        fields = {"host": [self.host], "port": [self.port], "security": [self.security],
                  "auth": [self.auth], "username": [self.username],
                  "from_address": [self.from_address], "display_name": [self.display_name],
                  "cafile": [self.cafile, self.browse_ca], "region": [self.region]}
        for key, widgets in fields.items():
            locked = site.is_locked(key)
            for w in widgets:
                if isinstance(w, (W.QLineEdit, W.QAbstractSpinBox)):
                    if locked:
                        w.setReadOnly(True)
                    elif w is not self.username:  # the preset decides for the user name
                        w.setReadOnly(False)
                else:  # combo boxes and buttons have no read-only state
                    w.setEnabled(not locked)
                w.setToolTip(tip if locked else "")

    def _apply_secret_only(self) -> None:
        """After the locks: on the password-only path the saved values are read-only."""
        only = self.state.secret_only
        self._show_saved((self.email, self.display_name, self.from_address, self.username,
                          self.recipients), (self.advanced_toggle,))
        if only:
            self.advanced_toggle.setChecked(False)

    # -- editing ------------------------------------------------------------------------
    def _edited(self, *_args) -> None:
        if self._loading:
            return
        sender = self.sender()
        if sender is self.from_address:
            self._follow_from = False
        elif sender is self.username:
            self._follow_user = False
        elif sender is self.email:
            text = self.email.text().strip()
            if self._follow_from:
                self.from_address.setText(text)
            provider = self.wiz().provider
            if self._follow_user and (provider is None or provider.username_rule == "email"):
                self.username.setText(text)
        for key, w in (("email", self.email), ("display_name", self.display_name),
                       ("from_address", self.from_address), ("username", self.username),
                       ("secret", self.secret), ("host", self.host), ("port", self.port),
                       ("security", self.security), ("auth", self.auth),
                       ("cafile", self.cafile)):
            if sender is w:
                self._touched.add(key)
        self._sync()

    def _region_changed(self) -> None:
        provider = self.wiz().provider
        if self._loading or not provider or not provider.needs_region:
            return
        self.state.region = self.region.currentData() or ""
        self.host.setText(provider.host_for(self.state.region))
        self._sync()

    def _recipients_changed(self, value: int) -> None:
        self.state.recipients_per_day = value
        if not self._loading:
            self._fill_guidance()

    def _toggle_advanced(self, shown: bool) -> None:
        if not shown and self.advanced.isAncestorOf(W.QApplication.focusWidget()):
            # Closed from inside (Alt+A in Server): the focus stays on the toggle instead of
            # falling out of the hidden fields onto "< Back".
            self.advanced_toggle.setFocus(QtCore.Qt.ShortcutFocusReason)
        self.advanced.setVisible(shown)
        self.advanced_toggle.setArrowType(QtCore.Qt.DownArrow if shown else QtCore.Qt.RightArrow)

    def _profile_from_fields(self) -> Profile:
        old = self.state.profile
        return Profile(
            host=self.host.text().strip(), port=self.port.value(),
            security=self.security.currentData(), auth=self.auth.currentData(),
            username=self.username.text().strip(),
            from_address=self.from_address.text().strip(),
            display_name=self.display_name.text().strip(), service=old.service,
            provider_id=self.wiz().provider.id if self.wiz().provider else old.provider_id,
            cafile=self.cafile.text().strip(),
            # A trusted certificate belongs to one server: another host or port drops it.
            pinned_sha256=old.pinned_sha256 if (self.host.text().strip(), self.port.value())
            == (old.host, old.port) else "",
            timeout=old.timeout)

    def _sync(self) -> None:
        """Fields → state, and each field's error shown beside it as the user types."""
        st = self.state
        profile = st.site.enforce_locks(self._profile_from_fields())
        if profile != st.profile:
            st.invalidate()
        st.profile, st.email = profile, self.email.text().strip()
        self._take_secret(self.secret.text())
        secret = st.secret
        # The saved password only belongs to the saved server, port, user and address.
        same_account = stored_secret_allowed(st)
        if not same_account and self.keep_secret.isChecked():
            self.keep_secret.setChecked(False)
        self.keep_secret.setEnabled(same_account)
        st.use_stored_secret = self.wiz().keeps_saved_password and same_account \
            and self.keep_secret.isChecked()
        errors = {e.field: e.message for e in profile.errors()}
        if st.email:
            _, err = check_email(st.email, "email")
            if err:
                errors["email"] = err.message
        else:
            errors["email"] = self.tr("enter your email address")
        needs_secret = profile.auth is AuthMethod.PASSWORD and not st.use_stored_secret
        if needs_secret and not secret:
            errors["secret"] = self.tr("enter the password")
        self.secret.parentWidget().setEnabled(profile.auth is AuthMethod.PASSWORD)
        # An error shows for a field the user edited, and for one that already holds a
        # wrong value (e.g. pre-filled): never hidden behind a disabled Next.
        values = {"email": self.email.text(), "display_name": self.display_name.text(),
                  "from_address": self.from_address.text(), "username": self.username.text(),
                  "host": self.host.text(), "cafile": self.cafile.text()}
        self._show_errors(errors, lambda k: k in self._touched or bool(values.get(k, "").strip()))
        self._say_secret_cleared()
        self.changed()

    # -- guidance -----------------------------------------------------------------------
    def _fill_guidance(self) -> None:
        self.limit_note.hide()
        warning = self.guidance.show_provider(self.wiz().provider,
                                              self.state.recipients_per_day)
        if warning:
            self.limit_note.setText(self.tr("Warning: {warning}").format(warning=warning))
            self.limit_note.show()
