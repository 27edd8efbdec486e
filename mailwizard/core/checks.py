"""Which check validates a profile: the SMTP check, or the Exchange (EWS) one. Each is imported
only when a check of its kind runs."""

from __future__ import annotations

from typing import Any

from mailwizard.core.profile import Profile, ServiceType


def make_check(profile: Profile, secret: str | None = None, *, send_test_to: str | None = None,
               progress=None, **smtp_options: Any):
    """A ready-to-run check object (run() blocking, cancel() from any thread)."""
    if profile.service is ServiceType.EXCHANGE:
        from mailwizard.core.ews_check import EwsCheck

        return EwsCheck(profile, secret, send_test_to=send_test_to, progress=progress)
    from mailwizard.core.smtp_check import SmtpCheck

    return SmtpCheck(profile, secret, send_test_to=send_test_to, progress=progress,
                     **smtp_options)
