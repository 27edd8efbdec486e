"""What a check found, stage by stage: plain data for the diagnosis, the report, the
last-check record and --json (never a secret: every text in it is redacted)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

from mailwizard.core.profile import Profile
from mailwizard.core.redact import redact

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

log = logging.getLogger(__name__)


@dataclass
class StageResult:
    stage: str
    status: str  # "ok", "failed", "cancelled"
    ms: float
    detail: str = ""


@dataclass
class CertificateInfo:
    subject: str = ""
    issuer: str = ""
    not_before: str = ""
    not_after: str = ""
    names: list[str] = field(default_factory=list)
    sha256: str = ""
    verified: bool = False
    error: str = ""

    @classmethod
    def from_der(cls, der: bytes, *, verified: bool, error: str = "") -> "CertificateInfo":
        import hashlib

        info = cls(sha256=hashlib.sha256(der).hexdigest(), verified=verified, error=error)
        try:  # cryptography is only needed to describe a certificate, mostly on failure
            from cryptography import x509

            cert = x509.load_der_x509_certificate(der)
            info.subject = cert.subject.rfc4514_string()
            info.issuer = cert.issuer.rfc4514_string()
            info.not_before = cert.not_valid_before_utc.isoformat()
            info.not_after = cert.not_valid_after_utc.isoformat()
            try:
                san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
                info.names = [str(n.value) for n in san.value]
            except x509.ExtensionNotFound:
                pass
        except Exception as exc:  # a certificate we cannot parse is still identified by hash
            log.debug("could not describe certificate: %s", exc)
        return info

    @property
    def fingerprint_colons(self) -> str:
        return ":".join(self.sha256[i:i + 2] for i in range(0, len(self.sha256), 2)).upper()


@dataclass
class CheckFailure:
    """What went wrong, in facts; `diagnosis.diagnose()` turns it into words."""

    stage: str
    kind: str  # our own classification, e.g. "timeout", "tls_verify", "smtp_reply"
    message: str  # the library's or server's text (redacted)
    code: int | None = None  # SMTP reply code, when the server answered
    reply: str = ""  # the server's reply text
    exception: str = ""  # exception class name
    errno: int | None = None
    ssl_reason: str = ""
    certificate: CertificateInfo | None = None
    #: what to do, when the library that failed already knows it (OAuth sign-in errors)
    fix: str = ""
    help_url: str = ""


@dataclass
class CheckResult:
    ok: bool
    profile: Profile
    stages: list[StageResult] = field(default_factory=list)
    failure: CheckFailure | None = None
    transcript: list[str] = field(default_factory=list)
    certificate: CertificateInfo | None = None
    tls_version: str = ""
    cipher: str = ""
    auth_mechanism: str = ""
    auth_attempts: int = 0
    server_features: list[str] = field(default_factory=list)
    test_message_to: str = ""
    #: the server accepted the From address (MAIL FROM and RCPT TO itself, then RSET)
    sender_accepted: bool = False
    message_id: str = ""
    peer: str = ""
    elapsed_ms: float = 0.0
    started_at: str = ""
    #: OAuth: a new refresh token the provider gave during this check (store it instead of
    #: the old one). Never in a report.
    rotated_secret: str = field(default="", repr=False, compare=False)

    @property
    def cancelled(self) -> bool:
        return self.failure is not None and self.failure.kind == "cancelled"

    def to_dict(self) -> dict[str, Any]:
        """A redacted, JSON-ready report (no secret ever reaches a CheckResult)."""
        d = {
            "ok": self.ok,
            "started_at": self.started_at,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "profile": self.profile.to_dict(),
            "peer": self.peer,
            "stages": [asdict(s) | {"ms": round(s.ms, 1)} for s in self.stages],
            "failure": asdict(self.failure) if self.failure else None,
            "tls_version": self.tls_version,
            "cipher": self.cipher,
            "certificate": asdict(self.certificate) if self.certificate else None,
            "auth_mechanism": self.auth_mechanism,
            "auth_attempts": self.auth_attempts,
            "server_features": self.server_features,
            "test_message_to": self.test_message_to,
            "sender_accepted": self.sender_accepted,
            "message_id": self.message_id,
            "transcript": [redact(line) for line in self.transcript],
        }
        return d
