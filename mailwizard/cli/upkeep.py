"""The command line's upkeep part: `mailwizard schedule` and the desktop warning of
`mailwizard check --notify` (kept apart from cli.py, which holds the other commands)."""

from __future__ import annotations

import sys
from pathlib import Path

from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import _


def warn_on_desktop(path: Path, profile, code: int, diagnosis=None, message: str = "",
                    wait: float | None = None, outcome=None, now: float | None = None) -> None:
    """After a check: a desktop warning when someone needs to act (once per failure); a
    passing check forgets the last warning. `outcome` (core/admin/daily.py) says whether this
    failure warns: never when offline, a temporary one only once it has lasted a day. The
    check then waits for a click on the warning (`wait` seconds; by default 30 minutes when
    the scheduler runs it, not at all when someone runs it from a terminal)."""
    from mailwizard.core.admin import notify

    if wait is None:
        wait = 0.0 if sys.stdin is not None and sys.stdin.isatty() else 1800.0

    if code == ec.OK:
        notify.forget(path)
        return
    if code == ec.CANCELLED or (outcome is not None and not outcome.warn):
        return
    since = ""
    if outcome is not None and outcome.meaning == "temporary" and outcome.failing:
        since = outcome.failing.get("since", "")
    alert = notify.alert_for(profile, code, diagnosis, message, since=since)
    result = notify.warn(path, alert, wait=wait, now=now,
                         on_action=lambda resume: notify.open_wizard(resume, path))
    if result.startswith("not shown"):  # "not shown: why" (notify.warn's, in English)
        why = result.partition(": ")[2]
        print("mailwizard: " + (_("the desktop notification was not shown: {problem}").format(
            problem=why) if why else _("the desktop notification was not shown")),
            file=sys.stderr)


def _emit(obj, message: str) -> None:
    """A successful `schedule --json`: the envelope every command's --json has."""
    from mailwizard.cli.common import RUN
    from mailwizard.cli.support import emit_json

    emit_json(obj, command=RUN.command, code=ec.OK, message=message)


def scheduled_run(args, path: Path, saved, send_test_to):
    """`check --notify`: the check as the daily schedule runs it (core/admin/daily.py)."""
    from mailwizard.cli.common import _Fail, _site
    from mailwizard.core.admin import clock as clocks
    from mailwizard.core.admin.daily import DailyPolicy, run_scheduled
    from mailwizard.core.admin.health import check_saved, read_last_check

    try:
        clock = clocks.from_environment()
    except ValueError as exc:
        raise _Fail(ec.INVALID_SETTINGS, f"{clocks.CLOCK_ENV}: {exc}") from None
    previous = read_last_check(path)
    site = _site(args)
    outcome = run_scheduled(lambda: check_saved(saved, send_test_to=send_test_to,
                                                site=site.raw),
                            saved.profile.ascii_host if saved.profile.host else "",
                            policy=DailyPolicy.from_site(site), clock=clock,
                            previous=previous, say=_say if _at_terminal() else None)
    return outcome


def _at_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _say(text: str) -> None:
    print("mailwizard: " + text, file=sys.stderr, flush=True)


def state_line(meaning: str | None, failing: dict | None, when: str = "") -> str:
    """What a failed check means, in one sentence for the terminal ("" when it passed)."""
    if meaning == "offline":
        return _("Not checked: this computer is offline. Nothing needs to be done; the next "
                 "check tries again.")
    if meaning == "temporary":
        since = (failing or {}).get("since") or when
        return _("This looks temporary (a problem on the server's side, failing since "
                 "{since}); the daily check tries again and warns only if it lasts a day."
                 ).format(since=since)
    if meaning == "needs_person":
        return _("Someone needs to act: see the fix above.")
    return ""


#: Monitoring Plugins exit codes (https://www.monitoring-plugins.org/doc/guidelines.html)
MON_OK, MON_WARNING, MON_CRITICAL, MON_UNKNOWN = 0, 1, 2, 3
_MON_BY_MEANING = {None: MON_OK, "temporary": MON_WARNING, "needs_person": MON_CRITICAL,
                   "offline": MON_UNKNOWN}
_MON_WORDS = {MON_OK: "OK", MON_WARNING: "WARNING", MON_CRITICAL: "CRITICAL",
              MON_UNKNOWN: "UNKNOWN"}


