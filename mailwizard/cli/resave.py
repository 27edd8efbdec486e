"""`mailwizard save` over settings that are already saved: "my password changed" (only a new
password on standard input) or one option changed. The saved settings are re-tested with what
was given, every option not given keeps its saved value, and nothing is written unless the
test passes."""

from __future__ import annotations

from mailwizard.cli import support as cli_support
from mailwizard.cli.common import (RUN, _Fail, _check, _checked, _flag, _print_result, _read_secret,
                            _save_errors, _site, _values_from_args)
from mailwizard.cli.support import emit_json
from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import _


def existing_settings(args):
    """(path, saved settings) when `save` builds on a settings file that exists and can be
    read: every option not given keeps its saved value. None for a fresh set-up: no file, a
    damaged one (handled as before), or another preset, service or profile name."""
    from mailwizard.core.store.config import ConfigError, read_config
    from mailwizard.core.admin.site import resolve_config_path

    path = resolve_config_path(args.config, _site(args))
    if not path.exists():
        return None
    try:
        saved = read_config(path)
    except ConfigError:
        return None
    p = saved.profile
    if (args.provider and args.provider != p.provider_id) or args.region or \
            (args.service and args.service != p.service.value) or \
            (args.profile_name and args.profile_name != saved.profile_name):
        return None
    return path, saved


def save_over_saved(args, path, saved) -> int:
    """Re-test the saved settings with the options given (often none but a new password on
    standard input) and store them only if the test passes; a failed test changes nothing."""
    from mailwizard.core.admin.filekeys import PROFILE_KEYS
    from mailwizard.core.admin.health import password_changed_advice
    from mailwizard.core.admin.report import saved_check_record
    from mailwizard.core.profile import AuthMethod, ProfileError
    from mailwizard.core.providers import load_catalogue
    from mailwizard.core.store.save import save_settings
    from mailwizard.core.store.secrets import SecretStoreUnavailable, check_available, get_secret

    values = _values_from_args(args)
    locked = _site(args).locked_violations(dict(values))
    if locked:
        raise _Fail(ec.INVALID_SETTINGS, "\n".join(f"{_flag(e.field)}: {e.message}"
                                                   for e in locked))
    changes = {PROFILE_KEYS[k].field: v for k, v in values.items()
               if k in PROFILE_KEYS and PROFILE_KEYS[k].field}
    try:
        profile = saved.profile.with_changes(**changes).normalised()
    except (ValueError, ProfileError) as exc:
        raise _Fail(ec.INVALID_SETTINGS, "settings: " + str(exc)) from None
    profile = _checked(args, profile)
    provider = load_catalogue().get(profile.provider_id)

    secret = None
    new_secret = False
    if profile.auth is AuthMethod.OAUTH2:
        raise _Fail(ec.INVALID_SETTINGS, _(
            "{path}: this profile signs in with Connect (OAuth), which needs a browser: open "
            "the wizard (`mailwizard gui`) and choose “Sign in again”").format(path=path))
    if profile.auth is AuthMethod.PASSWORD:
        try:
            with cli_support.DEBUG.step("keyring: available?"):
                check_available()
            stored = saved.secret if saved.secret and saved.secret.kind == "password" \
                else None
            if args.password_stdin or (stored is None and not args.stored_password):
                secret, new_secret = _read_secret(args, profile), True
            else:  # one option changed: the saved password goes with the saved settings
                with cli_support.DEBUG.step("keyring: read password"):
                    secret = get_secret(stored) if stored else None
                if not secret:
                    raise _Fail(ec.INVALID_SETTINGS, _(
                        "password: none is stored for profile “{name}”; give the new one "
                        "with --password-stdin").format(name=saved.profile_name))
        except SecretStoreUnavailable as exc:
            raise _Fail(ec.SECRET_STORE, str(exc)) from None
        from mailwizard.core.redact import register_secret

        register_secret(secret)
    result, diagnosis, code = _check(profile, provider, secret, args.send_test_to, args.json)
    changed = changed_settings(saved.profile, profile)
    extra = {"config": str(path), "profile_name": saved.profile_name,
             "kept_saved_settings": True, "changed": changed, "new_password": new_secret}
    if not result.ok:
        if code == ec.AUTH and new_secret:
            extra["hint"] = password_changed_advice(profile, provider, path, failed=True)
        _print_result(result, diagnosis, args.json, code, site=_site(args), extra=extra)
        if not args.json:
            if extra.get("hint"):
                print(extra["hint"])
            print(_("Nothing was changed: the saved settings and password are as they "
                    "were."))
        return code
    plan = _save_errors(lambda: save_settings(
        profile, secret if profile.auth is AuthMethod.PASSWORD else None, result,
        config_path=path, profile_name=saved.profile_name,
        replace_damaged=args.replace_damaged, last_check=saved_check_record(result, "save")))
    what = _kept_words(new_secret, profile.auth is AuthMethod.PASSWORD, changed)
    if args.json:
        emit_json({**extra, "secret": plan.secret.to_dict() if plan.secret else None,
                   "proven": cli_support.proven(result), "report": result.to_dict()},
                  command=RUN.command, code=ec.OK,
                  message=_("Saved. {what}").format(what=what))
        return ec.OK
    _print_result(result, None, False, ec.OK)
    print(_("Saved in {path}. {what}").format(path=plan.config_path, what=what))
    return ec.OK


def _kept_words(new_password: bool, uses_password: bool, changed: list[str]) -> str:
    """What a save over saved settings did, in one sentence."""
    if changed:
        options = ", ".join(changed)
        if new_password:
            return _("The new password replaced the old one; changed: {options}; every other "
                     "saved setting was kept.").format(options=options)
        if uses_password:
            return _("The saved password was kept; changed: {options}; every other saved "
                     "setting was kept.").format(options=options)
        return _("No password is needed; changed: {options}; every other saved setting was "
                 "kept.").format(options=options)
    if new_password:
        return _("The new password replaced the old one; every other saved setting was kept.")
    if uses_password:
        return _("The saved password was kept; every other saved setting was kept.")
    return _("No password is needed; every other saved setting was kept.")


def changed_settings(before, after) -> list[str]:
    """The options whose value differs, as the command line names them."""
    old, new = before.to_config_dict(), after.to_config_dict()
    return [_flag(k) for k in new if old.get(k) != new[k]]
