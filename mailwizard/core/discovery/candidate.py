"""What discovery finds: a candidate set of SMTP settings, where it came from and why we think
so (in words for the user, and in detail for IT)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mailwizard.core.i18n import _
from mailwizard.core.profile_types import Security, ServiceType

TYPE_CHECKING = False  # typing, and the profile model only when a candidate becomes one
if TYPE_CHECKING:
    from typing import Any
    from mailwizard.core.profile import Profile

#: Sources, strongest first (see rank.py for how they are ordered and why).
PRESET, AUTOCONFIG, ISPDB, MX, SRV, PROBE = "preset", "autoconfig", "ispdb", "mx", "srv", "probe"
SOURCES = (PRESET, AUTOCONFIG, ISPDB, MX, SRV, PROBE)


@dataclass
class ProbeResult:
    """What one SMTP probe saw (it never signs in)."""

    host: str
    port: int
    security: Security | None = None  # what worked: tls, starttls; None when nothing did
    ok: bool = False                 # greeting + encryption established
    cert_verified: bool = False
    auth_mechanisms: tuple[str, ...] = ()
    greeting: str = ""
    failure: str = ""                # "", or a short reason ("refused", "timeout", "tls: …")
    contradicts: bool = False        # the server answered, but not as a submission service
    elapsed_ms: float = 0.0
    address: str = ""

    @property
    def exchange(self) -> bool:
        """The greeting of an Exchange server an organisation runs itself."""
        return "microsoft esmtp mail service" in self.greeting.lower()

    def summary(self) -> str:
        if not self.ok:
            return f"{self.host}:{self.port}: {self.failure or 'no answer'}"
        cert = "certificate valid" if self.cert_verified else "certificate NOT trusted"
        auth = ("sign-in offered (" + " ".join(self.auth_mechanisms) + ")"
                if self.auth_mechanisms else "no sign-in offered")
        return f"{self.host}:{self.port} {self.security.value}: {cert}, {auth}"


@dataclass
class Candidate:
    source: str
    host: str
    port: int
    security: Security
    #: the user's words: why we think so ("Your domain's mail is handled by Microsoft 365 …")
    reason: str
    #: IT's words: what exactly was seen (record, URL, pattern, probe transcript summary)
    evidence: list[str] = field(default_factory=list)
    provider_id: str = ""
    provider_name: str = ""
    username: str = ""
    #: True when the password would go to a host outside the address's domain that is not a
    #: known provider's: the user must say yes before any check uses it.
    needs_confirmation: bool = False
    #: set from probes of this host and port: True confirmed, False contradicted, None unknown
    confirmed: bool | None = None
    probe: ProbeResult | None = None
    also_from: list[str] = field(default_factory=list)  # other sources that said the same
    elapsed_ms: float = 0.0   # when it was found, from the start of the run
    score: int = 0
    service: ServiceType = ServiceType.SMTP
    #: the sign-in methods the source names for this server ("password-cleartext", "OAuth2"
    #: …; Thunderbird's words), () when it names none
    auth_methods: tuple[str, ...] = ()
    help_url: str = ""  # the provider's own page about these settings, when a source has one
    preference: int = 0  # the position in its source's own list (0: the source's first)

    @property
    def oauth_only(self) -> bool:
        """The source says this server takes only OAuth2: no password of any kind works."""
        return bool(self.auth_methods) and all(a == "OAuth2" for a in self.auth_methods)

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.host.lower(), self.port, self.security.value)

    @property
    def confidence(self) -> str:
        if self.confirmed is False:
            return "low"
        if self.source == PROBE:
            return "medium" if self.probe and self.probe.cert_verified else "low"
        if self.confirmed or self.also_from:
            return "high"
        return "medium" if self.source in (SRV,) else "high" if self.source == PRESET \
            else "medium"

    def server_text(self) -> str:
        if self.security is Security.NONE:
            return _("{host}, port {port}, no encryption").format(host=self.host,
                                                                  port=self.port)
        # Translators: {security} is SSL/TLS or STARTTLS.
        return _("{host}, port {port}, secure connection ({security})").format(
            host=self.host, port=self.port,
            security={Security.TLS: "SSL/TLS", Security.STARTTLS: "STARTTLS"}[self.security])

    def profile(self, email: str, display_name: str = "") -> Profile:
        """A profile for these settings (the user can still change everything)."""
        from mailwizard.core.profile import Profile

        return Profile(host=self.host, port=self.port, security=self.security,
                       username=self.username or email, from_address=email,
                       display_name=display_name, provider_id=self.provider_id or "custom",
                       service=self.service)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "source": self.source, "host": self.host, "port": self.port,
            "security": self.security.value, "username": self.username,
            "provider_id": self.provider_id, "provider_name": self.provider_name,
            "reason": self.reason, "evidence": list(self.evidence),
            "also_from": list(self.also_from), "confidence": self.confidence,
            "confirmed": self.confirmed, "needs_confirmation": self.needs_confirmation,
            "score": self.score, "found_after_ms": round(self.elapsed_ms, 1),
            "auth_methods": list(self.auth_methods), "oauth_only": self.oauth_only,
            "help_url": self.help_url}
        if self.probe is not None:
            p = self.probe
            d["probe"] = {"ok": p.ok, "cert_verified": p.cert_verified,
                          "auth_mechanisms": list(p.auth_mechanisms), "failure": p.failure,
                          "ms": round(p.elapsed_ms, 1)}
        return d


def in_domain(host: str, domain: str) -> bool:
    host, domain = host.lower().rstrip("."), domain.lower().rstrip(".")
    return host == domain or host.endswith("." + domain)
