"""The scheduled check's clock: what time it is and how it waits (between retries, for the
network). Real by default. For tests and IT trials, MAILWIZARD_CLOCK = an ISO 8601 time
("2027-03-01T09:30:00+00:00") makes a virtual clock that starts then and whose waits pass at
once (the clock moves on instead): a month of daily checks runs in seconds, with the same
retries, back-off and "since when" as real days.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone

CLOCK_ENV = "MAILWIZARD_CLOCK"


class Clock:
    """Real time; sleep() really sleeps."""

    virtual = False

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def iso(self, at: float | None = None) -> str:
        return datetime.fromtimestamp(self.now() if at is None else at,
                                      timezone.utc).isoformat(timespec="seconds")


class VirtualClock(Clock):
    """Starts at `start` (Unix time); sleep() moves it on without waiting."""

    virtual = True

    def __init__(self, start: float):
        self._now = start

    def now(self) -> float:
        return self._now

    def sleep(self, seconds: float) -> None:
        self._now += max(0.0, seconds)


def from_environment() -> Clock:
    """A VirtualClock when MAILWIZARD_CLOCK holds a time, else the real clock. Raises
    ValueError for a value that is not an ISO 8601 time."""
    value = os.environ.get(CLOCK_ENV, "").strip()
    if not value:
        return Clock()
    at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return VirtualClock(at.timestamp())


def parse_iso(text: str) -> float | None:
    """An ISO 8601 time of a record as Unix time; None when it is not one."""
    try:
        at = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.timestamp()
