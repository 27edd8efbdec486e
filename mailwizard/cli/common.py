"""What the commands share: reading the password, the settings from the options and the site
file, running a check and printing its result (text or one JSON object), the saved settings,
OAuth clients, and the messages for files that cannot be read."""

from __future__ import annotations

import sys
from pathlib import Path

from mailwizard.cli import support as cli_support
from mailwizard.cli.support import emit_json, success_line
from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import N_, _
from mailwizard.cli.run import RUN, _Fail, _Run, _site, site_file_message  # noqa: F401

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


#: A password line longer than this is not a password (and is not read further).
_MAX_PASSWORD_LINE = 64 * 1024


def _stdin_password() -> str:
    """The first line of standard input, as UTF-8 (or the locale's encoding where that is not
    UTF-8); bytes that are neither give a plain message, never a traceback."""
    import locale

    raw = sys.stdin.buffer.readline(_MAX_PASSWORD_LINE + 1)
    if len(raw) > _MAX_PASSWORD_LINE:
        raise _Fail(ec.INVALID_SETTINGS, _("password: the first line of standard input is "
                                           "longer than 64 KB; it is not a password"))
    secret_bytes = raw.rstrip(b"\r\n")
    if not secret_bytes:
        raise _Fail(ec.INVALID_SETTINGS, _("password: the first line of standard input was "
                    "empty (give the password on the first line)") if raw else
                    _("password: standard input was empty"))
    raw = secret_bytes
    encodings = ["utf-8"]
    local = locale.getpreferredencoding(False) or "utf-8"
    if local.lower().replace("-", "") not in ("utf8", "ascii", "ansi_x3.41968"):
        encodings.append(local)
    for encoding in encodings:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise _Fail(ec.INVALID_SETTINGS, _("password: standard input is not UTF-8 text (was it "
                                       "saved in another encoding, such as Latin-1?). Pass "
                                       "the password in UTF-8"))


class _SafeStream:
    """stdout/stderr as a person's terminal should get them: control characters from servers
    and files are shown escaped (\\uXXXX, also valid inside JSON strings), never obeyed."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        from mailwizard.core.redact import safe_text

        return self._stream.write(safe_text(text))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _check_text_options(args) -> None:
    """Options whose bytes were not text (Python keeps them as lone surrogates) or hold
    control characters are refused by name, before anything uses them."""
    from mailwizard.core.setting_text import check_profile_name, has_control_chars

    for name, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            text = str(v) if isinstance(v, (str, Path)) else None
            if text is None:
                continue
            flag = "--" + {"from_address": "from"}.get(name, name).replace("_", "-")
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise _Fail(ec.INVALID_SETTINGS, _(
                    "{option}: this value is not UTF-8 text; type it again or set a UTF-8 "
                    "locale").format(option=flag)) from None
            if has_control_chars(text):
                raise _Fail(ec.INVALID_SETTINGS, _(
                    "{option}: this value holds an invisible control character; type it "
                    "again").format(option=flag))
            if isinstance(v, Path):
                _check_path_length(flag, v)
    if getattr(args, "profile_name", None) is not None:
        problem = check_profile_name(args.profile_name)
        if problem:
            raise _Fail(ec.INVALID_SETTINGS, f"--profile-name: {problem}")


def _check_path_length(flag: str, path: Path) -> None:
    """A path longer than this system allows (as a whole or one of its names) is named as
    the option's mistake, before any file function meets it."""
    import errno
    import os

    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise _Fail(ec.INVALID_SETTINGS, _(
                "{option}: this path is longer than this system allows ({length} characters); "
                "choose a shorter one").format(option=flag, length=len(str(path)))) from None
    except ValueError:  # a NUL byte: refused above as a control character
        pass


def _values_from_args(args) -> dict[str, Any]:
    """The settings options as file keys (those of site and answer files)."""
    values: dict[str, Any] = {}
    for name in ("service", "provider", "region", "host", "port", "security", "username",
                 "from_address", "display_name", "ews_url", "domain", "cafile", "timeout",
                 "trust_sha256"):
        value = getattr(args, name, None)
        if value is not None and not (name == "trust_sha256" and not value):
            values[name] = value
    if args.auth is not None:  # one option for both: password|none (SMTP), ntlm|basic (EWS)
        values["ews_auth" if args.auth in ("ntlm", "basic") else "auth"] = args.auth
    if args.allow_exchange_online:
        values["allow_exchange_online"] = True
    return values


