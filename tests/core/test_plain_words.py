"""Issue 22, item 14: plain words first on the main path, the technical term in brackets.
Hindi says "ईमेल सेवा" without "(provider)" and names the Connect choice by its Hindi name."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support.language import in_language

from mailwizard.core.discovery.candidate import Candidate
from mailwizard.core.profile import Security

ROOT = Path(__file__).resolve().parents[2]


def hindi_catalogue():
    sys.path.insert(0, str(ROOT / "packaging" / "backend"))
    import catalogues

    sys.path.pop(0)
    return catalogues.read(ROOT / "resources" / "locale" / "hi.po")


@pytest.mark.parametrize("word", ["(provider)", "Connect"])
def test_hindi_has_no_english_provider_or_connect(word):
    left = [m.id for m in hindi_catalogue()
            if m.id and isinstance(m.string, str) and word in m.string]
    assert left == []


def test_a_found_server_is_described_in_plain_words_first():
    c = Candidate(source="probe", host="mail.riverside.example", port=587,
                  security=Security.STARTTLS, reason="")
    text = c.server_text()
    assert text == "mail.riverside.example, port 587, secure connection (STARTTLS)"
    with in_language("hi"):
        assert "सुरक्षित कनेक्शन (STARTTLS)" in c.server_text()
