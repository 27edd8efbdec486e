"""The command line's upkeep part: `mailwizard schedule` and the desktop warning of
`mailwizard check --notify` (kept apart from cli.py, which holds the other commands)."""

from __future__ import annotations

import sys
from pathlib import Path

from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import _


def warn_on_desktop(path: Path, profile, code: int, diagnosis=None, message: str = "",
                    wait: float | None = None) -> None:
    """After a check: a desktop warning for a failure (at most once a day for the same
    one); a passing check forgets the last warning. The check then waits for a click on the
    warning (`wait` seconds; by default 30 minutes when the scheduler runs it, not at all
    when someone runs it from a terminal)."""
    from mailwizard.core.admin import notify

    if wait is None:
        wait = 0.0 if sys.stdin is not None and sys.stdin.isatty() else 1800.0

    if code == ec.OK:
        notify.forget(path)
        return
    if code == ec.CANCELLED:
        return
    alert = notify.alert_for(profile, code, diagnosis, message)
    outcome = notify.warn(path, alert, wait=wait,
                          on_action=lambda resume: notify.open_wizard(resume, path))
    if outcome.startswith("not shown"):  # "not shown: why" (notify.warn's, in English)
        why = outcome.partition(": ")[2]
        print("mailwizard: " + (_("the desktop notification was not shown: {problem}").format(
            problem=why) if why else _("the desktop notification was not shown")),
            file=sys.stderr)


def _emit(obj, message: str) -> None:
    """A successful `schedule --json`: the envelope every command's --json has."""
    from mailwizard.cli.common import RUN
    from mailwizard.cli.support import emit_json

    emit_json(obj, command=RUN.command, code=ec.OK, message=message)


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
