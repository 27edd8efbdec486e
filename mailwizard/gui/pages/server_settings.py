"""The account page's server settings, under Advanced: server, region, port, security and
sign-in, pre-filled from the provider's preset (the page adds the CA file row it shares with the
Exchange page)."""

from __future__ import annotations

from PySide6 import QtWidgets as W

from mailwizard.core.profile import AuthMethod, Security


class ServerSettings(W.QGroupBox):
    """The group of server fields. Each row goes in through the page's `add_row(form, label,
    widget, key, buddy)`, so that the page shows the field's error under it as for its other
    fields; the fields are the page's to fill, read and lock."""

    def __init__(self, add_row, parent=None):
        super().__init__(parent)
        self.setAccessibleName(self.tr("Server settings"))
        form = W.QFormLayout(self)
        form.setFieldGrowthPolicy(W.QFormLayout.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(W.QFormLayout.WrapAllRows)  # combo boxes at full width
        form.setVerticalSpacing(4)
        self.form = form

        def row(label: str, widget: W.QWidget, key: str, buddy=None) -> None:
            add_row(form, label, widget, key, buddy)

        self.host = W.QLineEdit()
        row(self.tr("Ser&ver:"), self.host, "host")
        self.region = W.QComboBox()
        row(self.tr("&Region:"), self.region, "region")
        self.port = W.QSpinBox()
        self.port.setRange(1, 65535)
        row(self.tr("P&ort:"), self.port, "port")
        self.security = self._security_choice()
        row(self.tr("&Security:"), self.security, "security")
        self.auth = self._auth_choice()
        row(self.tr("Si&gn in:"), self.auth, "auth")

    def _security_choice(self) -> W.QComboBox:
        security = W.QComboBox()
        # The words ERP screens use for the same choices ("Enable SSL", "Always On").
        # Plain words first, then the technical name and the ERP screens' words in brackets.
        security.addItem(self.tr("Secured after connecting, usually port 587 (STARTTLS, "
                                 "\u201cOpportunistic\u201d or \u201cEnable SSL\u201d)"),
                         Security.STARTTLS.value)
        security.addItem(self.tr("Secure from the start, usually port 465 (SSL/TLS, "
                                 "\u201cAlways On\u201d)"), Security.TLS.value)
        security.addItem(self.tr("None \u2014 no encryption (only without a password)"),
                         Security.NONE.value)
        security.setSizeAdjustPolicy(W.QComboBox.AdjustToMinimumContentsLengthWithIcon)
        security.setMinimumContentsLength(16)
        return security

    def _auth_choice(self) -> W.QComboBox:
        auth = W.QComboBox()
        auth.addItem(self.tr("With user name and password"), AuthMethod.PASSWORD.value)
        auth.addItem(self.tr("No sign-in (the server knows this office's address)"),
                     AuthMethod.NONE.value)
        auth.setSizeAdjustPolicy(W.QComboBox.AdjustToMinimumContentsLengthWithIcon)
        auth.setMinimumContentsLength(16)
        return auth
