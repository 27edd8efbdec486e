"""`mailwizard check`: the saved settings re-tested with the stored password, once or as the
daily check (--notify), recorded beside the settings file for `mailwizard report`, and said
as text or one JSON object (--monitoring is cli/upkeep.py's)."""

from __future__ import annotations

import sys

from mailwizard.cli import support as cli_support
from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import _
from mailwizard.cli.common import _Fail, _print_result, _saved, _site


def cmd_check(args) -> int:
    if getattr(args, "monitoring", False):
        from mailwizard.cli.upkeep import cmd_check_monitoring

        return cmd_check_monitoring(args)
    from mailwizard.core.admin.report import check_record

    path, saved = _saved(args)
    send_test_to = _check_send_test_to(args)
    outcome, result, diagnosis, code = _run_saved_check(args, path, saved, send_test_to)
    rec = check_record(result, diagnosis, exit_code=code, command="check")
    if outcome is not None:
        rec.update(outcome.record_fields())
        rec["checked_at"] = outcome.clock.iso()
        for line in outcome.log:
            cli_support.DEBUG.steps.append((f"daily check: {line}", 0.0, "ok"))
    elif not result.ok:
        _classify_failure(rec, path, saved, result, diagnosis, code)
    deliverability = None
    if result.ok:  # the From domain's SPF/DKIM/DMARC: informational, never the exit code
        from mailwizard.cli.deliverability import section_for_check

        deliverability = rec["deliverability"] = section_for_check(
            saved.profile, _site(args).recipients_per_day)
    _record_check(path, rec)
    hint = _check_hint(code, path, saved)
    _warn_of_check(args, path, saved, code, diagnosis, outcome=outcome)
    extra = {"config": str(path), "profile_name": saved.profile_name,
             "meaning": rec.get("meaning"), "status": rec.get("status") or
             ("ok" if result.ok else "failed"), "failing": rec.get("failing")}
    if outcome is not None:
        extra["tries"] = outcome.tries
    if deliverability is not None:
        extra["deliverability"] = deliverability
    if hint:
        extra["hint"] = hint
    _print_check(args, path, saved, result, diagnosis, code, rec, extra)
    return code


def _check_send_test_to(args) -> str | None:
    """check's --send-test-to address, checked (None when not given)."""
    from mailwizard.core.profile import check_email

    if not args.send_test_to:
        return None
    send_test_to, err = check_email(args.send_test_to, "send-test-to")
    if err:
        raise _Fail(ec.INVALID_SETTINGS, "--send-test-to: " + err.message)
    return send_test_to


def _run_saved_check(args, path, saved, send_test_to):
    """Check the saved settings with the stored password: once, or as the daily check
    (--notify: offline waits, temporary retries). (outcome of the daily check or None, result,
    diagnosis, exit code); a password that cannot be read is recorded, warned of and ends the
    command."""
    from mailwizard.core.admin.health import MissingSecret, check_saved
    from mailwizard.core.admin.report import failure_record
    from mailwizard.core.store.secrets import SecretStoreUnavailable

    outcome = None
    try:
        with cli_support.DEBUG.step("check (saved settings)"):
            if args.notify:  # the daily check: offline waits, temporary retries
                from mailwizard.cli.upkeep import scheduled_run

                outcome = scheduled_run(args, path, saved, send_test_to)
                result, diagnosis, code = outcome.result, outcome.diagnosis, outcome.code
            else:
                result, diagnosis, code = check_saved(saved, send_test_to=send_test_to,
                                                      site=_site(args).raw)
    except SecretStoreUnavailable as exc:
        _record_check(path, failure_record(str(exc), ec.SECRET_STORE, command="check"))
        _warn_of_check(args, path, saved, ec.SECRET_STORE, message=str(exc))
        raise _Fail(ec.SECRET_STORE, str(exc)) from None
    except MissingSecret as exc:
        _record_check(path, failure_record(str(exc), ec.INVALID_SETTINGS, command="check"))
        _warn_of_check(args, path, saved, ec.INVALID_SETTINGS, message=str(exc))
        raise _Fail(ec.INVALID_SETTINGS, str(exc)) from None
    return outcome, result, diagnosis, code


def _record_check(path, rec) -> None:
    """The check's record beside the settings file (for `mailwizard report`); a record that
    cannot be written is a warning, not the check's outcome."""
    from mailwizard.core.admin.health import record_last_check

    try:
        record_last_check(path, rec)
    except OSError as exc:
        print("mailwizard: " + _("warning: the check was not recorded: {problem}").format(
            problem=exc), file=sys.stderr)


def _warn_of_check(args, path, saved, code: int, diagnosis=None, message: str = "",
                   outcome=None) -> None:
    """As the daily check (--notify): the desktop notification of a failure."""
    if args.notify:
        from mailwizard.cli.upkeep import warn_on_desktop

        now = outcome.clock.now() if outcome is not None and outcome.clock else None
        warn_on_desktop(path, saved.profile, code, diagnosis, message, args.notify_wait,
                        outcome=outcome, now=now)


def _classify_failure(rec, path, saved, result, diagnosis, code) -> None:
    """A failed check run once (not the daily check): what it means, its status, and since
    when it has failed for the same reason when that is temporary, into `rec`."""
    from mailwizard.core.admin.daily import TEMPORARILY_FAILING, classify, status_of

    rec["meaning"], how = classify(result, diagnosis, code, saved.profile.ascii_host
                                   if saved.profile.host else "")
    rec["network"] = how or None
    rec["status"] = status_of({**rec, "status": ""})
    if rec["status"] == TEMPORARILY_FAILING:
        from mailwizard.core.admin.daily import failure_key
        from mailwizard.core.admin.health import read_last_check

        prev = (read_last_check(path) or {}).get("failing") or {}
        key = failure_key(code, diagnosis)
        rec["failing"] = {"key": key, "meaning": rec["meaning"],
                          "since": prev.get("since") if isinstance(prev, dict) and
                          prev.get("key") == key else rec["checked_at"]}


def _check_hint(code: int, path, saved) -> str:
    """What to do after a refused password or a sign-in that no longer works ("" else)."""
    if code == ec.AUTH and saved.profile.auth.value == "password":
        from mailwizard.core.admin.health import password_changed_advice
        from mailwizard.core.providers import load_catalogue

        return password_changed_advice(saved.profile,
                                       load_catalogue().get(saved.profile.provider_id), path)
    if code == ec.SIGN_IN_AGAIN:
        return _("The saved sign-in no longer works (it expired or was withdrawn): sign in "
                 "again: open the wizard and choose “Sign in again”.")
    return ""


def _print_check(args, path, saved, result, diagnosis, code: int, rec: dict,
                 extra: dict) -> None:
    """The check's outcome: one JSON object (--json), or the settings checked, the result,
    the hint, the state of a failure and the deliverability summary."""
    if not args.json:
        print(_("Checking the saved settings in {path} (profile “{name}”): {server}").format(
            path=path, name=saved.profile_name, server=saved.profile.server_text()))
    _print_result(result, diagnosis, args.json, code, site=_site(args), extra=extra)
    if args.json:
        return
    if extra.get("hint"):
        print(extra["hint"])
    if not result.ok:
        from mailwizard.cli.upkeep import state_line

        line = state_line(rec.get("meaning"), rec.get("failing"), rec["checked_at"])
        if line:
            print(line)
    if extra.get("deliverability"):
        from mailwizard.cli.deliverability import print_summary

        print_summary(extra["deliverability"])
