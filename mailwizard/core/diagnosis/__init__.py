"""Failures in words: `diagnose()` turns a failed check into a cause, a fix, a help link
and, where a setting would fix it, a suggestion. `smtp` holds the SMTP (and OAuth) half and
the dispatch, `ews` the Exchange half, `common` what both use."""

from mailwizard.core.diagnosis.common import STAGE_WORDS, Diagnosis
from mailwizard.core.diagnosis.smtp import diagnose

__all__ = ["Diagnosis", "STAGE_WORDS", "diagnose"]
