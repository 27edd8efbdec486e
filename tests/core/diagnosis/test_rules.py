"""The SMTP diagnosis table (diagnosis/smtp_rules.py), listed: every rule is met by at least
one case of cases.json (the first rule that matches it is that rule), and the class each rule
gives its code for the daily check is the class meaning.py gives it."""

from __future__ import annotations

from collections import Counter

import pytest

from support.diagnosis_cases import inputs_of, load_cases

from mailwizard.core.checks.stages import group_of
from mailwizard.core.diagnosis import meaning
from mailwizard.core.diagnosis.common import Diagnosis
from mailwizard.core.diagnosis.rules import Rule, When, diagnose_by
from mailwizard.core.diagnosis.smtp_facts import SmtpFacts
from mailwizard.core.diagnosis.smtp_rules import SMTP_RULES

CASES = load_cases()


def rule_of(case) -> Rule | None:
    """The rule that gives the case's diagnosis."""
    failure, profile, provider = inputs_of(case)
    d = Diagnosis(stage=failure.stage, code="", cause="", fix="", group=group_of(failure.stage))
    return diagnose_by(SMTP_RULES, d, SmtpFacts(failure, profile, provider))


HITS = Counter(rule.id for rule in map(rule_of, CASES) if rule is not None)


def test_the_rules_have_names_of_their_own():
    ids = [rule.id for rule in SMTP_RULES]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]


@pytest.mark.parametrize("rule", SMTP_RULES, ids=[r.id for r in SMTP_RULES])
def test_every_rule_has_a_case(rule):
    assert HITS[rule.id] > 0, f"no case in cases.json is diagnosed by the rule {rule.id!r}"


@pytest.mark.parametrize("rule", [r for r in SMTP_RULES if r.handler is None],
                         ids=[r.id for r in SMTP_RULES if r.handler is None])
def test_each_rule_gives_its_code_the_class_meaning_gives_it(rule):
    if rule.code == "cancelled":
        assert rule.meaning == ""  # not a failure: no class
    else:
        assert rule.meaning in meaning.MEANINGS
        assert meaning.BY_CODE[rule.code] == rule.meaning


def test_a_rule_either_gives_words_or_hands_over():
    for rule in SMTP_RULES:
        if rule.handler is None:
            assert rule.code and rule.cause and rule.fix, rule.id
        else:
            assert not (rule.code or rule.cause or rule.fix), rule.id


def test_the_last_rule_takes_what_no_other_does():
    assert SMTP_RULES[-1].id == "unexpected" and SMTP_RULES[-1].when == When()
