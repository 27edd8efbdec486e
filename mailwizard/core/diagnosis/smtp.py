"""The one place that turns a failed check into words a non-technical person can act on.

`diagnose()` takes the facts of a failure (`CheckFailure`), the profile that was tried and,
when known, the provider preset, and returns a `Diagnosis`: which stage failed, a stable code,
the cause and the fix in plain language, a help link, and — where a change of settings would
fix it — a machine-readable `suggestion` such as ``{"security": "tls", "port": 465}``.

What each failure means is a table (diagnosis/smtp_rules.py) read by one matcher
(diagnosis/rules.py): the first rule that matches gives the diagnosis.
"""

from __future__ import annotations

from mailwizard.core.checks.smtp import CheckFailure
from mailwizard.core.checks.stages import group_of
from mailwizard.core.profile import Profile
from mailwizard.core.providers import ProviderPreset
from mailwizard.core.diagnosis.common import (  # noqa: F401 (some re-exported)
    Diagnosis, GOOGLE_APP_PASSWORDS, GOOGLE_APP_PASSWORD_HELP, M365_SMTP_AUTH_HELP, STAGE_WORDS,
    _ENHANCED, _enhanced_code, _same_site, _sec_label, _suggest, _words)
from mailwizard.core.diagnosis.rules import diagnose_by
from mailwizard.core.diagnosis.smtp_facts import SmtpFacts
from mailwizard.core.diagnosis.smtp_rules import SMTP_RULES


def diagnose(failure: CheckFailure, profile: Profile,
             provider: ProviderPreset | None = None) -> Diagnosis:
    f = failure
    d = Diagnosis(stage=f.stage, code="unknown", cause="", fix="", server_reply=(
        f"{f.code} {f.reply or ''}".strip() if f.code else (f.message or "")),
        group=group_of(f.stage))
    diagnose_by(SMTP_RULES, d, SmtpFacts(f, profile, provider))
    return d
