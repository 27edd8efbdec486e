"""The settings a user builds in the wizard, and the checks that name each bad field.

A `Profile` is what gets validated and saved; it never holds the secret itself (that travels
separately, and is stored in the OS keyring). Its parts have modules of their own, whose
names are re-exported here: the fixed sets and field errors (profile_types), server names
and Exchange logins (server_names), email addresses (email_address), a setting's text on
its own (setting_text).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from mailwizard.core.email_address import (  # noqa: F401 (re-exported)
    _plain_email, address_note, address_problem, check_email)
from mailwizard.core.i18n import _
from mailwizard.core.profile_types import (  # noqa: F401 (re-exported)
    EWS_PATH, EXCHANGE_ONLINE_HOSTS, SECURITY_WORDS, AuthMethod, EwsAuth, FieldError,
    ProfileError, Security, ServiceType)
from mailwizard.core.setting_text import (  # noqa: F401 (re-exported)
    _PROFILE_NAME, check_profile_name, has_control_chars)
from mailwizard.core.server_names import (  # noqa: F401 (re-exported)
    _LABEL, check_domain, default_ews_url, exchange_login, normalise_ews_url, to_ascii_host)
from mailwizard.core.translated_words import TranslatedWords  # noqa: F401 (re-exported)
TYPE_CHECKING = False  # typing is for type checkers: not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any


@dataclass
class Profile:
    host: str = ""
    port: int = 587
    security: Security = Security.STARTTLS
    auth: AuthMethod = AuthMethod.PASSWORD
    username: str = ""
    from_address: str = ""
    display_name: str = ""
    service: ServiceType = ServiceType.SMTP
    provider_id: str = "custom"
    #: A PEM file with extra CA certificates (on-premises servers with a private CA).
    cafile: str = ""
    #: SHA-256 fingerprint of one server certificate the user explicitly chose to trust.
    pinned_sha256: str = ""
    timeout: float = 20.0
    # -- Exchange (service = exchange) ----------------------------------------------------
    #: https://mail.company.com/EWS/Exchange.asmx
    ews_url: str = ""
    #: company.com or the Windows (NetBIOS) domain name, e.g. COMPANY
    domain: str = ""
    ews_auth: EwsAuth = EwsAuth.NTLM
    #: The user read that Exchange Online has switched EWS off and chose to go on anyway.
    exchange_online_acknowledged: bool = False
    # -- OAuth "Connect" (service = oauth, auth = oauth2) ------------------------------------
    #: "google" or "microsoft" (resources/oauth.toml)
    oauth_provider: str = ""
    #: Microsoft only: the directory (tenant ID or domain), "organizations" or "consumers"
    oauth_tenant: str = ""
    #: where a fresh access token is obtained with the stored refresh token
    token_endpoint: str = ""

    def __post_init__(self) -> None:
        # Accept plain strings from CLI arguments, JSON and Qt widgets.
        if not isinstance(self.security, Security):
            self.security = Security(self.security)
        if not isinstance(self.auth, AuthMethod):
            self.auth = AuthMethod(self.auth)
        if not isinstance(self.service, ServiceType):
            self.service = ServiceType(self.service)
        if not isinstance(self.ews_auth, EwsAuth):
            self.ews_auth = EwsAuth(self.ews_auth)
        if isinstance(self.port, str) and self.port.strip().isdigit():
            self.port = int(self.port.strip())

    def with_changes(self, **changes: Any) -> "Profile":
        return replace(self, **changes)

    @property
    def ascii_host(self) -> str:
        """The host as it goes on the wire: internationalised names in their xn-- form."""
        return to_ascii_host(self.host)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("security", "auth", "service", "ews_auth"):
            d[k] = d[k].value
        return d

    def to_config_dict(self) -> dict[str, Any]:
        """The keys that mean something for this service type (what the config file holds)."""
        d = self.to_dict()
        d.pop("timeout", None)  # a property of one check, not of the account
        drop = _EXCHANGE_KEYS if self.service is not ServiceType.EXCHANGE else _SMTP_KEYS
        if self.service is not ServiceType.OAUTH:
            drop = drop + _OAUTH_KEYS
        elif not self.oauth_tenant:
            drop = drop + ("oauth_tenant",)
        for k in drop:
            d.pop(k, None)
        if not self.exchange_online_acknowledged:
            d.pop("exchange_online_acknowledged", None)
        return d

    def normalised(self) -> "Profile":
        """The same settings in the form they are checked and saved in: for Exchange, the
        full EWS URL and the login as DOMAIN\\user or user@domain. Bad values are left as they
        are for check_profile to name."""
        if self.service is not ServiceType.EXCHANGE:
            return self
        changes: dict[str, Any] = {"domain": self.domain.strip()}
        try:
            changes["ews_url"] = normalise_ews_url(self.ews_url)
        except ValueError:
            pass
        try:
            changes["username"] = exchange_login(self.username, changes["domain"],
                                                 self.ews_auth)
        except ValueError:
            pass
        return replace(self, **changes)

    @property
    def ews_host_port(self) -> tuple[str, int]:
        """Host (IDNA form) and port of the EWS URL; raises ValueError when it has none."""
        from urllib.parse import urlsplit

        parts = urlsplit(normalise_ews_url(self.ews_url))
        return to_ascii_host(parts.hostname or ""), parts.port or 443

    def server_text(self) -> str:
        """Where mail goes, in one line for people: "smtp.example.org, port 587 (STARTTLS)" or
        "Exchange at https://… (Windows sign-in)"."""
        if self.service is ServiceType.EXCHANGE:
            if self.ews_auth is EwsAuth.NTLM:
                return _("Exchange at {url} (Windows (NTLM) sign-in)").format(url=self.ews_url)
            return _("Exchange at {url} (Basic sign-in)").format(url=self.ews_url)
        if self.service is ServiceType.OAUTH:
            who = {"google": "Google", "microsoft": "Microsoft"}.get(self.oauth_provider,
                                                                    self.oauth_provider)
            return _("{host}, port {port} ({security}), signed in with {provider}").format(
                host=self.host, port=self.port, security=SECURITY_WORDS[self.security],
                provider=who)
        return _("{host}, port {port} ({security})").format(
            host=self.host, port=self.port, security=SECURITY_WORDS[self.security])

    @property
    def is_exchange_online(self) -> bool:
        try:
            host = self.ews_host_port[0]
        except ValueError:
            return False
        return host in EXCHANGE_ONLINE_HOSTS

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Profile":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def errors(self) -> list[FieldError]:
        return check_profile(self)

    def raise_if_invalid(self) -> None:
        errs = self.errors()
        if errs:
            raise ProfileError(errs)


_SMTP_KEYS = ("host", "port", "security")
_EXCHANGE_KEYS = ("ews_url", "domain", "ews_auth", "exchange_online_acknowledged")
_OAUTH_KEYS = ("oauth_provider", "oauth_tenant", "token_endpoint")

_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")


def normalise_fingerprint(value: str) -> str:
    return value.replace(":", "").replace(" ", "").strip().lower()


def check_profile(p: Profile) -> list[FieldError]:
    """Every problem with the profile, each naming its field and what is expected. Pure: the
    profile is not changed."""
    errors: list[FieldError] = []
    if p.service is ServiceType.EXCHANGE:
        errors += _check_exchange(p)
    else:
        errors += _check_smtp(p)
    if p.service is ServiceType.OAUTH:
        errors += _check_oauth(p)
    elif p.auth is AuthMethod.OAUTH2:
        errors.append(FieldError("auth", _("OAuth sign-in needs the Connect service type")))
    if p.from_address:
        _norm, err = check_email(p.from_address, "from_address")
        if err:
            errors.append(err)
    else:
        errors.append(FieldError("from_address", _("enter the address your mail is sent from")))
    if any(c in p.display_name for c in "\r\n\u2028\u2029"):
        errors.append(FieldError("display_name", _("the display name must be on one line")))
    elif has_control_chars(p.display_name):
        errors.append(FieldError("display_name", _("the display name holds an invisible control "
                                                   "character (such as a tab or form feed): "
                                                   "type it again with letters only")))
    if len(p.display_name) > 100:
        errors.append(FieldError("display_name", _("keep the display name under 100 characters")))
    if p.pinned_sha256 and not _FINGERPRINT.match(normalise_fingerprint(p.pinned_sha256)):
        errors.append(FieldError("pinned_sha256", _("a SHA-256 fingerprint is 64 hexadecimal "
                                                    "characters (colons allowed)")))
    if p.cafile:
        import os

        if not os.path.isfile(p.cafile):
            errors.append(FieldError("cafile", _(
                "no file at {path}; give the path of a PEM file with your organisation's CA "
                "certificate").format(path=p.cafile)))
    if not (0 < float(p.timeout) <= 300):
        errors.append(FieldError("timeout", _("enter a number of seconds between 1 and 300")))
    return errors


def _check_exchange(p: Profile) -> list[FieldError]:
    errors: list[FieldError] = []
    try:
        normalise_ews_url(p.ews_url)
    except ValueError as exc:
        errors.append(FieldError("ews_url", str(exc)))
    if p.domain.strip():
        problem = check_domain(p.domain)
        if problem:
            errors.append(FieldError("domain", problem))
    if p.auth is not AuthMethod.PASSWORD:
        errors.append(FieldError("auth", _("Exchange needs a user name and password")))
    try:
        exchange_login(p.username, p.domain if not check_domain(p.domain) else "", p.ews_auth)
    except ValueError as exc:
        errors.append(FieldError("username", str(exc)))
    return errors


def _check_oauth(p: Profile) -> list[FieldError]:
    errors: list[FieldError] = []
    if p.auth is not AuthMethod.OAUTH2:
        errors.append(FieldError("auth", _("a connected service signs in with OAuth (oauth2)")))
    if p.oauth_provider not in ("google", "microsoft"):
        errors.append(FieldError("oauth_provider", _("choose google or microsoft")))
    if not p.token_endpoint.startswith("https://"):
        errors.append(FieldError("token_endpoint", _("the sign-in service's token address "
                                                     "(https://…) is missing")))
    return errors


def _check_smtp(p: Profile) -> list[FieldError]:
    errors: list[FieldError] = []
    try:
        to_ascii_host(p.host)
    except ValueError as exc:
        errors.append(FieldError("host", str(exc)))
    if isinstance(p.port, bool) or not isinstance(p.port, int):
        errors.append(FieldError("port", _("enter a whole number between 1 and 65535 "
                                           "(usually 587 or 465)")))
    elif not 1 <= p.port <= 65535:
        errors.append(FieldError("port", _("enter a whole number between 1 and 65535 "
                                           "(usually 587 or 465)")))
    if p.auth in (AuthMethod.PASSWORD, AuthMethod.OAUTH2):
        if not p.username.strip():
            errors.append(FieldError("username", _("enter the user name for the mail server "
                                                   "(often your full email address)")))
        if p.security is Security.NONE:
            errors.append(FieldError(
                "security", _("a password is never sent without encryption: choose SSL/TLS "
                              "or STARTTLS, or set authentication to none for an IP-based "
                              "relay")))
    return errors
