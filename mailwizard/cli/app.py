"""The command line itself: the parser, the commands and what they share (mailwizard.cli's
`main` hands every run but a bare --version to `main` here)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from mailwizard import __version__
from mailwizard.cli import support as cli_support
from mailwizard.cli.support import SuggestingParser, UsageError, emit_json, success_line
from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import N_, _, ngettext

#: The subcommand of this run (for the --json envelope and --debug).
_command: str | None = None

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _add_settings_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(_("server settings"))
    g.add_argument("--service", choices=["smtp", "exchange"], default=None,
                   help=_("smtp (default) or exchange (Microsoft Exchange web services, EWS)"))
    g.add_argument("--provider", metavar="ID",
                   help=_("start from a preset (see `mailwizard providers`); other options "
                        "override it"))
    g.add_argument("--region", help=_("region for presets that need one (Amazon SES)"))
    g.add_argument("--host", help=_("SMTP server name, e.g. smtp.example.com"))
    g.add_argument("--port", type=int, help=_("port, usually 587 (starttls) or 465 (tls)"))
    g.add_argument("--security", choices=["tls", "starttls", "none"],
                   help=_("tls = SSL/TLS from the start; starttls = STARTTLS required"))
    g.add_argument("--auth", choices=["password", "none", "ntlm", "basic"],
                   help=_("SMTP: password, or none (IP relay). Exchange: ntlm (Windows sign-in, "
                        "the default) or basic"))
    g.add_argument("--username", help=_("user name for the server (often the email address)"))
    g.add_argument("--from", dest="from_address", metavar="ADDR", help=_("the From address"))
    g.add_argument("--display-name", default=None, help=_("the sender's display name"))
    x = p.add_argument_group(_("Exchange (with --service exchange)"))
    x.add_argument("--ews-url", metavar="URL",
                   help=_("e.g. https://mail.company.com/EWS/Exchange.asmx (default: built from "
                        "the --from address's domain)"))
    x.add_argument("--domain", help=_("company.com or the Windows domain name, e.g. COMPANY "
                                    "(not needed when --username is DOMAIN\\user or "
                                    "user@domain)"))
    x.add_argument("--autodiscover", action="store_true",
                   help=_("find the EWS address from the --from address with Autodiscover "
                        "(instead of --ews-url)"))
    x.add_argument("--autodiscover-allow-host", metavar="HOST", action="append", default=[],
                   help=_("a host outside your email's domain that Autodiscover may send your "
                        "password to (only if IT confirmed it; repeatable)"))
    x.add_argument("--autodiscover-url", metavar="URL", action="append", default=[],
                   help=_("ask this Autodiscover address instead of the email domain's usual "
                        "ones (repeatable)"))
    x.add_argument("--allow-exchange-online", action="store_true",
                   help=_("use EWS on Exchange Online although Microsoft has switched it off "
                        "(only if your administrator still allows it for this app)"))
    g.add_argument("--cafile", help=_("PEM file with your organisation's CA certificate(s)"))
    g.add_argument("--trust-sha256", metavar="FINGERPRINT",
                   help=_("trust exactly this server certificate (SHA-256), only if IT "
                        "confirmed it"))
    g.add_argument("--timeout", type=float, default=None,
                   help=_("seconds the whole check may take, whatever the server does "
                        "(default 20)"))
    s = p.add_argument_group(_("password (never on the command line)"))
    s.add_argument("--password-stdin", action="store_true",
                   help=_("read the password from the first line of standard input"))
    s.add_argument("--stored-password", action="store_true",
                   help=_("use the password already stored in the keyring for --profile-name"))
    p.add_argument("--send-test-to", metavar="ADDR",
                   help=_("send a real test message to this address"))
    p.add_argument("--profile-name", default=None,
                   help=_("name of the settings profile (keyring entry prefix; default "
                        "\"default\", or the saved one)"))
    p.add_argument("--json", action="store_true", help=_("machine-readable report on stdout"))


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line. `only`: the command named on it, whose options alone are built
    (the others' are work a run does not need, ≈ 7 ms); None builds every command (help,
    a mistyped command, the did-you-mean suggestions)."""

    def want(name: str) -> bool:
        return only is None or only == name

    p = SuggestingParser(
        prog="mailwizard",
        description=_("Set up, really test and safely save your ERP's outgoing email."),
        epilog=_("Exit codes: {codes}").format(
            codes="; ".join(f"{k} {v}" for k, v in ec.DESCRIPTIONS.items()))
        if only is None else None)  # the top-level help's; a command's help has its own
    p.add_argument("--version", action="version", version=f"mailwizard {__version__}")
    p.add_argument("--debug", action="store_true", help=_("log details to stderr (redacted)"))
    p.add_argument("--lang", metavar="CODE", default=None,
                   help=_("the language of the messages, e.g. hi or en (default: "
                        "$MAILWIZARD_LANG, the site file's, else the system's)"))
    p.add_argument("--site-config", type=Path, metavar="PATH", default=None,
                   help=_("the administrator's site file (default: $MAILWIZARD_SITE_CONFIG, "
                        "else site.toml in the system-wide mailwizard folder)"))
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    # Also accepted after the command: `mailwizard apply --site-config X …`
    site_opt = SuggestingParser(add_help=False)
    site_opt.add_argument("--site-config", type=Path, metavar="PATH",
                          default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    site_opt.add_argument("--lang", metavar="CODE", default=argparse.SUPPRESS,
                          help=argparse.SUPPRESS)
    site_opt.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                          help=_("stages, timings and the redacted transcript on stderr"))

    if want("providers"):
        pr = sub.add_parser("providers", help=_("list the provider presets"), parents=[site_opt])
        pr.add_argument("--json", action="store_true")

    if want("validate"):
        v = sub.add_parser("validate", help=_("test settings by really connecting"),
                           parents=[site_opt])
        _add_settings_args(v)
        _discover_options(v)

    if want("save"):
        s = sub.add_parser("save", help=_("test settings, then store the password in the keyring "
                                        "and the settings in the config file"), parents=[site_opt])
        _add_settings_args(s)
        s.add_argument("--config", type=Path, help=_("config file path (default: per-user)"))
        s.add_argument("--replace-damaged", action="store_true",
                       help=_("replace a damaged config file (it is kept beside the new one)"))
        _discover_options(s)

    if want("apply"):
        a = sub.add_parser("apply", parents=[site_opt],
                           help=_("unattended set-up from an answer file: test, then save"),
                           description=_("Set up from an answer file (TOML, or JSON by its .json "
                                       "name; see docs/INTEGRATION.md): site defaults first, the "
                                       "answers over the fields the site does not lock, a real "
                                       "test, then the password into the keyring and the settings "
                                       "into the config file. The password comes from the "
                                       "environment variable the file names in password_env, or "
                                       "from standard input; never from the file."))
        a.add_argument("--answers", type=Path, required=True, metavar="FILE",
                       help=_("the answer file"))
        a.add_argument("--password-stdin", action="store_true",
                       help=_("read the password from the first line of standard input (instead "
                            "of password_env)"))
        a.add_argument("--check-only", action="store_true",
                       help=_("test the settings and write nothing"))
        a.add_argument("--send-test-to", metavar="ADDR",
                       help=_("send a real test message here (overrides send_test_to)"))
        a.add_argument("--config", type=Path, help=_("config file path (overrides config_path)"))
        a.add_argument("--profile-name", default=None,
                       help=_("settings profile name (overrides profile_name; default \"default\")"))
        a.add_argument("--json", action="store_true", help=_("machine-readable report on stdout"))

    if want("check"):
        c = sub.add_parser("check", parents=[site_opt],
                           help=_("re-test the saved settings with the stored password (for a "
                                "scheduled task)"),
                           description=_("Re-test the saved settings with the password stored in "
                                       "the keyring, and record the result next to the config "
                                       "file for `mailwizard report`. Exit codes as for validate."))
        c.add_argument("--config", type=Path, help=_("config file path (default: per-user)"))
        c.add_argument("--send-test-to", metavar="ADDR",
                       help=_("also send a real test message to this address"))
        c.add_argument("--json", action="store_true", help=_("machine-readable report on stdout"))
        c.add_argument("--notify", action="store_true",
                       help=_("on failure, show a desktop notification (at most once a day for the "
                            "same failure) whose button opens the wizard where it can be fixed"))
        # how long to stay for a click on the notification (default: 30 minutes when run by the
        # scheduler, none from a terminal)
        c.add_argument("--notify-wait", type=float, default=None, metavar="SECONDS",
                       help=argparse.SUPPRESS)

    if want("schedule"):
        sc = sub.add_parser("schedule", parents=[site_opt],
                            help=_("check the saved settings every day or week with this "
                                 "computer's scheduler, and warn on the desktop when they fail"),
                            description=_("Install (daily, weekly) or remove (off) a scheduled "
                                        "`mailwizard check --notify` for this user: a systemd "
                                        "user timer on Linux, a Task Scheduler task on Windows, a "
                                        "launchd agent on macOS. `off` removes exactly what was "
                                        "added. Exit code 8 when the scheduler cannot do it."))
        sc.add_argument("when", choices=["daily", "weekly", "off", "status"])
        sc.add_argument("--config", type=Path, help=_("settings file to check (default: per-user)"))
        sc.add_argument("--json", action="store_true")

    if want("report"):
        r = sub.add_parser("report", parents=[site_opt],
                           help=_("print a redacted report for IT support (versions, keyring, "
                                "settings, site file, last check)"))
        r.add_argument("--config", type=Path, help=_("config file path (default: per-user)"))
        r.add_argument("--json", action="store_true",
                       help=_("the report as text in a JSON object ({\"report\": …})"))

    if want("show"):
        sh = sub.add_parser("show", help=_("show the saved settings (password masked)"),
                            parents=[site_opt])
        sh.add_argument("--config", type=Path)
        sh.add_argument("--json", action="store_true")

    if want("token"):
        tk = sub.add_parser("token", help=_("print a fresh OAuth access token for the saved "
                                          "profile (for the ERP's own XOAUTH2 sending)"),
                            parents=[site_opt])
        tk.add_argument("--config", type=Path)
        tk.add_argument("--json", action="store_true",
                        help=_("{access_token, expires_at, token_type, username} as JSON"))
        tk.add_argument("--force-refresh", action="store_true",
                        help=_("ignore the cached access token and refresh it"))

    if want("send"):
        sd = sub.add_parser("send", help=_("send the RFC 5322 message on standard input with the "
                                         "saved profile (any service type)"), parents=[site_opt])
        sd.add_argument("--config", type=Path)
        sd.add_argument("--json", action="store_true")

    if want("deliverability"):
        from mailwizard.cli import deliverability as cli_deliverability

        cli_deliverability.add_parser(sub, site_opt)

    if want("gui"):
        g = sub.add_parser("gui", help=_("open the wizard window"), parents=[site_opt])
        g.add_argument("--config", type=Path, help=argparse.SUPPRESS)
        g.add_argument("--resume", choices=["password_changed"], default=None,
                       help=_("start on “My password changed” (a new password, or sign in again)"))

    if want("discover"):
        from mailwizard.cli.discover import add_discover_parser

        add_discover_parser(sub, site_opt)

    return p