def _build_profile(args):
    from mailwizard.core.admin.answers import compose_profile
    from mailwizard.core.profile import ProfileError

    values = _values_from_args(args)
    if getattr(args, "discover", False):
        from mailwizard.cli.discover import discovered_values

        values = discovered_values(args, values, _site(args))
    try:
        profile, provider = compose_profile(values, _site(args))
    except ProfileError as exc:
        raise _Fail(ec.INVALID_SETTINGS, "\n".join(f"{_flag(e.field)}: {e.message}"
                                                   for e in exc.errors)) from None
    return _checked(args, profile), provider


def _checked(args, profile):
    errors = profile.errors()
    if args.send_test_to:
        from mailwizard.core.profile import check_email

        args.send_test_to, err = check_email(args.send_test_to, "send-test-to")
        if err:
            errors.append(err)
    if errors:
        raise _Fail(ec.INVALID_SETTINGS, "\n".join(f"{_flag(e.field)}: {e.message}"
                                                   for e in errors))
    _address_notes(profile.from_address, args.send_test_to)
    return profile


def _address_notes(*addresses: str | None) -> None:
    """A gentle note (stderr, never a refusal) for addresses on internal domains."""
    from mailwizard.core.profile import address_note

    seen = set()
    for address in addresses:
        note = address_note(address or "")
        if note and note not in seen:
            seen.add(note)
            cli_support.NOTES.append(note)
            print(_("Note: {note}").format(note=note), file=sys.stderr)


#: Profile fields (and file keys) whose command-line option has another name.
_FLAGS = {"from_address": "from", "pinned_sha256": "trust-sha256", "ews_auth": "auth",
          "exchange_online_acknowledged": "allow-exchange-online", "provider_id": "provider"}


def _flag(field: str) -> str:
    if field == "settings":
        return "settings"
    return "--" + _FLAGS.get(field, field).replace("_", "-") if field != "send-test-to" \
        else "--send-test-to"


def _read_secret(args, profile) -> str | None:
    from mailwizard.core.profile import AuthMethod
    from mailwizard.core.redact import register_secret

    if profile.auth is not AuthMethod.PASSWORD:
        return None
    if args.password_stdin:
        secret = _stdin_password()
    elif args.stored_password:
        from mailwizard.core.store.secrets import SecretRef, SecretStoreUnavailable, get_secret

        name = args.profile_name or "default"
        try:
            with cli_support.DEBUG.step("keyring: read password"):
                secret = get_secret(SecretRef(name))
        except SecretStoreUnavailable as exc:
            raise _Fail(ec.SECRET_STORE, str(exc)) from None
        if not secret:
            raise _Fail(ec.INVALID_SETTINGS, _(
                "password: none is stored for profile “{name}”; give it with "
                "--password-stdin").format(name=name))
    elif sys.stdin.isatty():
        import getpass

        secret = getpass.getpass(_("Password for {username}: ").format(
            username=profile.username))
    else:
        raise _Fail(ec.INVALID_SETTINGS, _("password: give it on standard input with "
                    "--password-stdin (it is never accepted on the command line)"))
    register_secret(secret)
    return secret


