"""The settings a user builds in the wizard, and the checks that name each bad field.

A `Profile` is what gets validated and saved; it never holds the secret itself (that travels
separately, and is stored in the OS keyring).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

from mailwizard.core.i18n import N_, _
TYPE_CHECKING = False  # typing is for type checkers: not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any


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


class TranslatedWords(Mapping):
    """A table of sentences marked with N_() whose values come out in the user's language
    (translated on each look-up: the language is chosen after import). Code anywhere may
    read it like a dict: ``TABLE[key]``, ``TABLE.get(key)``, ``TABLE.items()``. The values of
    the keys in `same` (names such as "STARTTLS", the same in every language) are not looked
    up at all."""

    def __init__(self, table: dict, same=()):
        self._table = dict(table)
        self._same = frozenset(same)

    def __getitem__(self, key):
        text = self._table[key]
        return text if key in self._same or not text else _(text)

    def __iter__(self):
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        return f"TranslatedWords({self._table!r})"

    def source(self, key):
        """The English text (the catalogue's id)."""
        return self._table[key]


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

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)
_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")


def to_ascii_host(host: str) -> str:
    """Convert an internationalised host name to its ASCII (IDNA) form; raise ValueError
    with a plain explanation when it cannot be a host name."""
    host = host.strip().rstrip(".")
    if not host:
        raise ValueError(_("enter the name of the mail server, for example smtp.example.com"))
    if any(c.isspace() for c in host):
        raise ValueError(_("a server name has no spaces"))
    if "://" in host or "/" in host:
        raise ValueError(_("enter only the server name, without http:// or a path, "
                           "for example smtp.example.com"))
    if ":" in host and not host.startswith("["):
        if host.count(":") == 1:
            raise ValueError(_("put the port number in the Port field, not after the server name"))
        return host  # an IPv6 literal
    if re.fullmatch(r"[0-9.]+", host):
        parts = host.split(".")
        if len(parts) == 4 and all(p.isdigit() and 0 <= int(p) <= 255 for p in parts):
            return host
        raise ValueError(_("this looks like an IP address but is not a valid one"))
    try:
        import idna  # installed with email-validator; handles IDNA 2008 properly

        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except Exception:
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(_("this is not a valid server name")) from None
    labels = ascii_host.split(".")
    if not all(_LABEL.match(label) for label in labels):
        raise ValueError(_("this is not a valid server name (letters, digits, dots and "
                           "hyphens only), for example smtp.example.com"))
    return ascii_host.lower()


_NETBIOS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,14}$")


def check_domain(value: str) -> str | None:
    """None when `value` looks like company.com or a Windows (NetBIOS) domain name such as
    COMPANY; otherwise what is wrong, in plain words."""
    value = value.strip()
    hint = _("enter the domain like company.com, or the short Windows domain name like "
             "COMPANY")
    if not value:
        return hint
    if "@" in value or "://" in value or "/" in value or "\\" in value:
        return _("enter the domain like company.com, or the short Windows domain name like "
                 "COMPANY (only the domain: no email address, web address or user name)")
    if "." in value:
        try:
            to_ascii_host(value)
        except ValueError:
            return hint
        return None
    if not _NETBIOS.match(value):
        return _("enter the domain like company.com, or the short Windows domain name like "
                 "COMPANY (a short Windows domain name has at most 15 letters, digits, "
                 "hyphens or underscores)")
    return None


def exchange_login(username: str, domain: str, auth: "EwsAuth | str") -> str:
    """The Exchange login in the form the server takes: DOMAIN\\user or user@domain.

    Both forms are accepted as typed; a bare user name gets the Domain field (as DOMAIN\\user
    for Windows sign-in, as user@domain for Basic when the domain has a dot). Raises
    ValueError with what to type instead."""
    auth = EwsAuth(auth)
    user = username.strip()
    if not user:
        raise ValueError(_("enter your Windows user name, like COMPANY\\jsmith or "
                           "jsmith@company.com"))
    if "/" in user and "\\" not in user and "@" not in user:
        raise ValueError(_("use a backslash between domain and user name: {login}").format(
            login=user.replace("/", "\\", 1)))
    if "\\" in user:
        dom, _sep, name = user.partition("\\")
        if not dom or not name or "\\" in name:
            raise ValueError(_("write it as DOMAIN\\user, with one backslash, like "
                               "COMPANY\\jsmith"))
        problem = check_domain(dom)
        if problem:
            raise ValueError(_("the part before the backslash: {problem}").format(
                problem=problem))
        return f"{dom}\\{name}"
    if "@" in user:
        name, _sep, dom = user.rpartition("@")
        if not name or check_domain(dom) or "." not in dom:
            raise ValueError(_("write it as user@company.com or COMPANY\\user"))
        return user
    domain = domain.strip()
    if not domain:
        raise ValueError(_("add your domain: type COMPANY\\{user} or {user}@company.com, or "
                           "fill in the Domain field").format(user=user))
    problem = check_domain(domain)
    if problem:
        raise ValueError(_("the Domain field: {problem}").format(problem=problem))
    if auth is EwsAuth.BASIC and "." in domain:
        return f"{user}@{domain}"
    return f"{domain}\\{user}"


