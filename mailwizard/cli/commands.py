"""The commands that set up and use saved settings: providers, validate, save, apply, show,
report, token and send (check, discover, deliverability, schedule and the password-changed
path have modules of their own)."""

from __future__ import annotations

import sys

from mailwizard.cli import support as cli_support
from mailwizard.cli.support import emit_json, success_line
from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import _, ngettext
from mailwizard.cli.common import (
    _address_notes, _build_profile, _check, _client_if_any, _diagnose, _Fail,
    _oauth_failure, _print_result, _run_check, _save_errors, _saved, _schedule_dict,
    _sent_line, _site, _stdin_password, answers_file_message, RUN)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def cmd_providers(args) -> int:
    from mailwizard.core.providers import load_catalogue

    cat = load_catalogue()
    if args.json:
        providers = [p.raw for p in cat]
        emit_json({"providers": providers}, command=RUN.command, code=ec.OK,
                  message=ngettext("{n} provider preset", "{n} provider presets",
                                   len(providers)).format(n=len(providers)))
        return ec.OK
    for p in cat:
        eps = ", ".join(e.label() for e in p.endpoints)
        if p.connect_only:
            eps += " " + _("(Connect only: sign in in the wizard)")
        host = p.host or _("(you enter it)")
        print(f"{p.id:24} {p.name:44} {host:36} {eps}")
    return ec.OK


def cmd_validate(args) -> int:
    *_ignored, result, diagnosis, code = _run_check(args)
    _print_result(result, diagnosis, args.json, code, site=_site(args))
    return code


def cmd_save(args) -> int:
    from mailwizard.core.profile import AuthMethod
    from mailwizard.core.store.save import save_settings
    from mailwizard.core.store.secrets import SecretStoreUnavailable, check_available

    from mailwizard.cli.resave import existing_settings, save_over_saved

    existing = existing_settings(args)
    if existing is not None:  # "my password changed", or one option changed
        return save_over_saved(args, *existing)
    built = _build_profile(args)
    if built[0].auth is AuthMethod.PASSWORD and not args.stored_password:
        # Before anyone types a password: is there a safe place for it at all?
        try:
            check_available()
        except SecretStoreUnavailable as exc:
            raise _Fail(ec.SECRET_STORE, str(exc)) from None
    profile, provider, secret, result, diagnosis, code = _run_check(args, built)
    if not result.ok:
        _print_result(result, diagnosis, args.json, code, site=_site(args))
        if not args.json:
            print(_("Nothing was saved."))
        return code
    from mailwizard.core.admin.report import saved_check_record
    from mailwizard.core.admin.site import resolve_config_path

    plan = _save_errors(lambda: save_settings(
        profile, secret, result, config_path=resolve_config_path(args.config, _site(args)),
        profile_name=args.profile_name or "default", replace_damaged=args.replace_damaged,
        last_check=saved_check_record(result, "save")))
    if args.json:
        emit_json({"config": str(plan.config_path),
                   "secret": plan.secret.to_dict() if plan.secret else None,
                   "proven": cli_support.proven(result), "report": result.to_dict()},
                  command=RUN.command, code=ec.OK,
                  message=_("Saved. {what}").format(what=success_line(result)))
    else:
        _print_result(result, None, False, ec.OK)
        for line in plan.describe():
            print(_("Saved. {what}").format(what=line))
    return ec.OK


def cmd_show(args) -> int:
    from mailwizard.core.store.secrets import SecretStoreUnavailable, get_secret

    path, saved = _saved(args)
    stored: str | None
    try:
        with cli_support.DEBUG.step("keyring: is the password stored?"):
            present = bool(get_secret(saved.secret)) if saved.secret else None
        stored = _("stored") if present else (_("MISSING") if saved.secret
                                              else _("not needed"))
    except SecretStoreUnavailable as exc:
        present, stored, unreadable = None, _("keyring unavailable"), exc
    else:
        unreadable = None
    p = saved.profile
    if args.json:
        out = {"config": str(path), "profile_name": saved.profile_name,
               "profile": p.to_config_dict(),
               "secret": saved.secret.to_dict() if saved.secret else None,
               "secret_present": present, "validation": saved.validation,
               "saved_at": saved.saved_at, "schedule": _schedule_dict(),
               "last_check": _last_check_dict(path)}
        if unreadable is not None:
            out["secret_problem"] = str(unreadable)
        emit_json(out, command=RUN.command, code=ec.OK,
                  message=_("the settings saved in {path}").format(path=path))
        return ec.OK
    # Translators: `mailwizard show`: a label and its value per line; keep them lined up.
    print(_("Settings file: {path}").format(path=path))
    print(_("  Server:    {server}").format(server=p.server_text()))
    print(_("  Login:     {username}").format(username=p.username or _("(none)")))
    sender = f"{p.display_name + ' ' if p.display_name else ''}<{p.from_address}>"
    print(_("  From:      {sender}").format(sender=sender))
    if saved.secret and unreadable is not None:
        print(_("  Password:  not checked: {problem}.").format(problem=unreadable.cause))
        # Translators: keep the 13 spaces in front: the line continues the one above.
        print(_("             It is kept in: {where}.").format(where=saved.secret.describe()))
    elif saved.secret:
        print(_("  Password:  ******** ({state}) in {where}").format(
            state=stored, where=saved.secret.describe()))
    else:
        print(_("  Password:  ******** ({state})").format(state=stored))
    if saved.validation.get("validated_at"):
        print(_("  Tested:    {when}").format(when=saved.validation["validated_at"]))
    from mailwizard.core.admin.schedule import describe_status

    print(_("  Schedule:  {schedule}").format(schedule=describe_status()))
    from mailwizard.core.admin.daily import describe_record
    from mailwizard.core.admin.health import read_last_check

    state = describe_record(read_last_check(path))
    if state:
        print(_("  Last check: {state}").format(state=state))
    return ec.OK