def _print_result(result, diagnosis, as_json: bool, code: int, *, site=None,
                  extra: dict[str, Any] | None = None) -> None:
    cli_support.DEBUG.result(result)
    if diagnosis is not None:
        from mailwizard.cli.support import cli_wording

        diagnosis = cli_wording(diagnosis)
    if as_json:
        out = {"ok": result.ok, "exit_code": code,
               "proven": cli_support.proven(result) if result.ok else [],
               "stages": [{"stage": s.stage, "status": s.status, "ms": round(s.ms, 1)}
                          for s in result.stages],
               "diagnosis": diagnosis.to_dict() if diagnosis else None,
               "report": result.to_dict(), **(extra or {})}
        message = success_line(result) if result.ok else \
            f"{diagnosis.cause} {diagnosis.fix}" if diagnosis else _("the check failed")
        emit_json(out, command=RUN.command, code=code, message=message)
        return
    marks = {"ok": N_("ok"), "failed": N_("FAILED"), "cancelled": N_("CANCELLED")}
    for s in result.stages:
        mark = _(marks[s.status]) if s.status in marks else s.status.upper()
        print(f"  {mark:9} {s.stage:11} {s.ms:8.1f} ms  {s.detail}")
    if result.ok:
        print(success_line(result))
        return
    d = diagnosis
    # Translators: the labels of the failure report keep their spacing so the texts line up.
    from mailwizard.core import i18n
    from mailwizard.core.checks.stages import GROUP_WORDS, group_of

    stage = d.stage
    if i18n.language() != i18n.SOURCE and group_of(d.stage) in GROUP_WORDS:
        # Translators: the failed step in words, then the stage's code for IT, e.g.
        # "Sign in (auth)"
        stage = _("{words} ({stage})").format(words=_(GROUP_WORDS[group_of(d.stage)]),
                                            stage=d.stage)
    print("\n" + _("Failed at: {stage}   [{code}]").format(stage=stage, code=d.code))
    print(_("Cause:  {cause}").format(cause=d.cause))
    print(_("Fix:    {fix}").format(fix=d.fix))
    if d.help_url:
        print(_("Help:   {url}").format(url=d.help_url))
    if d.suggestion:
        flags = " ".join(f"{_flag(k)} {v}" for k, v in d.suggestion.items())
        locked = site.locked_violations(d.suggestion) if site is not None else []
        if locked:
            print(_("Would help: {suggestion}, but {settings} is set by your administrator "
                    "in {file}: ask IT").format(
                suggestion=d.suggestion_text, settings=", ".join(e.field for e in locked),
                file=site.where))
        else:
            print(_("Try:    {suggestion}  ({options})").format(
                suggestion=d.suggestion_text, options=flags))
    if d.certificate:
        c = d.certificate
        fp = ":".join(c["sha256"][i:i + 2] for i in range(0, len(c["sha256"]), 2)).upper()
        # Translators: the certificate's details, one line each; keep the values lined up.
        print(_("Certificate: subject {subject}").format(subject=c["subject"]))
        print(_("             issuer  {issuer}").format(issuer=c["issuer"]))
        print(_("             valid   {start} .. {end}").format(start=c["not_before"],
                                                               end=c["not_after"]))
        print(_("             names   {names}").format(names=", ".join(c["names"])))
        print(f"             SHA-256 {fp}")
    if d.server_reply:
        print(_("Server said: {reply}").format(reply=d.server_reply))


def _run_check(args, built=None):
    profile, provider = built or _build_profile(args)
    secret = _read_secret(args, profile)
    if getattr(args, "autodiscover", False):
        profile = _autodiscover(args, profile, secret)
    result, diagnosis, code = _check(profile, provider, secret, args.send_test_to, args.json,
                                     **getattr(args, "_check_options", {}))
    return profile, provider, secret, result, diagnosis, code


def _check(profile, provider, secret, send_test_to, as_json, **check_options):
    """Run the real check: (result, diagnosis, exit code)."""
    from mailwizard.core.checks import make_check
    from mailwizard.core.profile import ServiceType

    if profile.service is ServiceType.EXCHANGE:
        from mailwizard.core.checks.ews import exchange_online_notice

        notice = exchange_online_notice(profile)
        if notice and not as_json:
            print(_("Note: {note}").format(note=notice), file=sys.stderr)
    if profile.service is not ServiceType.SMTP or check_options.get("resolve") is None:
        check_options.pop("resolve", None)
    check = make_check(profile, secret, send_test_to=send_test_to, **check_options)
    try:
        with cli_support.DEBUG.step("check"):
            result = check.run()
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        check.cancel()
        raise
    cli_support.DEBUG.result(result)
    diagnosis = None if result.ok else _diagnose(result.failure, profile, provider)
    code = ec.OK if result.ok else ec.for_stage(result.failure.stage, result.failure.kind)
    return result, diagnosis, code


def _diagnose(failure, profile, provider=None):
    """The diagnosis of a failed check. It and the provider data are loaded only when a check
    fails; without a named preset, the From address's provider (gmail.com …) is looked up."""
    from mailwizard.core.diagnosis.smtp import diagnose

    if provider is None and profile.from_address:
        from mailwizard.core.providers import load_catalogue

        provider = load_catalogue().match_email(profile.from_address)
    return diagnose(failure, profile, provider)


