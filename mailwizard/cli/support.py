"""What the command line adds around the commands themselves: "did you mean" for mistyped
options, commands and choices; one JSON object on stdout for every outcome (--json, the
format published as resources/cli-output.schema.json); the honest success line; and the
--debug account of stages, timings and the redacted transcript on stderr.

Generic on purpose: it works for any subcommand registered in the parser."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from contextlib import contextmanager
TYPE_CHECKING = False  # typing only for type checkers: not imported on every run
if TYPE_CHECKING:
    from typing import Any, Iterator

from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import N_, _

#: What kind of outcome each exit code is, for scripts that read --json.
KINDS = {ec.OK: "ok", ec.INTERNAL_ERROR: "internal_error", ec.USAGE: "usage",
         ec.INVALID_SETTINGS: "settings", ec.CONFIG_ERROR: "config_file",
         ec.SECRET_STORE: "keyring", ec.NOT_VALIDATED: "not_validated",
         ec.SIGN_IN_AGAIN: "sign_in_again", ec.CANCELLED: "cancelled"}


def kind_of(code: int) -> str:
    return KINDS.get(code, "check_failed" if 20 <= code < 30 else f"exit_{code}")


# -- usage errors with suggestions ---------------------------------------------------------

class UsageError(Exception):
    """Wrong command-line words (exit code 2); the message ends with a suggestion when one
    is close."""

    def __init__(self, message: str, usage: str = ""):
        super().__init__(message)
        self.usage = usage


def _close(word: str, candidates: list[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return found[0] if found else None


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, with its own heading ("usage: ") in the user's language. The
    width as argparse finds it, without importing shutil for it (argparse makes a formatter
    for every option it is given: ≈ 5 ms of every run)."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        if width is None:
            import os

            try:
                width = int(os.environ.get("COLUMNS", ""))
            except ValueError:
                width = 0
            if width <= 0:
                try:
                    width = os.get_terminal_size(sys.__stdout__.fileno()).columns
                except (AttributeError, ValueError, OSError):
                    width = 0
            width = (width if width > 0 else 80) - 2
        super().__init__(prog, indent_increment, max_help_position, width)

    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: D102 - argparse's own
        if prefix is None:
            prefix = _("usage: ")
        super().add_usage(usage, actions, groups, prefix)


class SuggestingParser(argparse.ArgumentParser):
    """argparse, but a mistake raises UsageError naming the closest option, command or
    choice ("--securty" → "did you mean --security?") instead of printing and exiting.
    argparse's own words in the help (usage, the section titles, -h) are in the user's
    language; its error messages are read in English by the suggestions, then translated
    (cli/words.py)."""

    _argv: list[str] | None = None

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = _("show this help message and exit")

    def add_argument(self, *args, **kwargs):  # noqa: D102 - argparse's own
        if kwargs.get("action") == "version" and "help" not in kwargs:
            kwargs["help"] = _("show program's version number and exit")
        return super().add_argument(*args, **kwargs)

    def parse_args(self, args=None, namespace=None):  # noqa: D102 - argparse's own
        self._argv = list(sys.argv[1:] if args is None else args)
        return super().parse_args(args, namespace)

    def error(self, message: str):  # noqa: D102 - argparse's own
        hint = self._suggestion(message)
        subs = _subcommands(self)
        command = next((w for w in self._argv or [] if w in subs), None)
        usage = (subs[command] if command else self).format_usage()
        from mailwizard.cli.words import translate_error

        message = translate_error(message)  # after the suggestion read argparse's English
        if hint:
            message += " " + _("(did you mean {option}?)").format(option=hint)
        raise UsageError(message, usage)

    def _suggestion(self, message: str) -> str:
        m = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if m:
            choices = re.findall(r"'([^']*)'", m.group(2))
            return _close(m.group(1), choices) or ""
        m = re.match(r"unrecognized arguments: (.*)", message)
        if m:
            options = self._known_options()
            for word in m.group(1).split():
                if word.startswith("-"):
                    hit = _close(word.split("=", 1)[0], options)
                    if hit:
                        return hit
                elif word in _subcommands(self) or not _subcommands(self):
                    continue
                else:
                    hit = _close(word, list(_subcommands(self)))
                    if hit:
                        return hit
        return ""

    def _known_options(self) -> list[str]:
        """The options of this parser and of the subcommand named in the arguments."""
        options = [o for o in self._option_string_actions if o.startswith("--")]
        subs = _subcommands(self)
        command = next((w for w in self._argv or [] if w in subs), None)
        if command is not None:
            options += [o for o in subs[command]._option_string_actions if o.startswith("--")]
        return options


# -- JSON on stdout, for every outcome -----------------------------------------------------

def emit_json(obj: dict[str, Any], *, command: str | None, code: int, message: str) -> None:
    """Print one JSON object: `obj` with ok, exit_code, kind, message and command filled in
    (the keys every outcome has, per resources/cli-output.schema.json)."""
    out = {"ok": code == ec.OK, "exit_code": code, "kind": kind_of(code), "message": message,
           "command": command}
    if NOTES:
        out["notes"] = list(NOTES)
    out.update({k: v for k, v in obj.items() if k not in out})
    print(json.dumps(out, indent=2, ensure_ascii=False))


def failure_json(code: int, message: str, command: str | None, **extra: Any) -> None:
    emit_json({"error": {"kind": kind_of(code), "meaning": ec.DESCRIPTIONS.get(code, ""),
                         "message": message}, **extra},
              command=command, code=code, message=message)


def wants_json(argv: list[str]) -> bool:
    """--json anywhere before a bare "--" (asked even when the rest cannot be parsed)."""
    words = argv[:argv.index("--")] if "--" in argv else argv
    return "--json" in words


#: Gentle notes of this run (also on stderr), e.g. an address on an internal domain.
NOTES: list[str] = []


# -- what a passed check proved ------------------------------------------------------------

def proven(result) -> list[str]:
    """What a passed check showed, item by item, in the words of the success line."""
    items: list[str] = []
    names = [s.stage for s in result.stages if s.status == "ok"]
    if getattr(result, "tls_version", "") or any(n in names for n in ("tls", "starttls")):
        items.append(_("secure connection ✔"))
    elif any(n.startswith("ews_") for n in names):
        items.append(_("secure connection ✔"))
    else:
        items.append(_("no encryption (relay on your own network)"))
    if getattr(result, "auth_mechanism", "") or "ews_login" in names or "auth" in names:
        items.append(_("sign-in ✔"))
    else:
        items.append(_("no sign-in needed"))
    if "ews_mailbox" in names:
        items.append(_("mailbox opened ✔"))
    if getattr(result, "test_message_to", ""):
        items.append(_("test message accepted for {address} ✔").format(
            address=result.test_message_to))
    else:
        if getattr(result, "sender_accepted", False):
            items.append(_("sender accepted ✔"))
        elif "rset" in names:
            items.append(_("sender not confirmed (the server said to try again later)"))
        items.append(_("no message sent"))
    return items


def success_line(result) -> str:
    # Translators: {proven} is the list of what the test showed, e.g. "secure connection ✔,
    # sign-in ✔, no message sent".
    line = _("Success: {proven}.").format(proven=", ".join(proven(result)))
    if not getattr(result, "test_message_to", "") and getattr(result, "sender_accepted", False):
        line += " " + _("(Some servers refuse a From address only when a message is sent: "
                        "add --send-test-to to try that too.)")
    return line


# -- --debug: stages, timings and the redacted transcript on stderr ------------------------

class DebugLog:
    """Collects this run's steps with their times and the checks' stages and transcripts;
    printed, redacted, on stderr at the end of the command when --debug is on."""

    def __init__(self) -> None:
        self.enabled = False
        self.started = time.perf_counter()
        self.steps: list[tuple[str, float, str]] = []
        self.results: list[Any] = []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        outcome = "ok"
        try:
            yield
        except BaseException as exc:
            outcome = f"stopped ({type(exc).__name__})"
            raise
        finally:
            self.steps.append((name, (time.perf_counter() - t0) * 1000, outcome))

    def result(self, result) -> None:
        if result is not None and not any(r is result for r in self.results):
            self.results.append(result)

    def dump(self, command: str | None, code: int, stream=None) -> None:
        if not self.enabled:
            return
        from mailwizard.core.redact import redact

        stream = stream or sys.stderr
        total = (time.perf_counter() - self.started) * 1000
        lines = [f"debug: command {command or '(none)'}: exit code {code} "
                 f"({ec.DESCRIPTIONS.source(code) if code in ec.DESCRIPTIONS else ''}) "
                 f"after {total:.1f} ms"]
        for name, ms, outcome in self.steps:
            lines.append(f"debug: step   {name:24} {ms:9.1f} ms  {outcome}")
        for r in self.results:
            for s in getattr(r, "stages", []):
                lines.append(f"debug: stage  {s.stage:24} {s.ms:9.1f} ms  {s.status}"
                             + (f"  {s.detail}" if s.detail else ""))
            transcript = getattr(r, "transcript", []) or []
            if transcript:
                lines.append("debug: transcript (secrets masked):")
                lines += [f"debug:   {t}" for t in transcript]
            failure = getattr(r, "failure", None)
            if failure is not None:
                lines.append(f"debug: failure stage={failure.stage} kind={failure.kind} "
                             f"code={failure.code} exception={failure.exception}")
        if not self.steps and not self.results:
            lines.append("debug: no network check was run by this command")
        stream.write(redact("\n".join(lines)) + "\n")
        stream.flush()


DEBUG = DebugLog()


# -- one wording per face: the command line's fixes name its options ---------------------

#: Fixes (by diagnosis code) as the command line says them.
_CLI_FIXES = {
    "certificate_untrusted": N_(
        "If your organisation runs its own server, ask IT for its CA certificate file and "
        "give it with --cafile FILE. Or, only after IT has confirmed the SHA-256 fingerprint "
        "shown below, trust this one certificate with --trust-sha256 FINGERPRINT."),
    "certificate_changed": N_(
        "Ask IT to confirm the new certificate's fingerprint (shown below) before trusting "
        "it with --trust-sha256 FINGERPRINT."),
    "login_required": N_(
        "Sign in: --auth password with --username, and use encryption "
        "(--security starttls --port 587)."),
    "invalid_settings": N_("Correct the options named above and run the command again."),
}

#: Words of the wizard's controls, and what the command line says instead.
#: Each pair is also replaced in its translation (the diagnosis's fix is in the user's
#: language): translators keep these pieces word for word as in the diagnosis's sentences.
_CLI_PHRASES = (
    # Translators: a piece of a diagnosis's fix (the wizard's words); translate it exactly as
    # in that fix, so the command line can put its own words (the next message) in its place.
    (N_("use Copy details and send them to IT support"),
     N_("run the command again with --debug and send its output (or `mailwizard report`) to "
        "IT support")),
    (N_("use Copy details and send them to IT"),
     N_("run the command again with --debug and send its output (or `mailwizard report`) to "
        "IT")),
    (N_("send it to IT support with Copy details"),
     N_("send it to IT support with `mailwizard report`")),
    (N_("set login to 'none'"), N_("use --auth none")),
    (N_("Choose STARTTLS or SSL/TLS."), N_("Use --security starttls (port 587) or --security "
                                           "tls (port 465).")),
    (N_("Choose STARTTLS and sign in"), N_("Use --security starttls and sign in")),
    (N_("Choose STARTTLS."), N_("Use --security starttls.")),
    (N_("Choose Connect"), N_("Open the wizard (`mailwizard gui`) and choose Connect")),
    (N_("choose Connect"), N_("open the wizard (`mailwizard gui`) and choose Connect")),
    (N_("Use the server name written on the certificate."),
     N_("Use the server name written on the certificate (--host NAME).")),
)


def cli_wording(d):
    """The diagnosis `d` with its fix in the command line's words (options, not controls)."""
    from dataclasses import replace

    fix = _(_CLI_FIXES[d.code]) if d.code in _CLI_FIXES else d.fix
    if d.code == "exchange_online_ews":
        fix = _("Use Microsoft 365 over SMTP instead (--service smtp --provider microsoft-365, "
                "or Connect in the wizard). Only if your administrator still allows EWS for "
                "this app: add --allow-exchange-online.")
    for gui, cli in _CLI_PHRASES:
        fix = fix.replace(gui, cli)
        if _(gui) != gui:  # the fix is in the user's language: its pieces are too
            fix = fix.replace(_(gui), _(cli))
    return replace(d, fix=fix)

