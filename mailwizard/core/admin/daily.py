"""What the scheduled check (`mailwizard check --notify`) does with each kind of failure
(core/diagnosis/meaning.py), so that its desktop warning can be trusted:

- offline: no warning. It waits for the network (a short, bounded wait; NetworkManager or the
  resolver is asked again and again, core/admin/network.py), checks again when the network
  is back, and otherwise records "not checked: offline".
- temporary: it tries again within the same run, with growing waits (3 tries over 10 minutes
  by default), then records "temporarily failing since …"; it warns only once the same
  failure (same diagnosis code) has lasted a day (`warn_after_hours`).
- needs a person: it warns at once, once (not every day for the same failure); a passing
  check forgets it.

The site file may change the numbers:

    [daily_check]
    tries = 3                   # checks per run while the failure is temporary (1-10)
    retry_minutes = 10          # over how long those tries are spread (0-60)
    offline_wait_minutes = 5    # how long to wait for the network (0-60)
    warn_after_hours = 24       # a temporary failure warns once it has lasted this long

All waiting goes through the clock (core/admin/clock.py): MAILWIZARD_CLOCK makes it virtual
for tests and trials.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from mailwizard.core import exitcodes as ec
from mailwizard.core.admin.clock import Clock, parse_iso
from mailwizard.core.diagnosis.meaning import (NEEDS_PERSON, OFFLINE, TEMPORARY,
                                               may_be_offline, meaning_of_failure)
from mailwizard.core.i18n import _

KEYS = ("tries", "retry_minutes", "offline_wait_minutes", "warn_after_hours")
_LIMITS = {"tries": (1, 10), "retry_minutes": (0, 60), "offline_wait_minutes": (0, 60),
           "warn_after_hours": (1, 24 * 14)}
#: Waits between two questions to the network while offline, in seconds (the last repeats).
OFFLINE_POLLS = (10.0, 20.0, 30.0, 60.0)

#: The timer may start up to 10 minutes late or early (RandomizedDelaySec): a failure seen
#: at yesterday's check counts as a day old today.
_LEEWAY = 1800.0

#: The record's words for what happened (last-check.json "status").
OK, FAILED, NOT_CHECKED, TEMPORARILY_FAILING = "ok", "failed", "offline", "temporary"


@dataclass
class DailyPolicy:
    tries: int = 3
    retry_minutes: float = 10.0
    offline_wait_minutes: float = 5.0
    warn_after_hours: float = 24.0

    def retry_waits(self) -> list[float]:
        """Seconds to wait before each try after the first: growing four-fold, summing to
        retry_minutes (3 tries over 10 minutes: 2 minutes, then 8)."""
        n = self.tries - 1
        if n <= 0:
            return []
        weights = [4 ** i for i in range(n)]
        total = self.retry_minutes * 60.0
        return [total * w / sum(weights) for w in weights]

    @classmethod
    def from_site(cls, site) -> "DailyPolicy":
        table = (site.raw.get("daily_check") if site is not None else None) or {}
        return cls(**{k: table[k] for k in KEYS if k in table})


def check_site_table(table: Any, fail) -> dict[str, Any]:
    """The site file's [daily_check] table, checked; `fail(key, message)` makes its error."""
    from mailwizard.core.admin.filekeys import closest, describe_value

    if not isinstance(table, dict):
        raise fail("daily_check", _("expected a table ([daily_check] with warn_after_hours = "
                                    "24, for example); found {found}").format(
            found=describe_value(table)))
    for key, value in table.items():
        if key not in KEYS:
            near = closest(key, KEYS)
            raise fail(f"daily_check.{key}", _("unknown key; did you mean “{near}”?").format(
                near=near) if near else _("unknown key"))
        low, high = _LIMITS[key]
        whole = key == "tries"
        if isinstance(value, bool) or not isinstance(value, (int,) if whole else (int, float)) \
                or not low <= value <= high:
            raise fail(f"daily_check.{key}", _("expected a number from {low} to {high}, "
                                               "without quotes; found {found}").format(
                low=low, high=high, found=describe_value(value)))
    return dict(table)