def _discover_options(p: argparse.ArgumentParser) -> None:
    from mailwizard.cli.discover import add_discover_flag

    add_discover_flag(p)


class _Fail(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


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
    from mailwizard.core.profile import check_profile_name, has_control_chars

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
    if getattr(args, "profile_name", None) is not None:
        problem = check_profile_name(args.profile_name)
        if problem:
            raise _Fail(ec.INVALID_SETTINGS, f"--profile-name: {problem}")


def _site(args):
    """The site file's settings (read once per run); a bad file is exit code 3."""
    site = getattr(args, "_site", None)
    if site is None:
        from mailwizard.core.admin.site import SiteConfigError, load_site_config

        try:
            site = load_site_config(args.site_config)
        except SiteConfigError as exc:
            raise _Fail(ec.INVALID_SETTINGS, site_file_message(exc)) from None
        args._site = site
    return site


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
        emit_json(out, command=_command, code=code, message=message)
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


def cmd_providers(args) -> int:
    from mailwizard.core.providers import load_catalogue

    cat = load_catalogue()
    if args.json:
        providers = [p.raw for p in cat]
        emit_json({"providers": providers}, command=_command, code=ec.OK,
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
    from mailwizard.core.admin.site import resolve_config_path

    plan = _save_errors(lambda: save_settings(
        profile, secret, result, config_path=resolve_config_path(args.config, _site(args)),
        profile_name=args.profile_name or "default", replace_damaged=args.replace_damaged))
    if args.json:
        emit_json({"config": str(plan.config_path),
                   "secret": plan.secret.to_dict() if plan.secret else None,
                   "proven": cli_support.proven(result), "report": result.to_dict()},
                  command=_command, code=ec.OK,
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
    except SecretStoreUnavailable:
        present, stored = None, _("keyring unavailable")
    p = saved.profile
    if args.json:
        out = {"config": str(path), "profile_name": saved.profile_name,
               "profile": p.to_config_dict(),
               "secret": saved.secret.to_dict() if saved.secret else None,
               "secret_present": present, "validation": saved.validation,
               "saved_at": saved.saved_at, "schedule": _schedule_dict()}
        emit_json(out, command=_command, code=ec.OK,
                  message=_("the settings saved in {path}").format(path=path))
        return ec.OK
    # Translators: `mailwizard show`: a label and its value per line; keep them lined up.
    print(_("Settings file: {path}").format(path=path))
    print(_("  Server:    {server}").format(server=p.server_text()))
    print(_("  Login:     {username}").format(username=p.username or _("(none)")))
    sender = f"{p.display_name + ' ' if p.display_name else ''}<{p.from_address}>"
    print(_("  From:      {sender}").format(sender=sender))
    if saved.secret:
        print(_("  Password:  ******** ({state}) in {where}").format(
            state=stored, where=saved.secret.describe()))
    else:
        print(_("  Password:  ******** ({state})").format(state=stored))
    if saved.validation.get("validated_at"):
        print(_("  Tested:    {when}").format(when=saved.validation["validated_at"]))
    from mailwizard.core.admin.schedule import describe_status

    print(_("  Schedule:  {schedule}").format(schedule=describe_status()))
    return ec.OK


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
                  command=_command, code=ec.OK, message=_("a fresh access token"))
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
    if args.json:
        if diagnosis is not None:
            diagnosis = cli_support.cli_wording(diagnosis)
        emit_json({"message_id": outgoing.message_id, "recipients": outgoing.recipients,
                   "diagnosis": diagnosis.to_dict() if diagnosis else None},
                  command=_command, code=code,
                  message=(_sent_line(outgoing) if result.ok else
                           f"{diagnosis.cause} {diagnosis.fix} "
                           + _("The message was not sent.")))
    elif result.ok:
        print(_sent_line(outgoing))
    else:
        _print_result(result, diagnosis, False, code)
        print(_("The message was not sent."))
    return code


def _sent_line(outgoing) -> str:
    return _("Sent {message_id} to {recipients}.").format(
        message_id=outgoing.message_id, recipients=", ".join(outgoing.recipients))


def site_file_message(exc) -> str:
    """A damaged site file, in words (the error names the file, the key and the problem)."""
    # Translators: {problem} is the site file's path, the key and what is wrong with it.
    return _("site file {problem}").format(problem=exc)


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
    plan = _save_errors(lambda: save_settings(profile, secret, result, config_path=config_path,
                                              profile_name=profile_name, command="apply"))
    extra["saved"] = {"config": str(plan.config_path), "profile_name": profile_name,
                      "secret": plan.secret.to_dict() if plan.secret else None}
    _print_result(result, None, args.json, ec.OK, site=site, extra=extra)
    if not args.json:
        for line in plan.describe():
            print(_("Saved. {what}").format(what=line))
    return ec.OK


def cmd_check(args) -> int:
    from mailwizard.core.admin.health import MissingSecret, check_saved, record_last_check
    from mailwizard.core.profile import check_email
    from mailwizard.core.admin.report import check_record, failure_record
    from mailwizard.core.store.secrets import SecretStoreUnavailable

    path, saved = _saved(args)
    send_test_to = None
    if args.send_test_to:
        send_test_to, err = check_email(args.send_test_to, "send-test-to")
        if err:
            raise _Fail(ec.INVALID_SETTINGS, "--send-test-to: " + err.message)

    def record(rec) -> None:
        try:
            record_last_check(path, rec)
        except OSError as exc:
            print("mailwizard: " + _("warning: the check was not recorded: {problem}").format(
                problem=exc), file=sys.stderr)

    def warn(code: int, diagnosis=None, message: str = "") -> None:
        if args.notify:
            from mailwizard.cli.upkeep import warn_on_desktop

            warn_on_desktop(path, saved.profile, code, diagnosis, message, args.notify_wait)

    try:
        with cli_support.DEBUG.step("check (saved settings)"):
            result, diagnosis, code = check_saved(saved, send_test_to=send_test_to)
    except SecretStoreUnavailable as exc:
        record(failure_record(str(exc), ec.SECRET_STORE, command="check"))
        warn(ec.SECRET_STORE, message=str(exc))
        raise _Fail(ec.SECRET_STORE, str(exc)) from None
    except MissingSecret as exc:
        record(failure_record(str(exc), ec.INVALID_SETTINGS, command="check"))
        warn(ec.INVALID_SETTINGS, message=str(exc))
        raise _Fail(ec.INVALID_SETTINGS, str(exc)) from None
    rec = check_record(result, diagnosis, exit_code=code, command="check")
    deliverability = None
    if result.ok:  # the From domain's SPF/DKIM/DMARC: informational, never the exit code
        from mailwizard.cli.deliverability import section_for_check

        deliverability = rec["deliverability"] = section_for_check(
            saved.profile, _site(args).recipients_per_day)
    record(rec)
    hint = ""
    if code == ec.AUTH and saved.profile.auth.value == "password":
        from mailwizard.core.admin.health import password_changed_advice
        from mailwizard.core.providers import load_catalogue

        hint = password_changed_advice(saved.profile,
                                       load_catalogue().get(saved.profile.provider_id), path)
    elif code == ec.SIGN_IN_AGAIN:
        hint = _("The saved sign-in no longer works (it expired or was withdrawn): sign in "
                 "again: open the wizard and choose “Sign in again”.")
    warn(code, diagnosis)
    extra = {"config": str(path), "profile_name": saved.profile_name}
    if deliverability is not None:
        extra["deliverability"] = deliverability
    if hint:
        extra["hint"] = hint
    if not args.json:
        print(_("Checking the saved settings in {path} (profile “{name}”): {server}").format(
            path=path, name=saved.profile_name, server=saved.profile.server_text()))
    _print_result(result, diagnosis, args.json, code, site=_site(args), extra=extra)
    if hint and not args.json:
        print(hint)
    if deliverability and not args.json:
        from mailwizard.cli.deliverability import print_summary

        print_summary(deliverability)
    return code


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
        emit_json({"config": str(path), "report": text}, command=_command, code=ec.OK,
                  message=_("a redacted report for IT support (in \"report\")"))
        return ec.OK
    sys.stdout.write(text)
    return ec.OK


def _cmd_discover(args) -> int:
    from mailwizard.cli.discover import cmd_discover

    return cmd_discover(args)


def cmd_deliverability(args) -> int:
    from mailwizard.cli.deliverability import run

    return run(args, saved=_saved, site=_site, fail=_Fail)


def cmd_gui(args) -> int:
    from mailwizard.gui.app import main as gui_main

    from mailwizard.core import i18n

    argv = ["--site-config", str(args.site_config)] if args.site_config else []
    argv += ["--lang", i18n.language()]  # as chosen for this run
    if getattr(args, "config", None):
        argv += ["--config", str(args.config)]
    if getattr(args, "resume", None):
        argv += ["--resume", args.resume]
    return gui_main(argv)


def _cmd_schedule(args) -> int:
    from mailwizard.cli.upkeep import cmd_schedule

    return cmd_schedule(args)


def main(argv: list[str] | None = None) -> int:
    if isinstance(sys.stdout, _SafeStream):
        return _run(argv)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _SafeStream(sys.stdout), _SafeStream(sys.stderr)
    try:
        return _run(argv)
    except BrokenPipeError:  # the reader (| head) went away: end as a shell pipeline expects
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), saved[0].fileno())
        return 128 + 13  # SIGPIPE
    finally:
        sys.stdout, sys.stderr = saved


