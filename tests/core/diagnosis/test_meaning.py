"""Issue 23: every failure the diagnosis can name is sorted into offline / temporary / needs a
person (mailwizard/core/diagnosis/meaning.py), the rules read the server's reply code and the
errno, and docs/INTEGRATION.md shows the same table as the code."""

from __future__ import annotations

import errno
import importlib
import pkgutil
import re
import tomllib
from pathlib import Path

import pytest

from mailwizard.core import exitcodes as ec
from mailwizard.core.diagnosis import meaning as m

ROOT = Path(__file__).resolve().parents[3]


def rule_tables() -> list[tuple]:
    """The diagnosis's rule tables (diagnosis/rules.py): each module's tuples of rules."""
    from mailwizard.core import diagnosis
    from mailwizard.core.diagnosis.rules import Rule

    tables = []
    for info in pkgutil.iter_modules(diagnosis.__path__):
        module = importlib.import_module(f"mailwizard.core.diagnosis.{info.name}")
        tables += [value for value in vars(module).values() if isinstance(value, tuple)
                   and value and all(isinstance(rule, Rule) for rule in value)]
    return tables


def codes_the_diagnosis_can_give() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "mailwizard/core/diagnosis").glob("*.py"):
        if path.name == "meaning.py":
            continue
        text = path.read_text()
        codes |= set(re.findall(r'd\.code\s*=\s*"([a-z0-9_]+)"', text))
        codes |= set(re.findall(r'd\.code\s*=\s*\(?"[a-z0-9_]+" if .*? else "([a-z0-9_]+)"',
                                text))
        codes |= set(re.findall(r'd\.code, d\.cause, d\.fix = \(\s*"([a-z0-9_]+)"', text))
    codes |= {rule.code for table in rule_tables() for rule in table if rule.code}
    replies = tomllib.loads((ROOT / "resources/replies.toml").read_text())
    codes |= {r["code"] for r in replies["reply"]}
    for path in (ROOT / "mailwizard/core/oauth").glob("*.py"):  # d.code = f.kind ("oauth_…")
        kinds = re.findall(r'(?:_error|OAuthError)\(\s*"([a-z_]+)"', path.read_text())
        codes |= {f"oauth_{k}" for k in kinds}
    codes.discard("cancelled")  # not a failure: no class
    codes.discard("oauth_cancelled")
    return codes


def test_every_diagnosis_code_has_a_class():
    codes = codes_the_diagnosis_can_give()
    assert len(codes) > 60  # the scan found the codes (a broken regex finds none)
    missing = sorted(codes - set(m.BY_CODE))
    assert missing == [], f"add these to BY_CODE in core/diagnosis/meaning.py: {missing}"
    assert set(m.BY_CODE.values()) <= set(m.MEANINGS)


@pytest.mark.parametrize("code,reply,err,expected", [
    ("auth_failed", 535, None, m.NEEDS_PERSON),           # the password stopped working
    ("server_busy", 421, None, m.TEMPORARY),
    ("sender_refused", 451, None, m.TEMPORARY),           # 4xx: try again later
    ("sender_refused", 550, None, m.NEEDS_PERSON),
    ("password_transition", 432, None, m.NEEDS_PERSON),   # a 4xx that waits for a person
    ("connection_refused", None, errno.ECONNREFUSED, m.TEMPORARY),
    ("network_error", None, errno.ENETUNREACH, m.OFFLINE),  # no route: this computer
    ("network_error", None, errno.EHOSTUNREACH, m.TEMPORARY),
    ("certificate_changed", None, None, m.NEEDS_PERSON),
    ("oauth_invalid_grant", None, None, m.NEEDS_PERSON),
    ("unknown_host", None, None, m.NEEDS_PERSON),          # offline only when asked so
    ("something_new", None, None, m.NEEDS_PERSON),         # unknown codes never stay silent
])
def test_the_rules(code, reply, err, expected):
    assert m.meaning_of(code, reply=reply, errno=err) == expected


def test_failures_without_a_diagnosis_and_successes():
    assert m.meaning_of_failure(None, ec.SECRET_STORE) == m.NEEDS_PERSON
    assert m.meaning_of_failure(None, ec.OK) is None
    assert m.meaning_of_failure({"code": "server_busy", "server_reply": "421 4.3.2 busy"},
                                ec.GREETING) == m.TEMPORARY
    assert m.reply_code({"server_reply": "451 4.3.0 later"}) == 451
    assert m.reply_code({"server_reply": "timed out"}) is None


def test_integration_doc_shows_the_table():
    """docs/INTEGRATION.md lists every code of the table under its class."""
    doc = (ROOT / "docs/INTEGRATION.md").read_text()
    section = doc[doc.index("### What a failure means"):]
    section = section[:section.index("\n## ", 1) if "\n## " in section[1:] else None]
    rows = {}
    for line in section.splitlines():
        hit = re.match(r"\| \*\*(offline|temporary|needs a person)\*\* \|", line)
        if hit:
            last = line.rstrip(" |").rsplit(" | ", 1)[1]
            rows[hit.group(1).replace("needs a person", m.NEEDS_PERSON)] = set(
                re.findall(r"`([a-z0-9_]+)`", last))
    assert set(rows) == set(m.MEANINGS), rows
    assert rows[m.OFFLINE] == set(m.MAY_BE_OFFLINE)  # offline: asked when these happen
    for meaning in (m.TEMPORARY, m.NEEDS_PERSON):
        assert rows[meaning] == {c for c, v in m.BY_CODE.items() if v == meaning}, meaning
