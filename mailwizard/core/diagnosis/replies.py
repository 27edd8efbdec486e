"""Server and sign-in replies recognised by their words (resources/replies.toml): each with a
cause, a fix, a source and the date it was verified. The diagnosis asks here first, so a
provider's new wording is a data change, not a code change."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class KnownReply:
    id: str
    code: str
    cause: str
    fix: str
    codes: tuple[int, ...] = ()
    contains_all: tuple[str, ...] = ()
    contains_any: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    help_url: str = ""
    suggest: str = ""
    source: str = ""
    verified: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

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
            id=entry["id"], code=entry["code"], cause=entry["cause"], fix=entry["fix"],
            codes=tuple(entry.get("codes", ())),
            contains_all=tuple(w.lower() for w in entry.get("contains_all", ())),
            contains_any=tuple(w.lower() for w in entry.get("contains_any", ())),
            stages=tuple(entry.get("stages", ())), help_url=entry.get("help_url", ""),
            suggest=entry.get("suggest", ""), source=entry.get("source", ""),
            verified=entry.get("verified", ""), raw=entry))
    return ReplyTable(released=str(data.get("released", "")), replies=tuple(replies))
