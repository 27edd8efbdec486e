"""The `mailwizard` command: the same core as the wizard, for IT staff and installers.

Passwords never come from the command line: from standard input (--password-stdin), a prompt
on a terminal, or the keyring (--stored-password). Exit codes: mailwizard/core/exitcodes.py.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """The `mailwizard` command. A bare --version is answered before anything else is
    imported (installers and scripts ask it to see what is installed); everything else is
    mailwizard/cli/app.py."""
    if (sys.argv[1:] if argv is None else list(argv)) == ["--version"]:
        from mailwizard import __version__

        print(f"mailwizard {__version__}")
        return 0
    from mailwizard.cli.app import main as run

    return run(argv)
