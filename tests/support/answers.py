"""IT's answer files for `mailwizard apply`, written for a loopback server and applied by the
real command."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from conftest import PASSWORD, USER
from support.cli import mailwizard

#: the variable the answer files name for the password (`password_env`)
PW_ENV = "MW_TEST_PASSWORD"


def answer_file(tmp_path: Path, srv=None, ca_file: str = "", name: str = "answers.toml",
                **keys) -> Path:
    """An answer file for the loopback server (keys override, None drops a key)."""
    values = {"host": srv.host if srv else None, "port": srv.port if srv else None,
              "security": "starttls", "username": USER, "from_address": USER,
              "display_name": "Riverside Society", "cafile": ca_file or None, "timeout": 5,
              "password_env": PW_ENV}
    values.update(keys)
    values = {k: v for k, v in values.items() if v is not None}
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(values))
    else:
        path.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()))
    return path


def apply(answers: Path, *extra, password: str | None = PASSWORD, env=None, stdin=""):
    """`mailwizard apply --answers ANSWERS EXTRA…` with the password in PW_ENV."""
    full_env = dict(env or {})
    if password is not None:
        full_env[PW_ENV] = password
    return mailwizard(["apply", "--answers", str(answers), *extra], env=full_env, stdin=stdin)


def profile_name() -> str:
    """A keyring profile name of the test's own."""
    return f"it{uuid.uuid4().hex[:8]}"