def _run(argv: list[str] | None) -> int:
    global _command
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # answered before the parser is even built
        print(f"mailwizard {__version__}")
        return ec.OK
    cli_support.DEBUG = cli_support.DebugLog()
    cli_support.NOTES.clear()
    from mailwizard.cli.words import english_argparse
    from mailwizard.core import i18n

    i18n.setup(argv)
    english_argparse()
    as_json = cli_support.wants_json(argv)
    cli_support.DEBUG.enabled = "--debug" in argv
    _command = None
    code = ec.INTERNAL_ERROR
    try:
        code = _main(argv, as_json)
    finally:
        cli_support.DEBUG.dump(_command, code)
    return code


def _main(argv: list[str], as_json: bool) -> int:
    global _command
    parser = _parser(_command_named(argv))
    try:
        with cli_support.DEBUG.step("read the command line"):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version: printed, nothing else to do
        return exc.code if isinstance(exc.code, int) else ec.OK
    except UsageError as exc:
        _command = _named_command(parser, argv)
        sys.stderr.write(exc.usage)
        print("mailwizard: " + _("error: {problem}").format(problem=exc), file=sys.stderr)
        if as_json:
            cli_support.failure_json(ec.USAGE, str(exc), _command)
        return ec.USAGE
    _command = args.command
    as_json = as_json or bool(getattr(args, "json", False))
    from mailwizard.core.redact import install_log_redaction

    cli_support.DEBUG.enabled = bool(getattr(args, "debug", False))
    logging.basicConfig(level=logging.DEBUG if cli_support.DEBUG.enabled else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    install_log_redaction()
    handlers = {"providers": cmd_providers, "validate": cmd_validate, "save": cmd_save,
                "apply": cmd_apply, "check": cmd_check, "report": cmd_report,
                "show": cmd_show, "gui": cmd_gui, "token": cmd_token, "send": cmd_send,
                "discover": _cmd_discover, "deliverability": cmd_deliverability,
                "schedule": _cmd_schedule}
    if args.command is None:
        return cmd_gui(args)
    handler = handlers.get(args.command) or getattr(args, "handler", None)
    try:
        _check_text_options(args)
        return handler(args)
    except _Fail as exc:
        print(f"mailwizard: {exc}", file=sys.stderr)
        if as_json:
            cli_support.failure_json(exc.code, str(exc), _command)
        return exc.code
    except KeyboardInterrupt:
        print("mailwizard: " + _("cancelled"), file=sys.stderr)
        if as_json:
            cli_support.failure_json(ec.CANCELLED, _("cancelled"), _command)
        return ec.CANCELLED
    except Exception as exc:  # a bug: the traceback for IT, and still one JSON object
        import traceback

        traceback.print_exc()
        message = _("unexpected internal error ({error}): please report it with the output "
                    "of the same command with --debug").format(error=type(exc).__name__)
        print(f"mailwizard: {message}", file=sys.stderr)
        if as_json:
            cli_support.failure_json(ec.INTERNAL_ERROR, message, _command)
        return ec.INTERNAL_ERROR


#: The commands, as the parser names them (checked against it by tests/core/cli/test_cli_sharp.py).
COMMANDS = ("providers", "validate", "save", "apply", "check", "schedule", "report", "show",
            "token", "send", "deliverability", "gui", "discover")
#: Options before the command that take a value (the word after them is not the command).
_TAKES_VALUE = ("--lang", "--site-config")


def _command_named(argv: list[str]) -> str | None:
    """The command on the command line, read before the parser is built so that only its
    options are (None: none, or not one of ours — then the whole parser says what is wrong)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word == "--":
            return None
        elif word in _TAKES_VALUE:
            skip = True
        elif not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def _named_command(parser, argv: list[str]) -> str | None:
    """The subcommand named in `argv`, also when the rest could not be parsed."""
    subs = cli_support._subcommands(parser)
    return next((w for w in argv if w in subs), None)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
