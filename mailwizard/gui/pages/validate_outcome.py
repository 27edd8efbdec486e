"""What the test page found, in one panel: a headline a screen reader reads out, the cause and
what to do, the provider's help, and the ways out offered right there (the fix, the password
again, trusting a certificate); the server's own words for IT under Details."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6 import QtWidgets as W

from mailwizard.gui import a11y
from mailwizard.gui.style import style_text
from mailwizard.gui.widgets import Details, LinkButton, wrapped

if TYPE_CHECKING:
    from mailwizard.core.diagnosis.smtp import Diagnosis


class OutcomePanel(W.QFrame):
    """Hidden until there is something to show. The page decides what is offered; the panel
    says it and reports the user's choice through its signals."""

    #: "Apply this fix and retry" was pressed
    fix_chosen = QtCore.Signal()
    #: "Trust this certificate and test again" was pressed
    trust_chosen = QtCore.Signal()
    #: the password typed again (its button, or Enter in its box)
    password_typed = QtCore.Signal()

    def __init__(self, parent: W.QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(W.QFrame.StyledPanel)
        ov = W.QVBoxLayout(self)
        self.headline = W.QLabel()
        a11y.set_role(self.headline, a11y.ALERT)  # a screen reader reads the outcome out
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(QtCore.Qt.PlainText)
        self.explanation = wrapped(rich=True)
        self.explanation.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        ov.addWidget(self.headline)
        ov.addWidget(self.explanation)
        self.help_link: LinkButton | None = None
        self.help_box = W.QVBoxLayout()
        ov.addLayout(self.help_box)
        ov.addWidget(self._password_again())
        self.fix_button = W.QPushButton(self.tr("&Apply this fix and retry"))
        ov.addWidget(self.fix_button, 0, QtCore.Qt.AlignLeading)
        ov.addWidget(self._certificate())
        self.details = Details()
        ov.addWidget(self.details)
        self.fix_button.clicked.connect(self.fix_chosen)
        self.trust_button.clicked.connect(self.trust_chosen)
        self.retype_button.clicked.connect(self.password_typed)
        self.retype.returnPressed.connect(self.password_typed)

    def _password_again(self) -> W.QWidget:
        """After a refused password: type it again right here."""
        self.retype_box = W.QWidget()
        rh = W.QHBoxLayout(self.retype_box)
        rh.setContentsMargins(0, 0, 0, 0)
        self.retype_label = W.QLabel(self.tr("Type the &password again:"))
        self.retype = W.QLineEdit()
        self.retype.setEchoMode(W.QLineEdit.Password)
        self.retype.setAccessibleName(self.tr("Password"))
        self.retype_label.setBuddy(self.retype)
        self.retype_button = W.QPushButton(self.tr("Test &with this password"))
        rh.addWidget(self.retype_label)
        rh.addWidget(self.retype, 1)
        rh.addWidget(self.retype_button)
        return self.retype_box

    def _certificate(self) -> W.QWidget:
        """An untrusted or changed certificate: who it is for, its fingerprint to compare
        with IT's, and the button to trust it."""
        self.cert_box = W.QWidget()
        cv = W.QVBoxLayout(self.cert_box)
        cv.setContentsMargins(0, 0, 0, 0)
        self.cert_text = wrapped()
        self.cert_text.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse
                                               | QtCore.Qt.TextSelectableByKeyboard)
        fp_row = W.QHBoxLayout()
        self.fingerprint_label = W.QLabel(self.tr("SHA-256 &fingerprint:"))
        self.fingerprint = W.QLineEdit()
        self.fingerprint.setReadOnly(True)  # selectable and copyable with the keyboard
        self.fingerprint.setAccessibleName(self.tr("SHA-256 fingerprint"))
        self.fingerprint_label.setBuddy(self.fingerprint)
        fp_row.addWidget(self.fingerprint_label)
        fp_row.addWidget(self.fingerprint, 1)
        self.trust_button = W.QPushButton(self.tr("T&rust this certificate and test again"))
        cv.addWidget(self.cert_text)
        cv.addLayout(fp_row)
        cv.addWidget(self.trust_button, 0, QtCore.Qt.AlignLeading)
        return self.cert_box

    # -- what the test found --------------------------------------------------------------
    def show_message(self, headline: str, body: str, *, ok: bool | None) -> None:
        """A headline (green when `ok`, red when not, plain when None) and its explanation
        (rich text), with nothing offered yet."""
        self.headline.setText(headline)
        style_text(self.headline, {True: "ok", False: "error", None: None}[ok], bold=True)
        self.explanation.setText(body)
        plain = self.explanation.text()
        from PySide6.QtGui import QTextDocumentFragment

        self.headline.setAccessibleDescription(QTextDocumentFragment.fromHtml(plain)
                                               .toPlainText())
        self.fix_button.hide()
        self.cert_box.hide()
        self.retype_box.hide()
        self.details.set_text("")
        if self.help_link is not None:
            self.help_link.hide()
            self.help_link.deleteLater()
            self.help_link = None
        self.show()

    def show_passed(self, test_message_to: str, sender_accepted: bool) -> None:
        sent = (self.tr("A test message was sent to {address}: check that it arrived.")
                .format(address=html.escape(test_message_to))
                if test_message_to else
                self.tr("The server accepted the sender address; no message was sent.")
                if sender_accepted else "")
        self.show_message(self.tr("Your settings work."), sent, ok=True)

    def show_stopped(self) -> None:
        self.show_message(self.tr("Test stopped."),
                          html.escape(self.tr("Nothing was saved. Press Test again when "
                                              "you are ready.")), ok=None)

    def show_failure(self, d: Diagnosis, *, fix_allowed: bool) -> None:
        """The cause and what to do, and the provider's help; when the fix would change a
        setting the administrator locked, who to ask instead."""
        what = self.tr("What to do:")  # (not inside the f-string: the extractor skips those)
        body = f"{html.escape(d.cause)}<br><br><b>{html.escape(what)}</b> "
        body += html.escape(d.fix)
        if not fix_allowed:
            body += "<br><br>" + html.escape(self.tr(
                "The setting that would fix this is set by your administrator: please "
                "ask your IT contact."))
        self.show_message(self.tr("The test failed."), body, ok=False)
        if d.help_url:
            self.help_link = LinkButton(self.tr("Help from your provider"), d.help_url)
            self.help_box.addWidget(self.help_link)
        # Error numbers, OpenSSL words and server replies: for IT, under Details.
        self.details.set_text(d.server_reply or "")

    # -- what is offered ------------------------------------------------------------------
    def offer_fix(self, fix: str | None, *, shown: bool) -> None:
        """The button that applies the diagnosis' suggestion (`fix`, its words) and tests
        again."""
        self.fix_button.setVisible(shown)
        if fix:
            self.fix_button.setText(self.tr("&Apply this fix and retry: {fix}")
                                    .format(fix=fix))

    def ask_password(self, kind: str) -> None:
        """The box for the password again, empty and shown. `kind` says which: "password"
        (typed again), "app_password" (a new one pasted: the provider wants an app password,
        e.g. Gmail's 534 5.7.9) or "app_password_again" (the same one, for another server)."""
        if kind == "app_password_again":
            self.retype_label.setText(self.tr("Paste the a&pp password again:"))
        else:
            self.retype_label.setText(self.tr("Paste a new a&pp password:")
                                      if kind == "app_password"
                                      else self.tr("Type the &password again:"))
        self.retype.setAccessibleName(self.tr("App password") if kind != "password"
                                      else self.tr("Password"))
        self.retype.clear()
        self.retype_box.show()

    def show_certificate(self, cert: dict | None, *, shown: bool, can_trust: bool) -> None:
        """Who the server's certificate is for and its fingerprint (when `shown`); the button
        to trust it unless the administrator pinned the fingerprint."""
        self.cert_box.setVisible(shown)
        self.trust_button.setVisible(can_trust)
        if cert:
            fp = ":".join(cert["sha256"][i:i + 2] for i in range(0, 64, 2)).upper()
            self.cert_text.setText(
                self.tr("Issued to: {subject}\nIssued by: {issuer}\nValid: {start} to {end}\n"
                        "Names: {names}\n\n"
                        "Trust it only if your IT contact confirms the SHA-256 fingerprint below.")
                .format(subject=cert["subject"], issuer=cert["issuer"],
                        start=cert["not_before"], end=cert["not_after"],
                        names=", ".join(cert["names"])))
            self.fingerprint.setText(fp)
