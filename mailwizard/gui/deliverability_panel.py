"""The "Will your mail reach inboxes?" panel shown after a passed test: the From domain's
SPF, DKIM and DMARC for the chosen service (core/deliverability), a verdict per check, each
record to add with *Copy*, and the service's own set-up page.

The look-ups run on the wizard's thread pool (bounded DNS, a few seconds at most) and only
inform: the panel never changes whether the page is complete, so it never holds up saving.
A result that arrives after the settings changed is dropped."""

from __future__ import annotations

import html

from PySide6 import QtCore
from PySide6 import QtWidgets as W
from PySide6.QtGui import QGuiApplication

from mailwizard.gui.workers import BackgroundCall

MARKS = {"ok": "✔", "needs_record": "!", "rejected": "✘", "unknown": "?", "advised": "+",
         "not_checked": "–"}


class DeliverabilityPanel(W.QGroupBox):
    """Its records are part of the page (the page scrolls; the panel does not scroll inside
    it)."""

    def __init__(self, parent: W.QWidget | None = None):
        super().__init__(parent)
        self.setTitle(self.tr("Will your mail reach inboxes?"))
        self._layout = W.QVBoxLayout(self)
        self.status = W.QLabel()
        self.status.setWordWrap(True)
        self._layout.addWidget(self.status)
        self.body = W.QWidget()
        self._body_layout = W.QVBoxLayout(self.body)
        self._body_layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.body)
        self._call: BackgroundCall | None = None
        self._dns = None  # the running check's resolver (cancel() ends its deadline)
        self._token = 0
        #: the last report shown (core DeliverabilityReport), for tests and Copy details
        self.report = None
        self.copy_buttons: list[W.QPushButton] = []
        #: "Copied …" beside the last Copy pressed (read out by a screen reader)
        self.copied: W.QLabel | None = None
        self.setup_link = None
        self.setVisible(False)

    # -- driving --------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop the running look-ups: no new DNS query starts; the one in flight ends within
        its own time-out (3 s at most). Its result is dropped."""
        self._token += 1
        if self._dns is not None:
            import time

            self._dns.deadline = time.monotonic()

    def reset(self) -> None:
        """Forget what is shown (the settings are being tested again)."""
        self.cancel()
        self.report = None
        self._clear()
        self.setVisible(False)

    def start(self, pool, profile, recipients_per_day: int = 0) -> None:
        """Check `profile`'s From domain for its service, on `pool`. Does nothing for an
        address that cannot be checked (see core skip_reason)."""
        from mailwizard.core.deliverability.check import skip_reason

        self.reset()
        if skip_reason(profile.from_address):
            return
        token = self._token
        if self._call is None:
            self._call = BackgroundCall(pool, self)
            self._call.done.connect(self._on_done)
            self._call.failed.connect(self._on_failed)
        self.status.setText(self.tr("Checking the records of {domain} …")
                            .format(domain=profile.from_address.rpartition("@")[2]))
        self.setVisible(True)

        def work():
            import time

            from mailwizard.core.deliverability.check import check_deliverability
            from mailwizard.core.discovery.dns import Dns

            try:  # dnspython is imported here, on the worker, never on the GUI thread
                self._dns = dns = Dns(timeout=3.0, deadline=time.monotonic() + 10.0)
                if token != self._token:
                    return token, None
                return token, check_deliverability(
                    profile.from_address, provider_id=profile.provider_id or "",
                    host=profile.host, recipients_per_day=recipients_per_day, dns=dns)
            except Exception as exc:  # shown in the panel, with the token it belongs to
                return token, exc

        self._call.start(work)

    @property
    def running(self) -> bool:
        return bool(self._call and self._call.running)

    # -- results --------------------------------------------------------------------------
    def _on_failed(self, exc) -> None:  # a bug in the worker itself; only informs
        self.status.setText(self.tr("The records could not be checked: {error}")
                            .format(error=html.escape(str(exc))))

    def _on_done(self, value) -> None:
        token, report = value
        if token != self._token or report is None:
            return  # the settings changed, or the check was stopped, meanwhile
        if isinstance(report, Exception):
            self._on_failed(report)
            return
        self.report = report
        self._clear()
        self.status.setText("<b>" + html.escape(report.headline()) + "</b>")
        if report.error:
            return
        for f in report.findings:
            self._finding(f)
        if report.setup_url and report.verdict.value != "ok":
            from mailwizard.gui.widgets import LinkButton

            # Translators: {service} is the sending service's name (a link to its own
            # instructions).
            self.setup_link = LinkButton(self.tr("How to set this up at {service}").format(
                service=report.service_name), report.setup_url)
            self._body_layout.addWidget(self.setup_link)
        tidy = getattr(self.window(), "refresh_names", None)
        if tidy:
            tidy()  # the new buttons take their place in the Tab order

    def _finding(self, f) -> None:
        row = W.QLabel(f"{MARKS.get(f.verdict.value, '')} <b>{html.escape(f.title)}</b> — "
                       f"{html.escape(f.verdict.words)}<br>{html.escape(f.summary)}")
        row.setWordWrap(True)
        row.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        row.setAccessibleName(f"{f.title}: {f.verdict.words}")
        if f.unverified and f.verdict.value != "ok":
            row.setToolTip(self.tr("Built from facts we could not confirm on the provider's "
                                   "own page: check against its set-up page."))
        self._body_layout.addWidget(row)
        if f.verdict.value == "ok":
            return
        for rec in f.records:
            line = W.QHBoxLayout()
            if rec.exact:
                words = rec.instruction()
            else:
                # No value to copy: the service makes it. Say where it comes from instead of
                # offering a bracketed description as if it were the record.
                words = self.tr("Add a {type} record at {name}. Its value is made by the "
                                "sending service, so there is nothing to copy here: {where}.") \
                    .format(type=rec.type, name=rec.name, where=rec.value.rstrip("."))
            text = W.QLabel(html.escape(words).replace("\n", "<br>"))
            text.setTextFormat(QtCore.Qt.RichText)  # escaped: never shown as "&gt;"
            text.setWordWrap(True)
            text.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse
                                         | QtCore.Qt.TextSelectableByKeyboard)
            line.addWidget(text, 1)
            if rec.exact:
                copy = W.QPushButton(self.tr("Copy"))
                copy.setAutoDefault(False)
                copy.setAccessibleName(self.tr("Copy the record for {name}").format(
                    name=rec.name))
                copy.clicked.connect(lambda _=False, b=copy, r=rec, ln=line: self._copy(b, r, ln))
                self.copy_buttons.append(copy)
                line.addWidget(copy, 0, QtCore.Qt.AlignTop)
            self._body_layout.addLayout(line)

    def _copy(self, button: W.QPushButton, rec, line: W.QHBoxLayout) -> None:
        """Copy the record's value; say so on the button, in a line under the record, and
        to a screen reader."""
        from mailwizard.gui import a11y

        QGuiApplication.clipboard().setText(rec.value)
        for b in self.copy_buttons:
            b.setText(self.tr("Copy"))
        button.setText(self.tr("Copied"))
        if self.copied is None:
            self.copied = W.QLabel()
            a11y.set_role(self.copied, a11y.ALERT)
            self.copied.setWordWrap(True)
        else:
            self._body_layout.removeWidget(self.copied)
        self._body_layout.insertWidget(self._body_layout.indexOf(line) + 1, self.copied)
        self.copied.setText(self.tr("Copied the record for {name}. Paste it into an email to "
                                    "whoever runs your domain.").format(name=rec.name))
        self.copied.show()
        a11y.alert(self.copied)

    def _clear(self) -> None:
        self.copy_buttons = []
        self.setup_link = None
        self.copied = None  # in the body: deleted with it
        while self._body_layout.count():
            item = self._body_layout.takeAt(0)
            _delete(item)
        self.status.clear()


def _delete(item) -> None:
    if item.widget() is not None:
        item.widget().deleteLater()
    elif item.layout() is not None:
        while item.layout().count():
            _delete(item.layout().takeAt(0))
        item.layout().deleteLater()
