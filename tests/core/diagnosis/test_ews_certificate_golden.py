"""The Exchange and certificate diagnosis, byte for byte as it was (issue 25).

golden_ews_certificate.json holds every distinct call the suite made to `diagnose_ews` and
`diagnose_certificate` before both became rule tables (recorded by wrapping them while
tests/core/{diagnosis,checks,cli,admin}, test_flow.py and test_provider_text_hindi.py ran, in
whatever language each test used), each with the diagnosis the if-chains gave then in English,
Hindi, Marathi and Tamil, and the test it came from. Each is replayed here in each language:
every field of the diagnosis must come out the same, and so must the certificate names
offered as a change."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from support.language import in_language

from mailwizard.core.checks.result import CertificateInfo, CheckFailure
from mailwizard.core.diagnosis.certificates import diagnose_certificate
from mailwizard.core.diagnosis.common import Diagnosis, _suggest
from mailwizard.core.diagnosis.ews import _endpoint, _with_host, diagnose_ews
from mailwizard.core.profile import Profile

GOLDEN = Path(__file__).with_name("golden_ews_certificate.json")
CASES = json.loads(GOLDEN.read_text(encoding="utf-8"))["cases"]
LANGUAGES = ("en", "hi", "mr", "ta", "en-XA")


def replay(case: dict) -> dict:
    """Call the function as the suite did; every field of what it gave."""
    failure = dict(case["failure"])
    if failure["certificate"]:
        failure["certificate"] = CertificateInfo(**failure["certificate"])
    f, p = CheckFailure(**failure), Profile.from_dict(case["profile"])
    d = Diagnosis(**case["diagnosis_before"])
    if case["call"] == "diagnose_ews":
        returned = diagnose_ews(d, f, p) is d
        return {"diagnosis": asdict(d), "returned": returned}
    offered: list[str] = []

    def suggest_name(name: str) -> None:  # what diagnose() and diagnose_ews() hand in
        offered.append(name)
        if case["who"] == "Exchange server":
            _suggest(d, p, ews_url=_with_host(_endpoint(p)[0], name))
        else:
            _suggest(d, p, host=name)

    returned = diagnose_certificate(d, f, case["host"], case["who"], case["ca_where"],
                                    suggest_name)
    return {"diagnosis": asdict(d), "returned": returned, "offered": offered}


def expected(case: dict, lang: str) -> dict:
    """The recorded outcome in `lang` (other languages store what differs from English)."""
    out = dict(case["expected"]["en"])
    if lang != "en":
        out["diagnosis"] = {**out["diagnosis"], **case["expected"].get(lang, {})}
    return out


def test_the_recording_covers_both_functions_and_every_language():
    calls = {c["call"] for c in CASES}
    assert calls == {"diagnose_ews", "diagnose_certificate"}
    assert all(set(c["expected"]) <= set(LANGUAGES) for c in CASES)
    assert len(CASES) >= 50  # the recording found the suite's calls


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_the_diagnosis_is_what_it_was(case, lang):
    with in_language(lang):
        got = replay(case)
    assert json.loads(json.dumps(got)) == expected(case, lang), case["from"]
