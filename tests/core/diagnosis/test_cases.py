"""The diagnosis, pinned case by case: cases.json holds the failures the suite's checks met
(and a few written for rules no check reaches), each with the whole diagnosis expected in
English and in Hindi — every field: code, cause, fix, help link, suggestion and its words, the
server's reply, the certificate — and the test it came from ("from").

The expected diagnoses were written by the diagnosis as it was before it became a table (the
if-chains of diagnosis/smtp.py), so the table says exactly what they said."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest
from support.diagnosis_cases import inputs_of, load_cases
from support.language import in_language

from mailwizard.core.checks.result import CheckFailure
from mailwizard.core.diagnosis.smtp import diagnose

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
@pytest.mark.parametrize("code", ("en", "hi"))
def test_the_diagnosis_of_each_case(case, code):
    with in_language(code):
        got = diagnose(*inputs_of(case)).to_dict()
    assert got == case["expected"][code]
    # byte for byte, the order of the suggestion's keys too
    assert json.dumps(got, ensure_ascii=False) == json.dumps(case["expected"][code],
                                                             ensure_ascii=False)


def test_the_cases_are_many_and_each_is_different():
    keys = [json.dumps([c["failure"], c["profile"], c.get("provider")], sort_keys=True)
            for c in CASES]
    assert len(keys) == len(set(keys))
    assert len(CASES) > 100
    assert len({c["id"] for c in CASES}) == len(CASES)
    assert {f.name for f in fields(CheckFailure)} >= {k for c in CASES for k in c["failure"]}