def normalise_ews_url(value: str) -> str:
    """https://host[:port]/EWS/Exchange.asmx from what the user typed (a server name alone is
    completed). Raises ValueError, in plain words, for anything that is not an HTTPS URL."""
    from urllib.parse import urlsplit, urlunsplit

    value = value.strip()
    if not value:
        raise ValueError(_("enter the Exchange web services address, like "
                           "https://mail.company.com/EWS/Exchange.asmx"))
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme.lower() != "https":
        raise ValueError(_("the address must start with https:// (a password is never sent "
                           "without encryption)"))
    if parts.username or parts.password:
        raise ValueError(_("put the user name and password in their own fields, not in the "
                           "address"))
    try:
        host = to_ascii_host(parts.hostname or "")
        port = parts.port
    except ValueError as exc:
        raise ValueError(_("the server in the address: {problem}").format(
            problem=exc)) from None
    path = parts.path.rstrip("/")
    if path in ("", "/EWS", "/ews"):
        path = EWS_PATH
    netloc = host if port in (None, 443) else f"{host}:{port}"
    return urlunsplit(("https", netloc, path, parts.query, ""))


def default_ews_url(email: str) -> str:
    """The usual on-premises address for the domain of `email`: https://mail.DOMAIN/EWS/…"""
    domain = email.strip().rpartition("@")[2]
    return f"https://mail.{domain}{EWS_PATH}" if domain else ""


def normalise_fingerprint(value: str) -> str:
    return value.replace(":", "").replace(" ", "").strip().lower()


#: A plain ASCII address that email-validator surely accepts: `_plain_email` answers for it
#: without importing email-validator, whose regular expressions take ~20 ms to compile.
_ATEXT = r"[A-Za-z0-9_!#$%&'*+/=?^`{|}~-]+"
_PLAIN_LOCAL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_PLAIN_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
                           r"[a-z](?:[a-z0-9-]{0,61}[a-z])?")
#: email-validator's refusals and changes that the pattern above does not cover.
_SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")
_CASE_INSENSITIVE = ("info", "marketing", "sales", "support", "abuse", "noc", "security",
                     "postmaster", "hostmaster", "usenet", "news", "webmaster", "www", "uucp",
                     "ftp")


def _plain_email(value: str) -> str | None:
    """The normalised form email-validator would give a plain ASCII address, or None when
    the address needs email-validator itself (anything unusual, and every refusal)."""
    local, at, domain = value.rpartition("@")
    domain = domain.lower()
    if (not at or len(value) > 254 or len(local) > 64 or not value.isascii()
            or not _PLAIN_LOCAL.fullmatch(local) or local.lower() in _CASE_INSENSITIVE
            or len(domain) > 253 or not _PLAIN_DOMAIN.fullmatch(domain) or "--" in domain
            or any(domain == d or domain.endswith("." + d) for d in _SPECIAL_USE)):
        return None
    return f"{local}@{domain}"


def check_email(value: str, field_name: str) -> tuple[str, FieldError | None]:
    """Check one address with email-validator; return its normalised form or a FieldError."""
    value = value.strip()
    if not value:
        return value, FieldError(field_name, _("enter an email address, for example "
                                               "accounts@your-society.org"))
    plain = _plain_email(value)
    if plain is not None:
        return plain, None
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(value, check_deliverability=False,
                                allow_smtputf8=True, allow_display_name=False)
    except EmailNotValidError as exc:
        # An internal, reserved or single-label domain (office@company.local): the user's
        # own server decides. The part before @ is checked as usual, the domain as a name.
        local, _sep, domain = value.rpartition("@")
        reason = str(exc).lower()
        if local and domain and ("special-use" in reason or "period" in reason
                                 or "top-level domain" in reason or address_note(value)):
            try:
                ascii_domain = to_ascii_host(domain)
                local_ok = validate_email(f"{local}@example.com", check_deliverability=False,
                                          allow_smtputf8=True, allow_display_name=False)
            except (EmailNotValidError, ValueError):
                pass
            else:
                if not ascii_domain.replace(".", "").isdigit():  # not a bare IP address
                    return f"{local_ok.local_part}@{domain.strip().rstrip('.').lower()}", None
        # email-validator's reason is English: for IT in the log (--debug), and our own
        # sentence for the person, in their language.
        import logging

        logging.getLogger(__name__).debug("%s is not a valid address: %s", field_name, exc)
        return value, FieldError(field_name, _(
            "this is not a valid email address: {problem}").format(
                problem=address_problem(str(exc))))
    return result.normalized, None