def _autodiscover(args, profile, secret):
    from urllib.parse import urlsplit

    from mailwizard.core.discovery.ews_autodiscover import Autodiscover, AutodiscoverFailed
    from mailwizard.core.profile import exchange_login

    if profile.service.value != "exchange":
        raise _Fail(ec.INVALID_SETTINGS, _("--autodiscover: only with --service exchange"))
    finder = Autodiscover(profile.from_address,
                          exchange_login(profile.username, profile.domain, profile.ews_auth),
                          secret or "", profile.ews_auth, cafile=profile.cafile,
                          timeout=min(60.0, float(profile.timeout) * 3),
                          # hosts named on the command line count as confirmed by IT
                          allowed_hosts=set(args.autodiscover_allow_host) | {
                              (urlsplit(u).hostname or "").lower()
                              for u in args.autodiscover_url},
                          candidates=args.autodiscover_url or None)
    try:
        found = finder.run()
    except AutodiscoverFailed as exc:
        if exc.kind == "needs_confirmation":
            hint = _("If IT confirms {host} is your Exchange server, add "
                     "--autodiscover-allow-host {host}.").format(host=exc.host)
        elif exc.kind == "login_refused":
            hint = _("Check the user name and password.")
        else:
            hint = _("Give the address with --ews-url instead (ask IT).")
        code = ec.AUTH if exc.kind == "login_refused" else (
            ec.TLS if exc.kind == "tls" else ec.INVALID_SETTINGS)
        raise _Fail(code, _("Autodiscover: {problem} {hint}").format(
            problem=exc.message, hint=hint)) from None
    if not args.json:
        print(_("Autodiscover found: {url}").format(url=found.ews_url))
    return profile.with_changes(ews_url=found.ews_url)


def _schedule_dict():
    from mailwizard.core.admin.schedule import status

    sched = status()
    return sched.to_dict() if sched else None


def _saved(args):
    """(path, saved settings) for --config, else the site file's or the default path."""
    from mailwizard.core.store.config import ConfigError, read_config
    from mailwizard.core.admin.site import resolve_config_path

    path = resolve_config_path(args.config, _site(args))
    try:
        with cli_support.DEBUG.step("read the settings file"):
            return path, read_config(path)
    except ConfigError as exc:
        raise _Fail(ec.CONFIG_ERROR, str(exc)) from None


def _oauth_client(args, profile):
    """The OAuth client for a saved profile: environment, else this run's site file."""
    from mailwizard.core.oauth.account import client_for

    return client_for(profile.oauth_provider, site=_site(args).raw)


def _client_if_any(args, profile):
    """The OAuth client, or None when none is configured: a still-valid cached access token
    needs none; a refresh without one says what to set up."""
    from mailwizard.core.oauth.flow import OAuthError

    try:
        return _oauth_client(args, profile)
    except OAuthError as exc:
        if exc.kind != "not_configured":
            raise
        return None


def _oauth_failure(exc) -> "_Fail":
    from mailwizard.core.exitcodes import for_stage

    text = exc.message + (f" {exc.fix}" if exc.fix else "")
    return _Fail(for_stage("token", "oauth_" + exc.kind), text)


def _sent_line(outgoing) -> str:
    return _("Sent {message_id} to {recipients}.").format(
        message_id=outgoing.message_id, recipients=", ".join(outgoing.recipients))


def answers_file_message(exc) -> str:
    # Translators: {problem} is the answer file's path, the key and what is wrong with it.
    return _("answer file {problem}").format(problem=exc)


def _save_errors(fn):
    """Run a save; its refusals become the documented exit codes."""
    from mailwizard.core.store.config import ConfigError
    from mailwizard.core.profile import ProfileError
    from mailwizard.core.store.save import NotValidated
    from mailwizard.core.store.secrets import SecretStoreUnavailable

    try:
        return fn()
    except SecretStoreUnavailable as exc:
        raise _Fail(ec.SECRET_STORE, str(exc)) from None
    except ConfigError as exc:
        raise _Fail(ec.CONFIG_ERROR, str(exc)) from None
    except NotValidated as exc:
        raise _Fail(ec.NOT_VALIDATED, str(exc)) from None
    except ProfileError as exc:
        raise _Fail(ec.INVALID_SETTINGS, "\n".join(f"{_flag(e.field)}: {e.message}"
                                                   for e in exc.errors)) from None