@dataclass
class DailyOutcome:
    """What one scheduled run found, and what it should say."""

    result: Any
    diagnosis: Any
    code: int
    #: None (passed), OFFLINE, TEMPORARY or NEEDS_PERSON
    meaning: str | None
    #: how many times the check ran in this run
    tries: int = 1
    #: how the network was asked when it was ("NetworkManager", "DNS"), and what it said
    network: str = ""
    #: seconds spent waiting for the network
    waited_offline: float = 0.0
    #: the failure still going on: {"key", "meaning", "since"} (carried over offline days)
    failing: dict[str, Any] | None = None
    #: whether the desktop should be warned (the notifier still says a failure only once)
    warn: bool = False
    status: str = OK
    log: list[str] = field(default_factory=list)
    #: the clock the run used (its time goes into the record)
    clock: Any = None
    #: when the run's first check started (a new failure is failing since then)
    started: float = 0.0

    def record_fields(self) -> dict[str, Any]:
        """What the last-check record adds for the scheduled check."""
        return {"meaning": self.meaning, "status": self.status, "tries": self.tries,
                "failing": self.failing, "network": self.network or None}


def failure_key(code: int, diagnosis: Any) -> str:
    """What makes two failures "the same": the exit code and the diagnosis code."""
    d = diagnosis.code if diagnosis is not None and not isinstance(diagnosis, dict) else \
        (diagnosis or {}).get("code", "")
    return f"{code}:{d}"


def classify(result, diagnosis, code: int, host: str,
             network: Callable[[str], tuple[str, str]] | None = None) -> tuple[str | None, str]:
    """(meaning, how the network was asked) of one check: the table's class, turned into
    OFFLINE when the failure happened before any server answered and the network says it is
    down."""
    if result is not None and result.ok:
        return None, ""
    meaning = meaning_of_failure(diagnosis, code, getattr(result, "failure", None))
    how = ""
    if meaning != OFFLINE and may_be_offline(diagnosis):
        if network is None:
            from mailwizard.core.admin.network import network_state as network
        state, source = network(host)
        how = f"{source}: {state}"
        if state == "offline":
            meaning = OFFLINE
    return meaning, how


def run_scheduled(run_check: Callable[[], tuple[Any, Any, int]], host: str, *,
                  policy: DailyPolicy, clock: Clock, previous: dict[str, Any] | None,
                  network: Callable[[str], tuple[str, str]] | None = None,
                  say: Callable[[str], None] | None = None) -> DailyOutcome:
    """Run the check as the scheduler does: wait for the network when offline, try again
    when the failure is temporary, then work out what to record and whether to warn.
    `previous` is the last check's record (read_last_check); `say` gets a sentence before
    each wait (for a person watching a terminal)."""
    if network is None:
        from mailwizard.core.admin.network import network_state as network
    started = clock.now()
    waits = policy.retry_waits()
    offline_limit = policy.offline_wait_minutes * 60.0
    waited = 0.0
    temporary_tries = 0
    tries = 0
    log: list[str] = []
    while True:
        result, diagnosis, code = run_check()
        tries += 1
        meaning, how = classify(result, diagnosis, code, host, network)
        log.append(f"{clock.iso()} try {tries}: exit {code} "
                   f"{getattr(diagnosis, 'code', '') or ('ok' if meaning is None else '')} "
                   f"-> {meaning or 'ok'}{f' ({how})' if how else ''}")
        if meaning == OFFLINE and waited < offline_limit:
            if say is not None:
                say(_("This computer seems to be offline: waiting up to {minutes} minutes for "
                      "the network (Ctrl+C stops).").format(
                          minutes=f"{(offline_limit - waited) / 60:g}"))
            back = False
            while waited < offline_limit:
                step = min(OFFLINE_POLLS[min(len(OFFLINE_POLLS) - 1, _polls(waited))],
                           offline_limit - waited)
                clock.sleep(step)
                waited += step
                if network(host)[0] == "online":
                    back = True
                    break
            log.append(f"{clock.iso()} waited {waited:.0f} s for the network: "
                       f"{'back' if back else 'still offline'}")
            if back:
                continue
            break
        if meaning == TEMPORARY:
            temporary_tries += 1
            if temporary_tries < policy.tries:
                wait = waits[temporary_tries - 1]
                log.append(f"{clock.iso()} temporary: next try in {wait:.0f} s")
                if say is not None:
                    say(_("A temporary problem on the server's side: trying again in "
                          "{minutes} minutes (Ctrl+C stops).").format(minutes=f"{wait / 60:g}"))
                clock.sleep(wait)
                continue
        break
    out = DailyOutcome(result, diagnosis, code, meaning, tries, how, waited, log=log,
                       clock=clock, started=started)
    settle(out, previous, clock, policy)
    return out


