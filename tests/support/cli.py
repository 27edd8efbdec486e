"""Running the `mailwizard` command: as a real process (`mailwizard`), the way an ERP, a timer
or IT staff run it, or in this process (`main_in_process`), where a test patches the code."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import traceback

#: The environment of a process that must not touch the Secret Service.
NULL_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}


def mailwizard(*args, stdin: str | bytes = "", env: dict | None = None, drop=(),
               environ: dict | None = None, text: bool = True,
               timeout: float = 60) -> subprocess.CompletedProcess:
    """`python -m mailwizard ARGS` as a real process, its output captured.

    ARGS are the arguments, or one list of them. The process's environment is `environ`
    (default: the tests' environment, os.environ), changed by `env` and without the variables
    named in `drop`. `stdin` is what the process reads (str, or bytes when text=False; a str
    is encoded as UTF-8 then); with text=False stdout and stderr are bytes."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    full = dict(os.environ if environ is None else environ)
    full.update(env or {})
    for name in drop:
        full.pop(name, None)
    if not text and isinstance(stdin, str):
        stdin = stdin.encode()
    return subprocess.run([sys.executable, "-m", "mailwizard", *args], input=stdin,
                          capture_output=True, text=text, env=full, timeout=timeout)


def main_in_process(argv: list[str], stdin: bytes = b"") -> tuple[int, str, str, str]:
    """mailwizard's main() in this process: (exit code, stdout, stderr, traceback or "")."""
    from mailwizard import cli

    out, err = io.StringIO(), io.StringIO()
    fake_stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    old_stdin = sys.stdin
    sys.stdin = fake_stdin
    tb = ""
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(argv)
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else 2
            except BaseException:
                code, tb = 1, traceback.format_exc()
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue(), tb
