"""The settings and last-check files are judged by a standard JSON Schema validator
(fastjsonschema, in store/safefile.py), and an ERP checks the same published schemas with its
own. Here three judges read the fuzzer's documents and must agree on every one: the product's
`document_problems`, the reference implementation (`jsonschema`, Draft 2020-12, as the schemas
declare) and the walker that puts the problems into words (`schema_errors`) — a walker that
drifted from the standard would explain a verdict it does not share."""

from __future__ import annotations

import random

import pytest
from fuzz_inputs import LAST_CHECK, SETTINGS, mutate_document

from mailwizard.core.store.safefile import document_problems, load_schema, schema_errors

CASES = 1500


@pytest.mark.parametrize("name, seed_doc", [("config.schema.json", SETTINGS),
                                            ("last-check.schema.json", LAST_CHECK)])
def test_the_product_the_reference_and_the_words_agree_on_every_fuzzed_document(name, seed_doc):
    import jsonschema

    schema = load_schema(name)
    reference = jsonschema.Draft202012Validator(schema)
    rng = random.Random(20261205)
    docs = [seed_doc] + [mutate_document(rng, seed_doc) for _ in range(CASES)]
    disagreements = []
    valid = 0
    for doc in docs:
        ours = not document_problems(doc, name)
        ref = reference.is_valid(doc)
        words = not schema_errors(doc, schema)
        valid += ref
        if not ours == ref == words:
            disagreements.append((ours, ref, words, doc))
    assert not disagreements, disagreements[:3]
    # The corpus has both kinds, or agreeing would prove little.
    assert 10 < valid < len(docs) - 10, valid


def test_a_problem_is_said_in_words_naming_its_place():
    doc = dict(SETTINGS, profile=dict(SETTINGS["profile"], port="five-eight-seven"))
    problems = document_problems(doc, "config.schema.json")
    assert problems and problems[0].startswith("profile.port: ")
    assert document_problems(SETTINGS, "config.schema.json") == []