def perfdata(result) -> str:
    """`time=0.412345s;;;0.000000 resolve=…` as check_smtp writes it: the whole check, then
    each stage that ran (labels are the stage names)."""
    if result is None:
        return ""
    items = [f"time={result.elapsed_ms / 1000:.6f}s;;;0.000000"]
    items += [f"{s.stage}={s.ms / 1000:.6f}s;;;0.000000" for s in result.stages]
    return " ".join(items)


def monitoring_line(state: int, text: str, result=None) -> str:
    """One line: `MAILWIZARD OK - text|perfdata` (the status word stays English: agents and
    people read it across languages, like check_smtp's "SMTP OK")."""
    text = " ".join(str(text).split()).replace("|", "/")
    perf = perfdata(result)
    return f"MAILWIZARD {_MON_WORDS[state]} - {text}" + (f"|{perf}" if perf else "")


def cmd_check_monitoring(args) -> int:
    """`check --monitoring`: one try (the monitoring system does its own retries), nothing
    recorded, no desktop warning; one line on stdout and the Monitoring Plugins exit code."""
    from mailwizard.cli.common import _Fail, _saved, _site
    from mailwizard.core.admin.daily import classify
    from mailwizard.core.admin.health import MissingSecret, check_saved
    from mailwizard.core.store.secrets import SecretStoreUnavailable

    try:
        path, saved = _saved(args)
        result, diagnosis, code = check_saved(saved, site=_site(args).raw)
    except (_Fail, SecretStoreUnavailable, MissingSecret) as exc:
        print(monitoring_line(MON_UNKNOWN, _("the check could not run: {problem}").format(
            problem=exc)))
        return MON_UNKNOWN
    p = saved.profile
    server = p.ews_url or f"{p.host}:{p.port}"
    if result.ok:
        from mailwizard.cli.support import proven

        print(monitoring_line(MON_OK, _("{server}: {proven} in {seconds} s").format(
            server=server, proven=", ".join(proven(result)),
            seconds=f"{result.elapsed_ms / 1000:.3f}"), result))
        return MON_OK
    meaning, _how = classify(result, diagnosis, code, p.ascii_host if p.host else "")
    state = _MON_BY_MEANING.get(meaning, MON_CRITICAL)
    from mailwizard.core.diagnosis.meaning import WORDS

    cause = diagnosis.cause if diagnosis is not None else _("the check failed")
    reply = f" [{diagnosis.server_reply}]" if diagnosis is not None and \
        diagnosis.server_reply and diagnosis.server_reply not in cause else ""
    print(monitoring_line(state, _("{server}: {meaning}: {cause}{reply} (exit code {code}, "
                                   "{diagnosis})").format(
        server=server, meaning=_(WORDS[meaning]) if meaning else "", cause=cause,
        reply=reply, code=code, diagnosis=diagnosis.code if diagnosis else "-"), result))
    return state


def cmd_schedule(args) -> int:
    from mailwizard.cli.common import _Fail, _site
    from mailwizard.core.admin import schedule
    from mailwizard.core.admin.site import resolve_config_path

    try:
        if args.when == "status":
            sched = schedule.status()
        elif args.when == "off":
            removed = schedule.remove()
            if args.json:
                _emit({"removed": removed}, _("The scheduled check was removed.") if removed
                      else _("No scheduled check was installed; nothing was changed."))
            elif removed:
                print(_("The scheduled check was removed:"))
                print("  " + "\n  ".join(removed))
            else:
                print(_("No scheduled check was installed; nothing was changed."))
            return ec.OK
        else:
            path = resolve_config_path(args.config, _site(args))
            sched = schedule.install(args.when, path, site_config=args.site_config)
    except schedule.ScheduleError as exc:
        raise _Fail(ec.SCHEDULE, f"{exc} " + _("Nothing was changed.")) from None
    if args.json:
        _emit({"schedule": sched.to_dict() if sched else None},
              sched.describe() if sched else _("No scheduled check is installed."))
        return ec.OK
    if sched is None:
        print(_("No scheduled check is installed."))
        return ec.OK
    print(f"mailwizard: {sched.describe()}.")
    # Translators: lines of `mailwizard schedule daily`; keep the two spaces in front.
    print(_("  Runs: {command}").format(command=" ".join(sched.command)))
    for f in sched.files:
        print(_("  Added: {item}").format(item=f))
    if sched.task:
        print(_("  Added: {item}").format(item=sched.task))
    if sched.note:
        print(_("  Note: {note}.").format(note=sched.note_text()))
    print("  " + _("If a check fails, a desktop notification says what to do.") + " "
          + _("`mailwizard schedule off` removes it."))
    return ec.OK
