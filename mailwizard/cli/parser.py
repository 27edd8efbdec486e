"""The command line's words: every command and option (argparse, in the user's language),
built for the command named on the command line only (`_parser(only)`), and how the named
command is found before the parser exists."""

from __future__ import annotations

import argparse
from pathlib import Path

from mailwizard import __version__
from mailwizard.cli import support as cli_support
from mailwizard.cli.support import SuggestingParser
from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import _



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
    p = _top_parser(only)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    site_opt = _after_the_command()
    for name, add in _COMMAND_PARSERS.items():  # in this order in the help's list
        if only is None or only == name:
            add(sub, site_opt)
    return p


def _top_parser(only: str | None) -> SuggestingParser:
    """`mailwizard` itself, with the options that come before the command."""
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
    return p


def _after_the_command() -> SuggestingParser:
    """The parent of every command's parser: the options also accepted after the command
    (`mailwizard apply --site-config X …`)."""
    site_opt = SuggestingParser(add_help=False)
    site_opt.add_argument("--site-config", type=Path, metavar="PATH",
                          default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    site_opt.add_argument("--lang", metavar="CODE", default=argparse.SUPPRESS,
                          help=argparse.SUPPRESS)
    site_opt.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                          help=_("stages, timings and the redacted transcript on stderr"))
    return site_opt


# -- each command's options: (sub, site_opt) -> None, sub the top parser's subparsers -----

def _add_providers(sub, site_opt) -> None:
    pr = sub.add_parser("providers", help=_("list the provider presets"), parents=[site_opt])
    pr.add_argument("--json", action="store_true")


def _add_validate(sub, site_opt) -> None:
    v = sub.add_parser("validate", help=_("test settings by really connecting"),
                       parents=[site_opt])
    _add_settings_args(v)
    _discover_options(v)


def _add_save(sub, site_opt) -> None:
    s = sub.add_parser("save", help=_("test settings, then store the password in the keyring "
                                    "and the settings in the config file"), parents=[site_opt])
    _add_settings_args(s)
    s.add_argument("--config", type=Path, help=_("config file path (default: per-user)"))
    s.add_argument("--replace-damaged", action="store_true",
                   help=_("replace a damaged config file (it is kept beside the new one)"))
    _discover_options(s)


def _add_apply(sub, site_opt) -> None:
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


def _add_check(sub, site_opt) -> None:
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
                   help=_("run as the daily check: wait for the network when offline, try "
                        "again when the failure is temporary, and show a desktop "
                        "notification (once per failure) when someone needs to act; its "
                        "button opens the wizard where it can be fixed"))
    c.add_argument("--monitoring", action="store_true",
                   help=_("for Nagios, Icinga, Zabbix or Checkmk agents: one line and the "
                        "Monitoring Plugins exit codes (0 OK, 1 WARNING temporary, 2 "
                        "CRITICAL needs a person, 3 UNKNOWN offline or not set up)"))
    # how long to stay for a click on the notification (default: 30 minutes when run by the
    # scheduler, none from a terminal)
    c.add_argument("--notify-wait", type=float, default=None, metavar="SECONDS",
                   help=argparse.SUPPRESS)


def _add_schedule(sub, site_opt) -> None:
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


def _add_report(sub, site_opt) -> None:
    r = sub.add_parser("report", parents=[site_opt],
                       help=_("print a redacted report for IT support (versions, keyring, "
                            "settings, site file, last check)"))
    r.add_argument("--config", type=Path, help=_("config file path (default: per-user)"))
    r.add_argument("--json", action="store_true",
                   help=_("the report as text in a JSON object ({\"report\": …})"))


def _add_show(sub, site_opt) -> None:
    sh = sub.add_parser("show", help=_("show the saved settings (password masked)"),
                        parents=[site_opt])
    sh.add_argument("--config", type=Path)
    sh.add_argument("--json", action="store_true")


def _add_token(sub, site_opt) -> None:
    tk = sub.add_parser("token", help=_("print a fresh OAuth access token for the saved "
                                      "profile (for the ERP's own XOAUTH2 sending)"),
                        parents=[site_opt])
    tk.add_argument("--config", type=Path)
    tk.add_argument("--json", action="store_true",
                    help=_("{access_token, expires_at, token_type, username} as JSON"))
    tk.add_argument("--force-refresh", action="store_true",
                    help=_("ignore the cached access token and refresh it"))


def _add_send(sub, site_opt) -> None:
    sd = sub.add_parser("send", help=_("send the RFC 5322 message on standard input with the "
                                     "saved profile (any service type)"), parents=[site_opt])
    sd.add_argument("--config", type=Path)
    sd.add_argument("--json", action="store_true")


def _add_deliverability(sub, site_opt) -> None:
    from mailwizard.cli import deliverability as cli_deliverability

    cli_deliverability.add_parser(sub, site_opt)


def _add_gui(sub, site_opt) -> None:
    g = sub.add_parser("gui", help=_("open the wizard window"), parents=[site_opt])
    g.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    g.add_argument("--resume", choices=["password_changed"], default=None,
                   help=_("start on “My password changed” (a new password, or sign in again)"))


def _add_discover(sub, site_opt) -> None:
    from mailwizard.cli.discover import add_discover_parser

    add_discover_parser(sub, site_opt)


def _discover_options(p: argparse.ArgumentParser) -> None:
    from mailwizard.cli.discover import add_discover_flag

    add_discover_flag(p)


#: Each command and the function that adds its parser, in the order the help lists them.
_COMMAND_PARSERS = {
    "providers": _add_providers, "validate": _add_validate, "save": _add_save,
    "apply": _add_apply, "check": _add_check, "schedule": _add_schedule,
    "report": _add_report, "show": _add_show, "token": _add_token, "send": _add_send,
    "deliverability": _add_deliverability, "gui": _add_gui, "discover": _add_discover}


#: The commands, as the parser names them (checked against it by tests/core/cli/test_cli_sharp.py).
COMMANDS = tuple(_COMMAND_PARSERS)


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
