"""One run of the command line: the language, the parser (cli/parser.py) for the command
named, the command (cli/commands.py and the modules beside it, sharing cli/common.py), and
one JSON object or a plain message for every outcome. mailwizard.cli's `main` hands every run
but a bare --version to `main` here."""

from __future__ import annotations

import sys

from mailwizard import __version__
from mailwizard.cli import support as cli_support
from mailwizard.cli.support import UsageError
from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import _
# What the commands share, the parser and the commands; named here too, where other modules
# and the tests take them from.
from mailwizard.cli.common import (  # noqa: F401
    RUN, _Fail, _SafeStream, _check, _check_text_options, _checked, _flag, _print_result,
    _read_secret, _saved, _site)
from mailwizard.cli.parser import COMMANDS, _command_named, _named_command, _parser  # noqa: F401
from mailwizard.cli.commands import (  # noqa: F401
    cmd_apply, cmd_providers, cmd_report, cmd_save, cmd_send, cmd_show, cmd_token, cmd_validate)
from mailwizard.cli.check import cmd_check  # noqa: F401


def _cmd_discover(args) -> int:
    from mailwizard.cli.discover import cmd_discover

    return cmd_discover(args)


def cmd_deliverability(args) -> int:
    from mailwizard.cli.deliverability import run

    return run(args, saved=_saved, site=_site, fail=_Fail)


def cmd_gui(args) -> int:
    from mailwizard.core import i18n

    argv = ["--site-config", str(args.site_config)] if args.site_config else []
    if getattr(args, "lang", None):
        argv += ["--lang", i18n.language()]  # as asked for this run
    # else the wizard chooses as it does (gui/app.py): MAILWIZARD_LANG, the site file's, the
    # one last chosen on its first page, the system's
    if getattr(args, "config", None):
        argv += ["--config", str(args.config)]
    if getattr(args, "resume", None):
        argv += ["--resume", args.resume]
    try:
        from mailwizard.gui.app import main as gui_main

        return gui_main(argv)
    except (ImportError, OSError) as exc:  # Qt could not load a library of the system
        _missing_library(exc)
        raise


def _missing_library(exc: BaseException) -> None:
    """A system library Qt needs is not installed (a fresh or minimal system): name it and
    the package to install, with exit code 9, rather than an internal error."""
    from mailwizard.gui.syslibs import missing_library, packages_to_install

    found = missing_library(exc)
    if found is None:
        return
    library, package = found
    if package:
        what = _("the wizard window cannot open: a part of the system it needs is missing "
                 "(the library {library}, from the package {package}).").format(
                     library=library, package=package)
    else:
        what = _("the wizard window cannot open: a part of the system it needs is missing "
                 "(the library {library}).").format(library=library)
    raise _Fail(ec.MISSING_LIBRARY, what + "\n" + _(
        "Ask whoever looks after this computer to install it. On Debian or Ubuntu: "
        "{command}").format(command="sudo apt install " + " ".join(packages_to_install(package)))
        + "\n" + _("The command line works without it: {command}").format(
            command="mailwizard --help")) from None


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


def _say_missing_language(argv: list[str]) -> None:
    """A language asked for by name (--lang, MAILWIZARD_LANG) without a catalogue here: said
    once on stderr, with the ones there are, instead of English without a word."""
    import os

    from mailwizard.core import i18n

    asked = i18n.option_value(argv, "--lang") or os.environ.get("MAILWIZARD_LANG") or ""
    if not asked.strip():
        return
    code = i18n.normalise(asked)
    if code is not None and (i18n.language() != i18n.SOURCE
                             or code.split("_", 1)[0] == i18n.SOURCE):
        return  # found, or English asked for
    print("mailwizard: " + _("there is no translation for the language “{code}”: English is "
                             "used. Languages here: {codes}.").format(
        code=asked, codes=", ".join(i18n.available())), file=sys.stderr)


