"""The diagnosis's cases (tests/core/diagnosis/cases.json): failures the suite's checks met,
each with the diagnosis expected in English and Hindi, and the inputs rebuilt from them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

CASES_FILE = Path(__file__).resolve().parents[1] / "core" / "diagnosis" / "cases.json"


def load_cases() -> list[dict[str, Any]]:
    return json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]


def inputs_of(case: dict[str, Any]):
    """The case's failure, profile and provider preset (or None), as `diagnose` takes them."""
    from mailwizard.core.checks.result import CertificateInfo, CheckFailure
    from mailwizard.core.profile import AuthMethod, EwsAuth, Profile, Security, ServiceType
    from mailwizard.core.providers import load_catalogue

    facts = dict(case["failure"])
    if facts.get("certificate") is not None:
        facts["certificate"] = CertificateInfo(**facts["certificate"])
    enums = {"security": Security, "auth": AuthMethod, "service": ServiceType,
             "ews_auth": EwsAuth}
    profile = Profile(**{k: enums[k](v) if k in enums else v
                         for k, v in case["profile"].items()})
    given = case.get("provider")
    # the preset by its id, with the changes a test made to it (e.g. no app password page)
    provider = (None if given is None else
                replace(load_catalogue()[given["id"]], **given.get("changes", {})))
    return CheckFailure(**facts), profile, provider
