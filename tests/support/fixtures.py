"""Fixtures every test can ask for by name (loaded by tests/conftest.py as a plugin)."""

from __future__ import annotations

import pytest
from support.language import in_language


@pytest.fixture
def hindi():
    """The core's sentences in Hindi during the test."""
    with in_language("hi") as code:
        yield code


@pytest.fixture
def hindi_wizard(qtbot):
    """The wizard in Hindi: the core's sentences and Qt's translators."""
    with in_language("hi", wizard=True) as code:
        yield code


@pytest.fixture(params=["en", "hi"])
def wizard_language(request, qtbot):
    """The wizard in English and in Hindi (the test runs once in each)."""
    with in_language(request.param, wizard=True) as code:
        yield code
