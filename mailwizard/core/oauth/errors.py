"""A sign-in or refresh that did not work (`OAuthError`, its kinds) and how a provider's own
error code is sorted into a kind. The words for each kind are in core/oauth/failures.py."""

from __future__ import annotations

from mailwizard.core.redact import redact


#: Every `OAuthError.kind`, for callers that switch on it.
KINDS = ("not_configured", "cancelled", "timeout", "state_mismatch", "denied", "admin_consent",
         "invalid_grant", "invalid_client", "network", "tls", "server")


# -- errors -------------------------------------------------------------------------------
class OAuthError(Exception):
    """A sign-in or refresh that did not work.

    kind: one of KINDS. message: what happened, in plain words. fix: what to do next.
    help_url: where to read more (may be empty). detail: the provider's own error code and
    description, for IT (redacted; never the headline)."""

    def __init__(self, kind: str, message: str, fix: str = "", help_url: str = "",
                 detail: str = ""):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.fix = fix
        self.help_url = help_url
        self.detail = redact(detail)[:500]

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"OAuthError({self.kind!r}, {self.message!r})"


_ADMIN_CONSENT_CODES = ("AADSTS65001", "AADSTS90094", "AADSTS90095")


def _classify_provider_error(error: str, description: str) -> str:
    """An OAuth error code (RFC 6749 4.1.2.1 / 5.2) and the provider's description → kind."""
    error = (error or "").strip().lower()
    low = (description or "").lower()
    if (any(c in (description or "") for c in _ADMIN_CONSENT_CODES)
            or "admin approval" in low or "admin consent" in low
            or error in ("consent_required", "admin_policy_enforced")):
        return "admin_consent"
    if error == "access_denied":
        return "denied"
    if error == "invalid_grant":
        return "invalid_grant"
    if error in ("invalid_client", "unauthorized_client") or any(
            c in (description or "") for c in ("AADSTS700016", "AADSTS50011",
                                               "AADSTS7000218", "AADSTS90002")):
        return "invalid_client"
    return "server"