def _run(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # answered before the parser is even built
        print(f"mailwizard {__version__}")
        return ec.OK
    cli_support.DEBUG = cli_support.DebugLog()
    cli_support.NOTES.clear()
    from mailwizard.cli.words import english_argparse
    from mailwizard.core import i18n

    i18n.setup(argv, site=_site_language)
    _say_missing_language(argv)
    english_argparse()
    as_json = cli_support.wants_json(argv)
    cli_support.DEBUG.enabled = "--debug" in argv
    RUN.command = None
    code = ec.INTERNAL_ERROR
    try:
        code = _main(argv, as_json)
    finally:
        cli_support.DEBUG.dump(RUN.command, code)
        for hook in [f for f in sys.meta_path if isinstance(f, _AfterImport)]:
            hook.remove()  # nothing imported logging in this run: nothing was logged
    return code


def _set_up_logging(debug: bool) -> None:
    """Log records as this run shows them (_configure_logging). A run that never imports
    logging (discover, providers, a command's help: ≈ 5 ms of theirs, with traceback and
    textwrap) has no record to show: it is set up the moment something imports logging,
    before any record can exist."""
    if debug or "logging" in sys.modules:
        _configure_logging(debug)
    elif not any(isinstance(f, _AfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport("logging", lambda: _configure_logging(debug)))


def _configure_logging(debug: bool) -> None:
    import logging

    from mailwizard.core.redact import install_log_redaction

    # --debug is mailwizard's own account: other packages' loggers (keyring's "Loading
    # KWallet" …) stay at warnings, so their chatter never fills the transcript.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("mailwizard").setLevel(logging.DEBUG if debug else logging.NOTSET)
    install_log_redaction()


class _AfterImport:
    """An import hook (on sys.meta_path) that runs `then` once, right after the module `name`
    is first imported, found and loaded by the finders after it as it would have been."""

    def __init__(self, name: str, then):
        self.name, self.then = name, then

    def find_spec(self, name, path=None, target=None):
        if name != self.name:
            return None
        self.remove()
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find is not None else None
            if spec is not None:
                spec.loader = _ThenLoader(spec.loader, self.then)
                return spec
        return None

    def remove(self) -> None:
        if self in sys.meta_path:
            sys.meta_path.remove(self)


class _ThenLoader:
    """`loader`, then `then()` once the module has run (the module keeps its own loader)."""

    def __init__(self, loader, then):
        self._loader, self._then = loader, then

    def create_module(self, spec):
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module) -> None:
        module.__loader__ = module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        self._then()


def _main(argv: list[str], as_json: bool) -> int:
    parser = _parser(_command_named(argv))
    try:
        with cli_support.DEBUG.step("read the command line"):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version: printed, nothing else to do
        return exc.code if isinstance(exc.code, int) else ec.OK
    except UsageError as exc:
        RUN.command = _named_command(parser, argv)
        sys.stderr.write(exc.usage)
        print("mailwizard: " + _("error: {problem}").format(problem=exc), file=sys.stderr)
        if as_json:
            cli_support.failure_json(ec.USAGE, str(exc), RUN.command)
        return ec.USAGE
    RUN.command = args.command
    as_json = as_json or bool(getattr(args, "json", False))
    cli_support.DEBUG.enabled = bool(getattr(args, "debug", False))
    _set_up_logging(cli_support.DEBUG.enabled)
    handlers = {"providers": cmd_providers, "validate": cmd_validate, "save": cmd_save,
                "apply": cmd_apply, "check": cmd_check, "report": cmd_report,
                "show": cmd_show, "gui": cmd_gui, "token": cmd_token, "send": cmd_send,
                "discover": _cmd_discover, "deliverability": cmd_deliverability,
                "schedule": _cmd_schedule}
    # no command: the wizard, with the same outcomes (a missing system library is exit 9)
    handler = (cmd_gui if args.command is None
               else handlers.get(args.command) or getattr(args, "handler", None))
    try:
        _check_text_options(args)
        return handler(args)
    except _Fail as exc:
        print(f"mailwizard: {exc}", file=sys.stderr)
        if as_json:
            cli_support.failure_json(exc.code, str(exc), RUN.command)
        return exc.code
    except KeyboardInterrupt:
        print("mailwizard: " + _("cancelled"), file=sys.stderr)
        if as_json:
            cli_support.failure_json(ec.CANCELLED, _("cancelled"), RUN.command)
        return ec.CANCELLED
    except BrokenPipeError:  # the reader went away (| head): main() ends as a pipeline does
        raise
    except Exception as exc:  # a bug: the traceback for IT, and still one JSON object
        import traceback

        traceback.print_exc()
        message = _("unexpected internal error ({error}): please report it with the output "
                    "of the same command with --debug").format(error=type(exc).__name__)
        print(f"mailwizard: {message}", file=sys.stderr)
        if as_json:
            cli_support.failure_json(ec.INTERNAL_ERROR, message, RUN.command)
        return ec.INTERNAL_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def _site_language(path: str | None) -> str | None:
    # read only when neither --lang nor MAILWIZARD_LANG names a language; without a site or
    # vendor file there is none, and the site file's reader is not imported for it
    from mailwizard.core.admin.sitefiles import site_files_exist

    if not site_files_exist(path):
        return None
    from mailwizard.core.admin.site import site_language

    return site_language(path)
