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


@pytest.fixture
def worlds(ca):
    """Make loopback discovery worlds (tests/discovery_world.py: dnsmasq, HTTPS on 443, SMTP on
    465/587/25 at addresses of their own, hence root). At the end every world is stopped,
    whatever happened, and each is checked: discovery's probes never signed in (AUTH) — a
    test that goes on to a real check declares its logins in `world.checked_logins`."""
    import os

    from discovery_world import World

    if os.geteuid() != 0:
        pytest.fail("the discovery world binds ports 443/465/587 on loopback addresses: run "
                    "the test as root (scripts/test.sh does)", pytrace=False)
    made: list[World] = []

    def make() -> World:
        w = World(ca)
        made.append(w)
        return w

    yield make
    signed_in = [(w.auth_commands, getattr(w, "checked_logins", 0)) for w in made]
    for w in made:
        w.stop()
    assert all(n == allowed for n, allowed in signed_in), \
        f"a discovery probe sent AUTH (AUTH commands, logins of the test's own check): {signed_in}"


@pytest.fixture
def world(worlds):
    """One loopback discovery world (see `worlds`)."""
    return worlds()
