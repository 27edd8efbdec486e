"""Server and sign-in replies recognised by their words (resources/replies.toml): each with a
cause, a fix, a source and the date it was verified. The diagnosis asks here first, so a
provider's new wording is a data change, not a code change.

The cause and fix are kept in English as the file has them (``cause_en``, ``fix_en``) and are
translated each time they are read (``cause``, ``fix``), so the table follows the language in
use, whenever it was loaded."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from mailwizard.core.i18n import _


@dataclass(frozen=True)
class KnownReply:
    id: str
    code: str
    cause_en: str
    fix_en: str
    codes: tuple[int, ...] = ()
    contains_all: tuple[str, ...] = ()
    contains_any: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    help_url: str = ""
    suggest: str = ""
    source: str = ""
    verified: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def cause(self) -> str:
        """What went wrong, in the user's language."""
        return _(self.cause_en) if self.cause_en else ""

    @property
    def fix(self) -> str:
        """What to do, in the user's language."""
        return _(self.fix_en) if self.fix_en else ""

    def matches(self, stage: str, code: int | None, text: str) -> bool:
        low = text.lower()
        if self.stages and stage not in self.stages:
            return False
        if self.codes and code not in self.codes:
            return False
        if not all(w in low for w in self.contains_all):
            return False
        if self.contains_any and not any(w in low for w in self.contains_any):
            return False
        return bool(self.codes or self.contains_all or self.contains_any)


@dataclass(frozen=True)
class ReplyTable:
    released: str
    replies: tuple[KnownReply, ...]

    def find(self, stage: str, code: int | None, text: str) -> KnownReply | None:
        return next((r for r in self.replies if r.matches(stage, code, text)), None)


@functools.lru_cache(maxsize=1)
def load_replies() -> ReplyTable:
    import tomllib

    from mailwizard.core.resources import read_resource_bytes

    data = tomllib.loads(read_resource_bytes("replies.toml").decode("utf-8"))
    replies = []
    for entry in data.get("reply", []):
        replies.append(KnownReply(
            id=entry["id"], code=entry["code"], cause_en=entry["cause"],
            fix_en=entry["fix"],
            codes=tuple(entry.get("codes", ())),
            contains_all=tuple(w.lower() for w in entry.get("contains_all", ())),
            contains_any=tuple(w.lower() for w in entry.get("contains_any", ())),
            stages=tuple(entry.get("stages", ())), help_url=entry.get("help_url", ""),
            suggest=entry.get("suggest", ""), source=entry.get("source", ""),
            verified=entry.get("verified", ""), raw=entry))
    return ReplyTable(released=str(data.get("released", "")), replies=tuple(replies))
