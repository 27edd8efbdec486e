"""The README's set-up, as written: its first code blocks ("Two commands", up to the test
suite's command) run in a throw-away HOME with the PATH a root shell on Debian has, and every
`mailwizard …` line after `bash scripts/run.sh` works from another folder.

Fast: .venv is there already (scripts/test.sh made it) and so are the Debian packages, so
run.sh only writes the launcher and starts the program; no network."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: A root login shell's PATH on Debian 12: no ~/.local/bin.
DEBIAN_ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def setup_blocks() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Two commands", 1)[1].split("\n## ", 1)[0]
    blocks = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        if "scripts/test.sh" in block:
            break
        blocks.append([line for line in block.splitlines() if line.strip()])
    return blocks


def environment(home: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "VIRTUAL_ENV")
            and not k.startswith("XDG_")}
    return {**keep, "HOME": str(home), "PATH": DEBIAN_ROOT_PATH, "LANG": "C.UTF-8",
            "MAILWIZARD_LANG": "en"}


def test_the_readme_setup_then_its_examples_work_as_written(tmp_path):
    blocks = setup_blocks()
    assert blocks and blocks[0] == ["bash scripts/run.sh"], blocks
    home = tmp_path / "home"
    home.mkdir()
    env = environment(home)
    first = subprocess.run(["bash", "-c", "\n".join(blocks[0])], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    # No desktop here: the wizard says so (exit 2), and run.sh has said what it did.
    assert first.returncode == 2, first
    assert f"The mailwizard command is ready: {home}/.local/bin/mailwizard" in first.stderr
    assert "is not on your PATH" in first.stderr
    assert 'export PATH="$HOME/.local/bin:$PATH"' in first.stderr
    assert "no desktop display" in first.stderr and "mailwizard --help" in first.stderr
    assert first.stdout == ""

    rest = [line for block in blocks[1:] for line in block]
    assert any(line.startswith("export PATH=") for line in rest), rest
    assert any(line.startswith("mailwizard ") for line in rest), rest
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    later = subprocess.run(["bash", "-e", "-c", "\n".join(rest)], cwd=elsewhere, env=env,
                           capture_output=True, text=True, timeout=120)
    assert later.returncode == 0, later
    assert "gmail" in later.stdout and "usage: mailwizard" in later.stdout, later.stdout


def test_run_sh_leaves_a_mailwizard_it_did_not_write_alone(tmp_path):
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    theirs = home / ".local" / "bin" / "mailwizard"
    theirs.write_text("#!/bin/sh\necho another mailwizard\n")
    env = {**environment(home), "PATH": f"{home}/.local/bin:{DEBIAN_ROOT_PATH}"}
    p = subprocess.run(["bash", "scripts/run.sh", "--version"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and p.stdout.startswith("mailwizard "), p
    assert theirs.read_text() == "#!/bin/sh\necho another mailwizard\n"
    assert f"Left {theirs} alone" in p.stderr and f"{ROOT}/.venv/bin/mailwizard" in p.stderr
    assert "not on your PATH" not in p.stderr