def _polls(waited: float) -> int:
    """How many polls fit in `waited` seconds (the index of the next wait)."""
    total, n = 0.0, 0
    while total < waited and n < len(OFFLINE_POLLS):
        total += OFFLINE_POLLS[n]
        n += 1
    return n


def settle(out: DailyOutcome, previous: dict[str, Any] | None, clock: Clock,
           policy: DailyPolicy) -> None:
    """Fill in the failure still going on, the record's status and whether to warn."""
    prev = (previous or {}).get("failing") if isinstance(previous, dict) else None
    prev = prev if isinstance(prev, dict) else None
    now = clock.now()
    if out.meaning is None:
        out.failing, out.status, out.warn = None, OK, False
        return
    if out.meaning == OFFLINE:  # nothing was learnt about the server: keep what was known
        out.failing, out.status, out.warn = prev, NOT_CHECKED, False
        return
    key = failure_key(out.code, out.diagnosis)
    since = prev["since"] if prev and prev.get("key") == key and prev.get("since") else \
        clock.iso(out.started or now)
    out.failing = {"key": key, "meaning": out.meaning, "since": since}
    if out.meaning == NEEDS_PERSON:
        out.status, out.warn = FAILED, True
        return
    out.status = TEMPORARILY_FAILING
    started = parse_iso(since)
    out.warn = started is not None and now - started >= policy.warn_after_hours * 3600 - _LEEWAY


def status_of(record: dict[str, Any] | None) -> str:
    """The record's status: its own "status" when it has one (the scheduled check), else
    from its meaning or its outcome."""
    if not record or "damaged" in record:
        return ""
    if record.get("status"):
        return str(record["status"])
    if record.get("ok"):
        return OK
    meaning = record.get("meaning")
    return {OFFLINE: NOT_CHECKED, TEMPORARY: TEMPORARILY_FAILING}.get(meaning, FAILED)


def describe_record(record: dict[str, Any] | None) -> str:
    """One line for `show` and `report`: "failed", "not checked (offline)", "temporarily
    failing since …" or "working"."""
    status = status_of(record)
    if not status:
        return ""
    when = record.get("checked_at", "?")
    failing = record.get("failing") or {}
    if status == OK:
        return _("working (checked {when})").format(when=when)
    if status == NOT_CHECKED:
        text = _("not checked (this computer was offline at {when})").format(when=when)
        if failing.get("since"):
            text += "; " + _("failing since {since} before that").format(
                since=failing["since"])
        return text
    if status == TEMPORARILY_FAILING:
        return _("temporarily failing since {since} (last checked {when}); a warning "
                 "follows if it lasts a day").format(since=failing.get("since") or when,
                                                     when=when)
    code = record.get("exit_code")
    return _("failed (checked {when}, exit code {code}: {meaning}); someone needs to fix "
             "it").format(when=when, code=code, meaning=ec.DESCRIPTIONS.get(code, "?"))
