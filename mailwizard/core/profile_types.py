"""What a profile is made of: the fixed sets its settings choose from (service type,
security, sign-in method, Exchange sign-in), the security modes in words, and the errors
that name a bad field."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from mailwizard.core.i18n import N_
from mailwizard.core.translated_words import TranslatedWords


class ServiceType(str, enum.Enum):
    SMTP = "smtp"
    EXCHANGE = "exchange"
    OAUTH = "oauth"


class Security(str, enum.Enum):
    #: SSL/TLS from the first byte ("Always On" in some ERPs; usually port 465).
    TLS = "tls"
    #: Plain connect, then STARTTLS, which is required ("Enable SSL" on 587 should mean this).
    STARTTLS = "starttls"
    #: No encryption at all; only for an internal relay that takes no password.
    NONE = "none"


class AuthMethod(str, enum.Enum):
    PASSWORD = "password"
    #: No login: the relay recognises the ERP machine by its IP address.
    NONE = "none"
    #: OAuth 2.0 ("Connect"): SMTP AUTH XOAUTH2 with an access token; the refresh token is
    #: kept in the keyring.
    OAUTH2 = "oauth2"


class EwsAuth(str, enum.Enum):
    """How an Exchange (EWS) login is sent. Both travel only inside HTTPS."""

    #: Windows (NTLM) sign-in, the default of on-premises Exchange.
    NTLM = "ntlm"
    #: Basic sign-in (user name and password in the HTTPS request).
    BASIC = "basic"


#: Where Microsoft hosts Exchange Online's EWS (switched off: see exchange_online_notice).
EXCHANGE_ONLINE_HOSTS = ("outlook.office365.com", "outlook.office.com")
EWS_PATH = "/EWS/Exchange.asmx"


#: Each security mode in the words users see (CLI listings, diagnosis texts).
SECURITY_WORDS = TranslatedWords({
    Security.TLS: "SSL/TLS",
    Security.STARTTLS: "STARTTLS",
    # Translators: a security mode, shown as e.g. "smtp.example.org, port 25 (no encryption)"
    Security.NONE: N_("no encryption"),
}, same=(Security.TLS, Security.STARTTLS))


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ProfileError(ValueError):
    """Raised when a profile has bad fields; `errors` lists each one."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))