def _last_check_dict(path):
    """The last check in short for `show --json`: when, its status and meaning, since when
    a failure goes on (None when no check was recorded)."""
    from mailwizard.core.admin.daily import status_of
    from mailwizard.core.admin.health import read_last_check

    record = read_last_check(path)
    if not record or "damaged" in record:
        return None
    return {"checked_at": record.get("checked_at"), "status": status_of(record),
            "meaning": record.get("meaning"), "exit_code": record.get("exit_code"),
            "failing": record.get("failing")}


def cmd_token(args) -> int:
    from mailwizard.core.oauth.flow import OAuthError
    from mailwizard.core.oauth.account import access_token_for_saved
    from mailwizard.core.profile import AuthMethod
    from mailwizard.core.store.secrets import SecretStoreUnavailable

    path, saved = _saved(args)
    p = saved.profile
    if p.auth is not AuthMethod.OAUTH2 or saved.secret is None:
        raise _Fail(ec.INVALID_SETTINGS, _(
            "{path}: this profile signs in with {method}, not OAuth; there is no token to "
            "give").format(path=path, method=p.auth.value))
    try:
        with cli_support.DEBUG.step("OAuth access token"):
            token, expires_at = access_token_for_saved(p, saved.secret,
                                                       client=_client_if_any(args, p),
                                                       force_refresh=args.force_refresh)
    except OAuthError as exc:
        raise _oauth_failure(exc) from None
    except SecretStoreUnavailable as exc:
        raise _Fail(ec.SECRET_STORE, str(exc)) from None
    if args.json:
        emit_json({"access_token": token, "expires_at": int(expires_at),
                   "token_type": "Bearer", "username": p.username,
                   "host": p.host, "port": p.port, "security": p.security.value},
                  command=RUN.command, code=ec.OK, message=_("a fresh access token"))
    else:
        print(token)
    return ec.OK


def cmd_send(args) -> int:
    from mailwizard.core.checks import make_check
    from mailwizard.core.oauth.flow import OAuthError
    from mailwizard.core.checks.outgoing import MAX_MESSAGE_BYTES, MessageError, prepare
    from mailwizard.core.profile import AuthMethod
    from mailwizard.core.store.secrets import SecretStoreUnavailable, get_secret

    path, saved = _saved(args)
    p = saved.profile
    problems = p.errors()  # a file edited by hand or written by another tool
    if problems:
        raise _Fail(ec.INVALID_SETTINGS, "\n".join(
            _("{path}: {field}: {problem}").format(path=path, field=e.field, problem=e.message)
            for e in problems) + "\n" + _("Nothing was sent. Correct the settings with "
                                          "`mailwizard save --config {path} …` or the "
                                          "wizard.").format(path=path))
    try:
        outgoing = prepare(sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1), p)
    except MessageError as exc:
        raise _Fail(ec.INVALID_SETTINGS, _("message: {problem}").format(problem=exc)) from None
    options: dict[str, Any] = {}
    secret = None
    try:
        if p.auth is AuthMethod.OAUTH2:
            from mailwizard.core.oauth.account import access_token_for_saved

            options["access_token"], _expires = access_token_for_saved(
                p, saved.secret, client=_client_if_any(args, p))
        elif saved.secret is not None:
            secret = get_secret(saved.secret)
            if not secret:
                raise _Fail(ec.SECRET_STORE, _(
                    "no password is stored for this profile ({where}); run the wizard "
                    "again").format(where=saved.secret.describe()))
    except OAuthError as exc:
        raise _oauth_failure(exc) from None
    except SecretStoreUnavailable as exc:
        raise _Fail(ec.SECRET_STORE, str(exc)) from None
    check = make_check(p, secret, outgoing=outgoing, **options)
    with cli_support.DEBUG.step("send"):
        result = check.run()
    cli_support.DEBUG.result(result)
    code = ec.OK if result.ok else ec.for_stage(result.failure.stage, result.failure.kind)
    diagnosis = None if result.ok else _diagnose(result.failure, p)
    hint = ""
    if code == ec.AUTH and p.auth is AuthMethod.PASSWORD:  # the next step, as `check` names it
        from mailwizard.core.admin.health import password_changed_advice
        from mailwizard.core.providers import load_catalogue

        hint = password_changed_advice(p, load_catalogue().get(p.provider_id), path)
    if args.json:
        if diagnosis is not None:
            diagnosis = cli_support.cli_wording(diagnosis)
        emit_json({"message_id": outgoing.message_id, "recipients": outgoing.recipients,
                   "diagnosis": diagnosis.to_dict() if diagnosis else None,
                   **({"hint": hint} if hint else {})},
                  command=RUN.command, code=code,
                  message=(_sent_line(outgoing) if result.ok else
                           f"{diagnosis.cause} {diagnosis.fix} "
                           + _("The message was not sent.") + (f" {hint}" if hint else "")))
    elif result.ok:
        print(_sent_line(outgoing))
    else:
        _print_result(result, diagnosis, False, code)
        print(_("The message was not sent."))
        if hint:
            print(hint)
    return code


