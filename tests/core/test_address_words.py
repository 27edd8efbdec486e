"""Issue 22, item 6: email-validator's English reasons never reach the user; each is said in
our own words, in the user's language (the English reason goes to the log for IT)."""

from __future__ import annotations

import logging
import re

import pytest

from mailwizard.core.profile import check_email

#: addresses people really mistype, and what we say (English)
SAMPLES = {
    "pat@@riverside.org": "contains characters an address cannot have: '@'",
    "pat": "it needs an @ sign",
    "pat@": "something is missing after the @ sign",
    "@riverside.org": "something is missing before the @ sign",
    "pat..office@riverside.org": "it has two dots in a row",
    "pat office@riverside.org": "cannot have: a space",
    "Pat <pat@riverside.org>": "without a name or angle brackets",
    "pat@riverside_society.org": "cannot have: '_'",
    "pat@riverside-.org": "a dot and a hyphen",
    "pat@-riverside.org": "the part after the @ sign is not a valid domain",
    "pat@riverside.org>": "cannot have: '>'",
    "pat@" + "r" * 70 + ".org": "it is too long",
}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.mark.parametrize("address,words", SAMPLES.items())
def test_each_reason_in_our_own_words(address, words, caplog):
    with caplog.at_level(logging.DEBUG, logger="mailwizard.core.profile"):
        _value, err = check_email(address, "email")
    assert err is not None and words in err.message, err.message
    assert "@-sign" not in err.message  # email-validator's words
    assert "is not a valid address: " in caplog.text  # the English reason: for IT (--debug)


@pytest.mark.parametrize("address", SAMPLES)
def test_no_english_in_hindi(address, hindi):
    _value, err = check_email(address, "email")
    text = err.message
    for value in ("your-society.org", "riverside", "name@"):
        text = text.replace(value, "")
    assert text.startswith("यह सही ईमेल पता नहीं है: ")
    assert not LATIN_WORD.findall(text), err.message