#: email-validator's reasons (English) → what we say, in the user's language. The first
#: pattern found in the reason wins; {characters} is what the reason quotes after its colon.
_ADDRESS_PROBLEMS = (
    ("small commercial at", N_("it has a small ﹫ instead of the usual @ sign")),
    ("must have an @-sign", N_("it needs an @ sign, as in name@your-society.org")),
    ("something after the @-sign", N_("something is missing after the @ sign")),
    ("something before the @-sign", N_("something is missing before the @ sign")),
    ("two periods in a row", N_("it has two dots in a row")),
    ("period and a hyphen", N_("a dot and a hyphen cannot stand next to each other")),
    ("two dashes", N_("the part after the @ sign has two hyphens in a row")),
    ("too long", N_("it is too long")),
    ("so many characters", N_("it is too long")),
    ("should have a period", N_("the part after the @ sign needs a dot, as in "
                                "your-society.org")),
    ("top-level domain", N_("the part after the @ sign does not end like a real domain, "
                            "such as .org or .in")),
    ("special-use or reserved", N_("the part after the @ sign is a reserved name that "
                                   "cannot receive email")),
    ("display name", N_("type only the address, without a name or angle brackets")),
    ("angle bracket", N_("type only the address, without a name or angle brackets")),
    ("anything after the email address", N_("there is something after the address")),
    ("internationalized characters before", N_("letters outside A–Z before the @ sign are "
                                              "not accepted here")),
    ("after the @-sign contains invalid characters:", N_(
        "the part after the @ sign contains characters an address cannot have: "
        "{characters}")),
    ("before the @-sign:", N_("the part before the @ sign contains characters an address "
                              "cannot have: {characters}")),
    ("after the @-sign", N_("the part after the @ sign is not a valid domain")),
    ("before the @-sign", N_("the part before the @ sign contains characters an address "
                             "cannot have")),
)


def address_problem(reason: str) -> str:
    """email-validator's English reason in our own words, translated."""
    low = reason.lower()
    for pattern, sentence in _ADDRESS_PROBLEMS:
        if pattern in low:
            characters = reason.rpartition(": ")[2].rstrip(".") if ": " in reason else ""
            # email-validator names invisible characters in English: "SPACE", "TAB"
            characters = characters.replace("SPACE", _("a space")).replace("TAB", _("a tab"))
            return _(sentence).format(characters=characters)
    return _("check it for typing mistakes")


#: resources/config.schema.json's profile_name: it names the keyring entry "<name>/password".
_PROFILE_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}\Z")


def check_profile_name(name: object) -> str | None:
    """What is wrong with a profile name, or None."""
    if not isinstance(name, str) or not _PROFILE_NAME.match(name):
        return _('use 1 to 64 letters, digits, ".", "_" or "-", e.g. "default" (it names the '
                 'keyring entry "<name>/password")')
    return None


def has_control_chars(text: str) -> bool:
    """C0/C1 control characters and DEL (line breaks included): never valid in a setting."""
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)


#: Domain endings reserved for private networks, tests and documentation (RFC 2606, 6761,
#: 6762, ICANN's .internal): fine on an organisation's own server, never on the internet.
_PRIVATE_ENDINGS = ("local", "internal", "test", "example", "invalid", "localhost",
                    "lan", "home.arpa", "corp", "home", "intranet", "private")


def address_note(address: str) -> str:
    """A gentle note (never a refusal) when `address` is on a domain that only works inside
    an organisation's own network; "" for ordinary internet domains."""
    domain = address.strip().rpartition("@")[2].rstrip(".").lower()
    if not domain or domain.startswith("["):
        return ""
    if "." not in domain:
        return _("“{domain}” is a name used only inside your own network: fine when your "
                 "own mail server accepts it, but mail to or from it cannot travel on the "
                 "internet.").format(domain=domain)
    if any(domain == e or domain.endswith("." + e) for e in _PRIVATE_ENDINGS):
        return _("“{domain}” is a domain for private networks (or tests): fine when your "
                 "own mail server accepts it, but mail to or from it cannot travel on the "
                 "internet.").format(domain=domain)
    return ""


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
