"""Which check validates a profile: the SMTP check (password or OAuth), or the Exchange (EWS)
one. Each is imported
only when a check of its kind runs."""

from __future__ import annotations

TYPE_CHECKING = False  # typing is for type checkers: not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

from mailwizard.core.profile import Profile, ServiceType


def make_check(profile: Profile, secret: str | None = None, *, send_test_to: str | None = None,
               progress=None, **smtp_options: Any):
    """A ready-to-run check object (run() blocking, cancel() from any thread)."""
    if profile.service is ServiceType.OAUTH:
        from mailwizard.core.checks.oauth import OAuthSmtpCheck

        # `secret` is the refresh token; an access token fresh from the sign-in may be given
        return OAuthSmtpCheck(profile, secret, send_test_to=send_test_to, progress=progress,
                              **smtp_options)
    if profile.service is ServiceType.EXCHANGE:
        from mailwizard.core.checks.ews import EwsCheck

        return EwsCheck(profile, secret, send_test_to=send_test_to, progress=progress,
                        outgoing=smtp_options.get("outgoing"))
    from mailwizard.core.checks.smtp import SmtpCheck

    return SmtpCheck(profile, secret, send_test_to=send_test_to, progress=progress,
                     **smtp_options)
