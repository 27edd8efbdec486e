"""The Connect step: sign in with Google or Microsoft in the browser (OAuth, no password
typed here); the refresh token it gives is what gets saved, in the keyring."""

from __future__ import annotations

import html
import logging

from PySide6 import QtCore
from PySide6 import QtWidgets as W

from mailwizard.core.profile import AuthMethod, ServiceType, check_email
from mailwizard.gui.style import colour
from mailwizard.gui.widgets import GuidancePanel, LinkButton
from mailwizard.gui.wizard import FlowPage

NAMES = {"google": "Google", "microsoft": "Microsoft"}
log = logging.getLogger(__name__)


class ConnectPage(FlowPage):
    #: tests point these at a loopback authorization server and a scripted browser
    provider_override: dict | None = None
    open_browser = None
    token_cafile: str | None = None

    def build(self) -> None:
        self.setTitle(self.tr("Connect your email account"))
        self.setSubTitle(self.tr("Sign in with your email provider in your web browser. You "
                                 "never type your password into this program."))
        self._flow = None
        self._signing_in = None
        outer = W.QBoxLayout(W.QBoxLayout.LeftToRight, self.body)
        left = W.QWidget()
        v = W.QVBoxLayout(left)

        self.group = W.QButtonGroup(self)
        self.choices: dict[str, W.QRadioButton] = {}
        for pid, text in (("google", self.tr("&Google (Gmail, Google Workspace)")),
                          ("microsoft", self.tr("&Microsoft (Microsoft 365, Outlook.com)"))):
            b = W.QRadioButton(text)
            b.setAccessibleDescription(self.tr("Sign in with this service"))
            self.group.addButton(b)
            self.choices[pid] = b
            v.addWidget(b)
            b.toggled.connect(lambda on, p=pid: on and self._choose(p))

        form = W.QFormLayout()
        form.setRowWrapPolicy(W.QFormLayout.WrapLongRows)
        self.email = W.QLineEdit()
        self.email.setPlaceholderText(self.tr("the address you send from"))
        form.addRow(self.tr("&Email address:"), self.email)
        self.display_name = W.QLineEdit()
        self.display_name.setPlaceholderText(self.tr("e.g. Riverside Society accounts"))
        form.addRow(self.tr("Yo&ur name (shown to recipients):"), self.display_name)
        self.tenant = W.QLineEdit()
        self.tenant.setPlaceholderText(self.tr("leave empty for work or school accounts"))
        self.tenant.setToolTip(self.tr("Your organisation's Microsoft directory (tenant ID or "
                                       "domain). For an Outlook.com address, type consumers."))
        form.addRow(self.tr("Microsoft &directory (optional):"), self.tenant)
        self.tenant_label = form.labelForField(self.tenant)
        v.addLayout(form)

        buttons = W.QHBoxLayout()
        self.sign_in = W.QPushButton(self.tr("&Sign in"))
        self.cancel = W.QPushButton(self.tr("Cancel s&ign-in"))
        buttons.addWidget(self.sign_in)
        buttons.addWidget(self.cancel)
        buttons.addStretch(1)
        v.addLayout(buttons)
        self.status = W.QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(QtCore.Qt.RichText)
        self.status.setOpenExternalLinks(True)
        self.status.setTextInteractionFlags(QtCore.Qt.TextBrowserInteraction)
        v.addWidget(self.status)
        # Shown when the browser cannot be opened: the sign-in address, with Copy.
        self.browser_link = None
        self.link_box = W.QVBoxLayout()
        v.addLayout(self.link_box)
        # Without a client ID: one plain sentence here, the steps for IT behind a link.
        self.for_it = LinkButton(self.tr("For IT: how to set up sign-in"), "")
        self.for_it.button.clicked.disconnect()
        self.for_it.button.clicked.connect(
            lambda: __import__("mailwizard.gui.pages.choose", fromlist=["show_for_it"])
            .show_for_it(self, [self.provider_id()]))
        self.for_it.hide()
        v.addWidget(self.for_it)
        v.addStretch(1)
        outer.addWidget(left, 3)

        self.guidance = GuidancePanel(self.tr("About connecting"))
        outer.addWidget(self.guidance, 2)
        from mailwizard.gui.pages.account import side_by_side

        side_by_side(self, self.body, outer)

        self.sign_in.clicked.connect(self.start_sign_in)
        self.cancel.clicked.connect(self.stop_work)
        self.email.textEdited.connect(self._edited)
        self.display_name.textEdited.connect(self._edited)
        self.tenant.textEdited.connect(self._edited)

    # -- page life ------------------------------------------------------------------------
    def enter(self) -> None:
        st = self.state
        p = st.profile
        pid = p.oauth_provider if p.service is ServiceType.OAUTH and p.oauth_provider else \
            self._guess_provider(st.email or p.from_address)
        self.email.setText(st.email or p.from_address)
        self.display_name.setText(p.display_name)
        self.tenant.setText(p.oauth_tenant)
        self.choices[pid].setChecked(True)
        self._choose(pid)
        from mailwizard.core.flow import stored_secret_allowed

        keeps = self.wiz().keeps_saved_password and p.auth is AuthMethod.OAUTH2 \
            and not st.secret and stored_secret_allowed(st)
        st.use_stored_secret = keeps
        if p.auth is AuthMethod.OAUTH2 and (st.secret or keeps):
            self._say(self.tr("Connected as {address}.").format(address=html.escape(p.username)),
                      ok=True)
        self._update()
        client = self._client()
        # for IT (`mailwizard --debug gui`): which app registration Connect uses
        log.info("Connect with %s: %s; Sign in is %s", self.provider_id(),
                 f"client ID {client.client_id}" if client else "no client ID set up",
                 "enabled" if self.sign_in.isEnabled() else "disabled")
        QtCore.QTimer.singleShot(0, self.email.setFocus)

    def busy(self) -> bool:
        return self._signing_in is not None and self._signing_in.running

    def stop_work(self) -> None:
        if self._flow is not None:
            self._flow.cancel()

    def cleanupPage(self) -> None:  # noqa: N802 - Back: stop a sign-in that is waiting
        self.stop_work()

    # -- choosing ---------------------------------------------------------------------------
    @staticmethod
    def _guess_provider(email: str) -> str:
        domain = email.rpartition("@")[2].lower()
        if domain in ("outlook.com", "hotmail.com", "live.com", "msn.com") \
                or domain.endswith(".onmicrosoft.com"):
            return "microsoft"
        return "google"

    def provider_id(self) -> str:
        return next((p for p, b in self.choices.items() if b.isChecked()), "google")

    def _provider(self):
        from mailwizard.core.oauth.flow import load_oauth_providers

        pid = self.provider_id()
        if self.provider_override and pid in self.provider_override:
            return self.provider_override[pid]
        return load_oauth_providers()[pid]

    def _client(self):
        from mailwizard.core.oauth.flow import OAuthError
        from mailwizard.core.oauth.account import client_for

        try:
            return client_for(self.provider_id(), site=self.wiz().site.raw)
        except OAuthError:
            return None

    def _choose(self, pid: str) -> None:
        name = NAMES[pid]
        self.sign_in.setText(self.tr("&Sign in with {provider}").format(provider=name))
        micro = pid == "microsoft"
        self.tenant.setVisible(micro)
        self.tenant_label.setVisible(micro)
        p = self.state.profile
        if p.service is ServiceType.OAUTH and p.oauth_provider and p.oauth_provider != pid:
            self._forget_sign_in()
        self._fill_guidance(pid)
        self.for_it.setVisible(self._client() is None)
        if self._client() is None:
            lead = self.tr("Your ERP vendor or IT has not set up sign-in with {provider} "
                           "yet.").format(provider=name)
            self.status.setText(f"<p><b>{html.escape(lead)}</b></p>")
        elif not self.busy() and not (p.auth is AuthMethod.OAUTH2 and self.state.secret):
            self.status.clear()
        self._update()

    def _edited(self, *_a) -> None:
        st = self.state
        st.email = self.email.text().strip()
        p = st.profile
        if p.auth is AuthMethod.OAUTH2:
            changes = {"display_name": self.display_name.text().strip()}
            if st.email != p.username:
                self._forget_sign_in()  # another account: sign in again
            else:
                st.profile = p.with_changes(**changes)
                st.invalidate()
        self._update()

    def _forget_sign_in(self) -> None:
        from mailwizard.core.profile import Profile

        st = self.state
        st.profile = Profile(service=ServiceType.OAUTH, from_address=st.email,
                             display_name=self.display_name.text().strip())
        st.secret = st.access_token = ""
        st.use_stored_secret = False
        st.invalidate()

    def _update(self) -> None:
        _, err = check_email(self.email.text(), "email")
        ready = err is None and self._client() is not None and not self.busy()
        self.sign_in.setEnabled(ready)
        self.cancel.setVisible(self.busy())
        for w in (self.email, self.tenant, *self.choices.values()):
            w.setEnabled(not self.busy())
        self.changed()

    # -- signing in ---------------------------------------------------------------------------
    def start_sign_in(self) -> None:
        from mailwizard.core.oauth.flow import ClientSettings
        from mailwizard.core.oauth.signin import AuthorizationFlow
        from mailwizard.gui.workers import BackgroundCall

        client = self._client()
        email, _ = check_email(self.email.text(), "email")
        if client is None or self.busy():
            return
        from mailwizard.core.oauth.account import tenant_for_account

        tenant = self.tenant.text().strip()
        if self.provider_id() == "microsoft":  # personal accounts: "consumers"
            personal = tenant_for_account(email or "", tenant or client.tenant)
            tenant = personal if personal != client.tenant else tenant
        self._tenant_used = tenant
        if tenant:
            client = ClientSettings(client.client_id, client.client_secret, tenant)
        kwargs = {"login_hint": email, "cafile": self.token_cafile}
        if self.open_browser is not None:
            kwargs["open_browser"] = self.open_browser
        try:
            flow = AuthorizationFlow(self._provider(), client, **kwargs)
        except Exception as exc:  # e.g. a tenant that is not a valid directory name
            self._say(html.escape(getattr(exc, "message", str(exc))), ok=False)
            return
        self._flow = flow
        self._signing_in = call = BackgroundCall(self.wiz().pool, self)
        call.note.connect(lambda started: self._on_started(*started))
        self._signing_in.done.connect(self._signed_in)
        self._signing_in.failed.connect(self._failed)

        def work():
            url = flow.start()
            call.tell((url, bool(flow.browser_opened)))
            return flow.wait()

        self._say(self.tr("Opening your web browser…"), ok=None)
        self._signing_in.start(work)
        self._update()

    def _on_started(self, url: str, opened: bool) -> None:
        if not self.busy():
            return
        name = NAMES[self.provider_id()]
        text = self.tr("Your web browser shows {provider}'s sign-in page. Sign in there and "
                       "choose Allow; this window continues by itself.").format(provider=name)
        if not opened:
            text = self.tr("Your web browser could not be opened. Copy the address below "
                           "into your browser, sign in and choose Allow.")
            self._show_address(url)
        self._say(text, ok=None)

    def _show_address(self, url: str) -> None:
        if self.browser_link is not None:
            self.browser_link.hide()
            self.browser_link.deleteLater()
        self.browser_link = LinkButton(self.tr("Open the sign-in page"), url)
        self.browser_link.note.hide()
        self.browser_link.fallback.show()
        self.link_box.addWidget(self.browser_link)
        QtCore.QTimer.singleShot(0, self.browser_link.copy.setFocus)

    def _signed_in(self, tokens) -> None:
        from mailwizard.core.oauth.account import connected_profile

        st = self.state
        provider = self._flow.provider  # with the tenant applied
        old = st.profile
        profile = connected_profile(provider, st.email or self.email.text().strip(),
                                    display_name=self.display_name.text().strip(),
                                    tenant=getattr(self, "_tenant_used",
                                                   self.tenant.text().strip()))
        if old.service is ServiceType.OAUTH:  # keep what the user set up before (e.g. a CA)
            profile = profile.with_changes(cafile=old.cafile, timeout=old.timeout)
        st.profile = profile
        st.secret, st.access_token = tokens.refresh_token, tokens.access_token
        st.use_stored_secret = False
        st.invalidate()
        from mailwizard.core.flow import bind_secret

        bind_secret(st)  # the tokens belong to this provider and address
        self._say(self.tr("Connected as {address}. Next, mailwizard tests sending with it.")
                  .format(address=html.escape(profile.username)), ok=True)
        self._update()

    def _failed(self, exc) -> None:
        from mailwizard.core.oauth.flow import OAuthError

        if isinstance(exc, OAuthError):
            if exc.kind == "cancelled":
                self._say(self.tr("Sign-in cancelled. Nothing was changed."), ok=None)
            else:
                what, more_help = self.tr("What to do:"), self.tr("More help")
                more = f"<br><b>{html.escape(what)}</b> " \
                       f"{html.escape(exc.fix)}" if exc.fix else ""
                link = f'<br><a href="{html.escape(exc.help_url)}">' \
                       f"{html.escape(more_help)}</a>" if exc.help_url else ""
                self._say(html.escape(exc.message) + more + link, ok=False)
        else:
            self._say(html.escape(self.tr("Sign-in failed: {error}").format(error=str(exc))),
                      ok=False)
        self._update()

    def _say(self, text: str, *, ok: bool | None) -> None:
        if ok is not None or self.browser_link is None:
            if self.browser_link is not None and ok is not None:
                self.browser_link.hide()
        meaning = {True: "ok", False: "error", None: None}[ok]
        if meaning:
            text = f'<span style="color:{colour(meaning, self)}">{text}</span>'
        self.status.setText(text)

    def _fill_guidance(self, pid: str) -> None:
        if pid == "microsoft":
            points = [self.tr("Microsoft 365 is switching password sign-in for sending mail "
                              "off by default at the end of December 2026. Connecting with "
                              "Microsoft keeps working."),
                      self.tr("Your organisation may have to approve this program once "
                              "(\u201cNeed admin approval\u201d): then ask your Microsoft 365 "
                              "administrator."),
                      self.tr("The mailbox must allow authenticated SMTP (an administrator "
                              "setting), even when you connect.")]
        else:
            points = [self.tr("No app password and no 2-Step Verification codes needed here: "
                              "you sign in on Google's own page."),
                      self.tr("Google Workspace administrators can limit which apps may "
                              "connect; if Google refuses, ask them.")]
        panel = self.guidance
        panel.clear()
        panel.heading(NAMES[pid])
        panel.items(points)
        panel.para(self.tr("mailwizard keeps only a sign-in token in your computer's password "
                           "store. You can withdraw it any time in your account's security "
                           "settings."))
        panel.finish()