def cmd_apply(args) -> int:
    from mailwizard.core.admin.answers import (AnswersError, compose_profile, load_answers,
                                         password_from_env)
    from mailwizard.core.admin.filekeys import key_for_field
    from mailwizard.core.profile import AuthMethod, ProfileError, check_email
    from mailwizard.core.redact import register_secret
    from mailwizard.core.store.save import save_settings
    from mailwizard.core.store.secrets import SecretStoreUnavailable, check_available
    from mailwizard.core.admin.site import resolve_config_path

    site = _site(args)
    try:
        with cli_support.DEBUG.step("read the answer file"):
            answers = load_answers(args.answers)
    except AnswersError as exc:
        raise _Fail(ec.INVALID_SETTINGS, answers_file_message(exc)) from None
    where = answers_file_message(f"{args.answers}: ")
    if answers.discover:
        from mailwizard.cli.discover import discovered_values

        answers.values = discovered_values(args, answers.values, site)
    try:
        profile, provider = compose_profile(answers.values, site)
    except ProfileError as exc:
        raise _Fail(ec.INVALID_SETTINGS, "\n".join(f"{where}{e.field}: {e.message}"
                                                   for e in exc.errors)) from None
    errors = [(key_for_field(e.field), e.message) for e in profile.errors()]
    send_test_to = args.send_test_to or answers.send_test_to or None
    if send_test_to:
        send_test_to, err = check_email(send_test_to, "send_test_to")
        if err:
            errors.append((err.field, err.message))
    if errors:
        raise _Fail(ec.INVALID_SETTINGS, "\n".join(f"{where}{k}: {m}" for k, m in errors))
    _address_notes(profile.from_address, send_test_to)
    profile_name = args.profile_name or answers.profile_name or "default"
    config_path = resolve_config_path(args.config or answers.config_path, site)

    secret = None
    if profile.auth is AuthMethod.PASSWORD:
        if not args.check_only:
            try:  # before the password is even read: is there a safe place for it?
                check_available()
            except SecretStoreUnavailable as exc:
                raise _Fail(ec.SECRET_STORE, str(exc)) from None
        if args.password_stdin:
            secret = _stdin_password()
        else:
            try:
                secret = password_from_env(answers)
            except AnswersError as exc:
                raise _Fail(ec.INVALID_SETTINGS, answers_file_message(exc)) from None
        register_secret(secret)

    result, diagnosis, code = _check(profile, provider, secret, send_test_to, args.json,
                                     **getattr(args, "_check_options", {}))
    extra: dict[str, Any] = {"check_only": args.check_only, "saved": None}
    if not result.ok or args.check_only:
        _print_result(result, diagnosis, args.json, code, site=site, extra=extra)
        if not args.json:
            print(_("Checked only: nothing was saved.") if result.ok else
                  _("Nothing was saved."))
        return code
    from mailwizard.core.admin.report import saved_check_record

    plan = _save_errors(lambda: save_settings(profile, secret, result, config_path=config_path,
                                              profile_name=profile_name,
                                              last_check=saved_check_record(result, "apply")))
    extra["saved"] = {"config": str(plan.config_path), "profile_name": profile_name,
                      "secret": plan.secret.to_dict() if plan.secret else None}
    _print_result(result, None, args.json, ec.OK, site=site, extra=extra)
    if not args.json:
        for line in plan.describe():
            print(_("Saved. {what}").format(what=line))
    return ec.OK


def cmd_report(args) -> int:
    from mailwizard.core.admin.health import read_last_check
    from mailwizard.core.admin.report import format_report
    from mailwizard.core.admin.site import SiteConfigError, load_site_config, resolve_config_path

    site, site_error = None, ""
    try:
        site = load_site_config(args.site_config)
    except SiteConfigError as exc:  # the report says so; it is what IT needs to see
        site_error = str(exc)  # the report's words are the report's (admin/report.py)
    path = resolve_config_path(args.config, site)
    with cli_support.DEBUG.step("write the report"):
        text = format_report(record=read_last_check(path), config_path=path, site=site,
                             site_error=site_error)
    if getattr(args, "json", False):
        emit_json({"config": str(path), "report": text}, command=RUN.command, code=ec.OK,
                  message=_("a redacted report for IT support (in \"report\")"))
        return ec.OK
    sys.stdout.write(text)
    return ec.OK
