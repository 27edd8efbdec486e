"""The seeded fuzzer (tests/fuzz_inputs.py) over options, `send` messages, every file
mailwizard reads, saved settings with header-breaking text, other JSON types and unknown keys
fed to `send` and `check`, and paths longer than the system allows: no traceback, no exit code 1, no hang, no injected header. A bounded run
here; `python tests/fuzz_inputs.py --cases 10000` is the long one."""

from __future__ import annotations

import pytest
from fuzz_inputs import fuzz

SEED = 20261125


@pytest.mark.parametrize("only, cases", [("", 500), ("send", 300), ("settings-used", 200),
                                         ("paths", 60)])
def test_fuzzed_inputs_never_crash_hang_or_inject(smtp_server, monkeypatch, only, cases):
    # The keyring is never the subject here: no case may read or write a real one. keyring
    # chooses its backend once per process, so the test's is put back afterwards (else every
    # later test would find the null one).
    import keyring
    from keyring.backends.null import Keyring as NullKeyring

    before = keyring.get_keyring()
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    keyring.set_keyring(NullKeyring())
    srv = smtp_server("plain", auth_require_tls=False, smtputf8=True)
    try:
        o = fuzz(cases, SEED, srv, only)
    finally:
        keyring.set_keyring(before)
    summary = (f"{o.cases} cases: {o.tracebacks} tracebacks, {o.exit_1} exit 1, {o.hangs} "
               f"hangs, {o.injected} injected\n" + "\n".join(o.failures))
    assert o.cases == cases
    assert not (o.tracebacks or o.exit_1 or o.hangs or o.injected or o.failures), summary
    assert len(o.by_kind) == (1 if only else 8)
    # Real messages went through a real server, each with exactly the headers written.
    if only != "paths":
        assert srv.recorder.messages, "no fuzzed message was accepted: the fuzzer is too narrow"
