"""The Exchange (EWS) account step: address, EWS address, domain, user name, password and the
sign-in method, with what to ask IT on the right."""

from __future__ import annotations

from PySide6 import QtCore
from PySide6 import QtWidgets as W

from mailwizard.core.flow import settle_secret, stored_secret_allowed
from mailwizard.core.profile import (EwsAuth, Profile, ServiceType, check_email,
                                     default_ews_url, exchange_login)
from mailwizard.gui.pages.account_fields import AccountFields, side_by_side
from mailwizard.gui.pages.guidance import ExchangeGuidance
from mailwizard.gui.style import style_text
from mailwizard.gui.wizard import FlowPage


class ExchangePage(AccountFields, FlowPage):
    field_aliases = {"from_address": "email"}  # the email address is the From address
    #: Autodiscover addresses to ask instead of the email domain's (tests; IT tools)
    autodiscover_candidates: list[str] | None = None

    def build(self) -> None:
        self.setTitle(self.tr("Your Exchange account"))
        self.setSubTitle(self.tr("Fill in your work account. IT can tell you the Exchange "
                                 "address if the suggested one does not work."))
        self._loading = False
        self._touched: set[str] = set()
        self._follow_url = True  # the EWS address follows the email's domain until edited
        self._follow_user = True

        outer = W.QBoxLayout(W.QBoxLayout.LeftToRight, self.body)
        left = W.QWidget()
        form = W.QFormLayout(left)
        form.setFieldGrowthPolicy(W.QFormLayout.AllNonFixedFieldsGrow)
        # Labels above the fields: each field gets the column's whole width, so a long
        # address shows in full (beside their labels, fields were a third as wide).
        form.setRowWrapPolicy(W.QFormLayout.WrapAllRows)
        form.setVerticalSpacing(4)
        self.form = form
        self.errors: dict[str, W.QLabel] = {}

        self._add_saved_note(form)
        self.email = W.QLineEdit()
        self.email.setPlaceholderText(self.tr("e.g. accounts@company.com"))
        self._row(self.tr("&Email address:"), self.email, "email")
        self.display_name = W.QLineEdit()
        self.display_name.setPlaceholderText(self.tr("e.g. Riverside Society accounts"))
        self._row(self.tr("Your na&me (shown to recipients):"), self.display_name,
                  "display_name")
        self._build_server_rows()
        self._build_sign_in_rows()

        outer.addWidget(left, 3)
        self.guidance = ExchangeGuidance(self.tr("Help for Exchange"))
        outer.addWidget(self.guidance, 2)
        side_by_side(self, self.body, outer)
        self._connect_fields()

    def _build_server_rows(self) -> None:
        """The Exchange address with Find automatically and what the look-up says, and the
        note (with its confirmation) shown for Microsoft 365's own servers."""
        form = self.form
        url_box = W.QWidget()
        uh = W.QHBoxLayout(url_box)
        uh.setContentsMargins(0, 0, 0, 0)
        self.ews_url = W.QLineEdit()
        # Translators: an example address; keep it, or use a domain usual in your language.
        self.ews_url.setPlaceholderText(self.tr("https://mail.company.com/EWS/Exchange.asmx"))
        self.find_button = W.QPushButton(self.tr("&Find automatically"))
        self.find_button.setToolTip(self.tr("Ask your organisation's Autodiscover service "
                                            "(needs the email, user name and password)"))
        uh.addWidget(self.ews_url, 1)
        uh.addWidget(self.find_button)
        self._row(self.tr("Exchange &address (EWS):"), url_box, "ews_url", buddy=self.ews_url)
        self.find_status = W.QLabel()
        self.find_status.setWordWrap(True)
        form.addRow(self.find_status)
        self.find_status.hide()
        self._finder = None
        self._finding = None
        self.online_note = W.QLabel()
        self.online_note.setWordWrap(True)
        style_text(self.online_note, "warning")
        self.online_ok = W.QCheckBox(self.tr("My organisation still allows EWS for this app "
                                             "(IT confirmed it)"))
        form.addRow(self.online_note)
        form.addRow(self.online_ok)

    def _build_sign_in_rows(self) -> None:
        """Domain, user name (with how the login will be sent), password, the sign-in method
        and the CA file."""
        form = self.form
        self.domain = W.QLineEdit()
        self.domain.setPlaceholderText(self.tr("company.com or COMPANY"))
        self._row(self.tr("&Domain:"), self.domain, "domain")
        self.username = W.QLineEdit()
        self.username.setPlaceholderText(self.tr("COMPANY\\jsmith or jsmith@company.com"))
        self._row(self.tr("&User name:"), self.username, "username")
        self.login_hint = W.QLabel()
        form.addRow(self.login_hint)

        secret_box = self._secret_box()
        self.secret.setAccessibleName(self.tr("Windows password"))
        self._row(self.tr("&Password:"), secret_box, "secret", buddy=self.secret)
        self._add_secret_note(form)
        self.keep_secret = W.QCheckBox(self.tr("&Keep the saved password"))
        form.addRow(self.keep_secret)

        self.auth = W.QComboBox()
        self.auth.addItem(self.tr("Windows sign-in (NTLM) — usual for your own Exchange"),
                          EwsAuth.NTLM.value)
        self.auth.addItem(self.tr("Basic sign-in (over HTTPS)"), EwsAuth.BASIC.value)
        self.auth.setSizeAdjustPolicy(W.QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.auth.setMinimumContentsLength(16)
        self._row(self.tr("Si&gn-in method:"), self.auth, "ews_auth")

        ca_box = self._ca_box()
        self._row(self.tr("CA &certificate file:"), ca_box, "cafile", buddy=self.cafile)

    def _connect_fields(self) -> None:
        for w in (self.email, self.display_name, self.ews_url, self.domain, self.username,
                  self.secret, self.cafile):
            w.textEdited.connect(self._edited)
        self.auth.currentIndexChanged.connect(self._edited)
        self.online_ok.toggled.connect(self._edited)
        self.keep_secret.toggled.connect(self._keep_secret_toggled)
        self.find_button.clicked.connect(lambda: self.find_server())

    def _row(self, label: str, widget, key: str, buddy=None) -> None:
        self._add_row(self.form, label, widget, key, buddy)

    # -- loading ------------------------------------------------------------------------
    def enter(self) -> None:
        st, wiz = self.state, self.wiz()
        self._loading = True
        if st.profile.service is not ServiceType.EXCHANGE:
            # Coming from the SMTP path (or a fresh start): keep who the user is.
            old = st.profile
            fresh = Profile(service=ServiceType.EXCHANGE, provider_id="exchange",
                            from_address=old.from_address or st.email,
                            display_name=old.display_name,
                            ews_url=default_ews_url(old.from_address or st.email))
            # The administrator's defaults and locks on top.
            st.profile = st.site.enforce_locks(st.site.apply_defaults(fresh))
            st.preset_applied = ""
        settle_secret(st)  # not a password typed for another server or user
        p = st.profile
        saved = wiz.saved is not None and wiz.saved.profile.service is ServiceType.EXCHANGE
        self._follow_url = (not p.ews_url or p.ews_url == default_ews_url(p.from_address)) \
            and not st.site.is_locked("ews_url")
        self._follow_user = not saved and not p.username and not st.site.is_locked("username")
        self.email.setText(st.email or p.from_address)
        self.display_name.setText(p.display_name)
        self.ews_url.setText(p.ews_url)
        self.domain.setText(p.domain)
        self.username.setText(p.username)
        self.secret.setText(st.secret)
        self.auth.setCurrentIndex(self.auth.findData(p.ews_auth.value))
        self.cafile.setText(p.cafile)
        self.online_ok.setChecked(p.exchange_online_acknowledged)
        keeps = wiz.keeps_saved_password and saved
        self.keep_secret.setVisible(keeps)
        self.keep_secret.setChecked(keeps and not st.secret)
        for w in (self.auth, self.browse_ca):  # no read-only state: off on that path
            w.setEnabled(not st.secret_only)
        self._apply_locks()
        self._show_saved((self.email, self.display_name, self.ews_url, self.domain,
                          self.username, self.cafile))
        only = st.secret_only
        self._loading = False
        self._sync()
        self._fill_guidance()
        first = self.secret if only or wiz.return_focus == "secret" else None
        wiz.return_focus = ""
        if first is None:
            first = next((w for w in (self.email, self.ews_url, self.username, self.secret)
                          if w.isEnabled() and not w.isReadOnly() and not w.text().strip()),
                         self.email)
        QtCore.QTimer.singleShot(0, lambda: (first.setFocus(), first.selectAll()))

    # -- Autodiscover ------------------------------------------------------------------------
    def ask_host(self, host: str, domain: str) -> bool:
        """Ask before the password goes to a host outside the email's domain."""
        answer = W.QMessageBox.question(
            self, self.tr("Send your password to another server?"),
            self.tr("Autodiscover points to {host}, which is not part of {domain}.\n\nOnly "
                    "continue if IT confirms that {host} is your organisation's Exchange "
                    "server. Send your password there?").format(host=host, domain=domain),
            W.QMessageBox.Yes | W.QMessageBox.No, W.QMessageBox.No)
        return answer == W.QMessageBox.Yes

    def busy(self) -> bool:
        return self._finding is not None and self._finding.running

    def stop_work(self) -> None:
        if self._finder is not None:
            self._finder.cancel()

    def find_server(self, allowed: frozenset[str] = frozenset()) -> None:
        from mailwizard.core.discovery.ews_autodiscover import Autodiscover
        from mailwizard.gui.workers import BackgroundCall

        p, secret = self.state.profile, self.secret.text()
        try:
            login = exchange_login(p.username, p.domain, p.ews_auth)
            finder = Autodiscover(p.from_address, login, secret, p.ews_auth, cafile=p.cafile,
                                  timeout=30, allowed_hosts=allowed,
                                  candidates=self.autodiscover_candidates)
        except ValueError:
            finder = None
        if finder is None or not secret:
            self._show_find(self.tr("Fill in the email address, user name and password "
                                    "first."), ok=False)
            return
        self._finder = finder
        self._finding = BackgroundCall(self.wiz().pool, self)
        self._finding.done.connect(self._found)
        self._finding.failed.connect(self._not_found)
        self.find_button.setEnabled(False)
        self._show_find(self.tr("Looking for your Exchange server…"), ok=None)
        self._finding.start(finder.run)
        self.changed()

    def _found(self, result) -> None:
        self.find_button.setEnabled(True)
        self.ews_url.setText(result.ews_url)
        self._follow_url = False
        self._touched.add("ews_url")
        self._show_find(self.tr("Found: {address}").format(address=result.ews_url), ok=True)
        self._sync()

    def _not_found(self, exc) -> None:
        from mailwizard.core.discovery.ews_autodiscover import AutodiscoverFailed

        self.find_button.setEnabled(True)
        if isinstance(exc, AutodiscoverFailed) and exc.kind == "needs_confirmation":
            finder = self._finder
            if self.ask_host(exc.host, finder.domain):
                self.find_server(frozenset(finder.allowed_hosts | {exc.host}))
                return
            self._show_find(self.tr("Stopped: your password was not sent to {host}. Ask IT "
                                    "for the Exchange address and type it in.")
                            .format(host=exc.host), ok=False)
        elif isinstance(exc, AutodiscoverFailed):
            extra = {"login_refused": self.tr("Check the user name and password."),
                     "cancelled": ""}.get(exc.kind, self.tr("Ask IT for the Exchange address "
                                                            "and type it in."))
            self._show_find(exc.message + " " + extra, ok=False)
        else:
            self._show_find(self.tr("Autodiscover failed: {error}").format(error=str(exc)),
                            ok=False)
        self.changed()

    def _show_find(self, text: str, *, ok: bool | None) -> None:
        style_text(self.find_status, {True: "ok", False: "error", None: None}[ok])
        self.find_status.setText(text)
        self.find_status.show()

    def _apply_locks(self) -> None:
        """Fields the administrator's site file locks: shown, read-only, with a tooltip."""
        site = self.state.site
        tip = self.tr("Set by your administrator")
        fields = {"from_address": [self.email], "display_name": [self.display_name],
                  "ews_url": [self.ews_url], "domain": [self.domain],
                  "username": [self.username], "ews_auth": [self.auth],
                  "cafile": [self.cafile, self.browse_ca]}
        for key, widgets in fields.items():
            locked = site.is_locked(key)
            for w in widgets:
                if isinstance(w, W.QLineEdit):
                    w.setReadOnly(locked)
                elif locked:  # combo boxes and buttons have no read-only state
                    w.setEnabled(False)
                w.setToolTip(tip if locked else "")

    # -- editing ------------------------------------------------------------------------
    def _edited(self, *_args) -> None:
        if self._loading:
            return
        sender = self.sender()
        if sender is self.ews_url:
            self._follow_url = False
        elif sender is self.username:
            self._follow_user = False
        elif sender is self.email:
            address = self.email.text().strip()
            if self._follow_url:
                self.ews_url.setText(default_ews_url(address) if "@" in address else "")
            if self._follow_user:
                self.username.setText(address)
        keys = {self.email: "email", self.display_name: "display_name",
                self.ews_url: "ews_url", self.domain: "domain", self.username: "username",
                self.secret: "secret", self.cafile: "cafile", self.auth: "ews_auth"}
        if sender in keys:
            self._touched.add(keys[sender])
        self._sync()

    def _profile_from_fields(self) -> Profile:
        """The fields as a profile in the form it is tested and saved in (full EWS address,
        login as DOMAIN\\user or user@domain); the fields keep what the user typed."""
        old = self.state.profile
        typed = Profile(
            service=ServiceType.EXCHANGE, provider_id="exchange",
            ews_url=self.ews_url.text().strip(), domain=self.domain.text().strip(),
            username=self.username.text().strip(), ews_auth=self.auth.currentData(),
            from_address=self.email.text().strip(),
            display_name=self.display_name.text().strip(), cafile=self.cafile.text().strip(),
            exchange_online_acknowledged=self.online_ok.isChecked(),
            timeout=old.timeout).normalised()
        # A trusted certificate belongs to one server: another address drops it.
        return typed.with_changes(
            pinned_sha256=old.pinned_sha256 if typed.ews_url == old.ews_url else "")

    def _sync(self) -> None:
        st = self.state
        profile = st.site.enforce_locks(self._profile_from_fields()).normalised()
        if profile != st.profile:
            st.invalidate()
        st.profile, st.email = profile, profile.from_address
        self._take_secret(self.secret.text())
        secret = st.secret
        same_account = stored_secret_allowed(st)
        if not same_account and self.keep_secret.isChecked():
            self.keep_secret.setChecked(False)
        self.keep_secret.setEnabled(same_account)
        st.use_stored_secret = self.wiz().keeps_saved_password and same_account \
            and self.keep_secret.isChecked()

        errors = {e.field: e.message for e in profile.errors()}
        errors.pop("from_address", None)  # the email field is the From address here
        _, err = check_email(profile.from_address, "email")
        if err:
            errors["email"] = err.message if profile.from_address else \
                self.tr("enter your email address")
        if not st.use_stored_secret and not secret:
            errors["secret"] = self.tr("enter your Windows password")
        values = {"email": self.email.text(), "ews_url": self.ews_url.text(),
                  "domain": self.domain.text(), "username": self.username.text(),
                  "cafile": self.cafile.text(), "display_name": self.display_name.text()}
        self._show_errors(errors, lambda k: k in self._touched or bool(values.get(k, "").strip()))
        # How the login will be sent, so that DOMAIN\user vs user@domain is never a guess.
        try:
            login = exchange_login(profile.username, profile.domain, profile.ews_auth)
            self.login_hint.setText(self.tr("Signs in as: {login}").format(login=login))
        except ValueError:
            self.login_hint.setText("")
        online = profile.is_exchange_online
        if online:
            from mailwizard.core.checks.ews import EXCHANGE_ONLINE_NOTICE

            from mailwizard.core.i18n import _

            self.online_note.setText(_(EXCHANGE_ONLINE_NOTICE))
        self.online_note.setVisible(online)
        self.online_ok.setVisible(online)
        self._say_secret_cleared()
        self.changed()

    def _fill_guidance(self) -> None:
        self.guidance.show_steps()
