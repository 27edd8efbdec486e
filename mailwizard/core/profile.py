"""The settings a user builds in the wizard, and the checks that name each bad field.

A `Profile` is what gets validated and saved; it never holds the secret itself (that travels
separately, and is stored in the OS keyring).
"""

from __future__ import annotations

import enum
import re
from dataclasses import asdict, dataclass, replace
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


#: Each security mode in the words users see (CLI listings, diagnosis texts).
SECURITY_WORDS = {
    Security.TLS: "SSL/TLS",
    Security.STARTTLS: "STARTTLS",
    Security.NONE: "no encryption",
}


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

    def __post_init__(self) -> None:
        # Accept plain strings from CLI arguments, JSON and Qt widgets.
        if not isinstance(self.security, Security):
            self.security = Security(self.security)
        if not isinstance(self.auth, AuthMethod):
            self.auth = AuthMethod(self.auth)
        if not isinstance(self.service, ServiceType):
            self.service = ServiceType(self.service)
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
        for k in ("security", "auth", "service"):
            d[k] = d[k].value
        return d

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


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)
_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")


def to_ascii_host(host: str) -> str:
    """Convert an internationalised host name to its ASCII (IDNA) form; raise ValueError
    with a plain explanation when it cannot be a host name."""
    host = host.strip().rstrip(".")
    if not host:
        raise ValueError("enter the name of the mail server, for example smtp.example.com")
    if any(c.isspace() for c in host):
        raise ValueError("a server name has no spaces")
    if "://" in host or "/" in host:
        raise ValueError("enter only the server name, without http:// or a path, "
                         "for example smtp.example.com")
    if ":" in host and not host.startswith("["):
        if host.count(":") == 1:
            raise ValueError("put the port number in the Port field, not after the server name")
        return host  # an IPv6 literal
    if re.fullmatch(r"[0-9.]+", host):
        parts = host.split(".")
        if len(parts) == 4 and all(p.isdigit() and 0 <= int(p) <= 255 for p in parts):
            return host
        raise ValueError("this looks like an IP address but is not a valid one")
    try:
        import idna  # installed with email-validator; handles IDNA 2008 properly

        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except Exception:
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError("this is not a valid server name") from None
    labels = ascii_host.split(".")
    if not all(_LABEL.match(label) for label in labels):
        raise ValueError("this is not a valid server name (letters, digits, dots and "
                         "hyphens only), for example smtp.example.com")
    return ascii_host.lower()


def normalise_fingerprint(value: str) -> str:
    return value.replace(":", "").replace(" ", "").strip().lower()


def check_email(value: str, field_name: str) -> tuple[str, FieldError | None]:
    """Check one address with email-validator; return its normalised form or a FieldError."""
    from email_validator import EmailNotValidError, validate_email

    value = value.strip()
    if not value:
        return value, FieldError(field_name, "enter an email address, for example "
                                             "accounts@your-society.org")
    try:
        result = validate_email(value, check_deliverability=False,
                                allow_smtputf8=True, allow_display_name=False)
    except EmailNotValidError as exc:
        return value, FieldError(field_name, f"this is not a valid email address ({exc})")
    return result.normalized, None


def check_profile(p: Profile) -> list[FieldError]:
    """Every problem with the profile, each naming its field and what is expected. Pure: the
    profile is not changed."""
    errors: list[FieldError] = []
    if p.service is ServiceType.SMTP or p.service is ServiceType.OAUTH:
        try:
            to_ascii_host(p.host)
        except ValueError as exc:
            errors.append(FieldError("host", str(exc)))
    if isinstance(p.port, bool) or not isinstance(p.port, int):
        errors.append(FieldError("port", "enter a whole number between 1 and 65535 "
                                         "(usually 587 or 465)"))
    elif not 1 <= p.port <= 65535:
        errors.append(FieldError("port", "enter a whole number between 1 and 65535 "
                                         "(usually 587 or 465)"))
    if p.auth is AuthMethod.PASSWORD:
        if not p.username.strip():
            errors.append(FieldError("username", "enter the user name for the mail server "
                                                 "(often your full email address)"))
        if p.security is Security.NONE:
            errors.append(FieldError(
                "security", "a password is never sent without encryption: choose SSL/TLS or "
                            "STARTTLS, or set authentication to none for an IP-based relay"))
    if p.from_address:
        _, err = check_email(p.from_address, "from_address")
        if err:
            errors.append(err)
    else:
        errors.append(FieldError("from_address", "enter the address your mail is sent from"))
    if any(c in p.display_name for c in "\r\n"):
        errors.append(FieldError("display_name", "the display name must be on one line"))
    if len(p.display_name) > 100:
        errors.append(FieldError("display_name", "keep the display name under 100 characters"))
    if p.pinned_sha256 and not _FINGERPRINT.match(normalise_fingerprint(p.pinned_sha256)):
        errors.append(FieldError("pinned_sha256", "a SHA-256 fingerprint is 64 hexadecimal "
                                                  "characters (colons allowed)"))
    if p.cafile:
        import os

        if not os.path.isfile(p.cafile):
            errors.append(FieldError("cafile", f"no file at {p.cafile}; give the path of a PEM "
                                               "file with your organisation's CA certificate"))
    if not (0 < float(p.timeout) <= 300):
        errors.append(FieldError("timeout", "enter a number of seconds between 1 and 300"))
    return errors
