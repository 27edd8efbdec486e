"""scripts/lib/debs.sh waits for apt's locks instead of failing at once.

`apt-get update` takes the lists lock (`<lists>/lock`) with fcntl(F_SETLK) and, unlike dpkg's
lock, never waits for it: with another update running it ends at once with "Could not get
lock" (exit 100, apt 2.6 in Debian 12), whatever DPkg::Lock::Timeout says. These tests hold
that lock exactly as apt takes it (fcntl, from this process) and run the real apt-get through
the scripts' function. apt runs with its own throw-away state (APT_CONFIG: a lists folder, a
cache and no package sources under tmp_path), so the machine's real lists and locks are never
touched and nothing is downloaded: each test takes a second or two."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEBS = ROOT / "scripts" / "lib" / "debs.sh"


@pytest.fixture
def apt_state(tmp_path):
    """An apt configuration of its own: empty sources, lists and cache under tmp_path."""
    if shutil.which("apt-get") is None:
        pytest.fail("apt-get is not installed: these tests run apt itself (Debian)")
    if os.geteuid() != 0:
        pytest.fail("these tests run apt-get, which needs root (scripts/test.sh runs as root)")
    lists = tmp_path / "lists"
    (lists / "partial").mkdir(parents=True)
    (tmp_path / "cache" / "archives" / "partial").mkdir(parents=True)
    (tmp_path / "sources.d").mkdir()
    (tmp_path / "sources.list").write_text("")
    conf = tmp_path / "apt.conf"
    conf.write_text(
        f'Dir::State::Lists "{lists}/";\n'
        f'Dir::Etc::SourceList "{tmp_path}/sources.list";\n'
        f'Dir::Etc::SourceParts "{tmp_path}/sources.d/";\n'
        f'Dir::Cache "{tmp_path}/cache/";\n')
    env = {**os.environ, "APT_CONFIG": str(conf), "LC_ALL": "C.UTF-8"}
    return lists / "lock", env


class held:
    """The lock held by this process as apt holds it: fcntl F_SETLK, write lock, whole file."""

    def __init__(self, path: Path):
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
        fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing drops the fcntl lock
            self.fd = None


def waiting(env, *args: str, **extra) -> subprocess.Popen:
    script = '. "$0"; apt_get_waiting "$@"'
    return subprocess.Popen(["bash", "-c", script, str(DEBS), *args], env={**env, **extra},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_plain_apt_get_update_fails_at_once_on_the_lists_lock(apt_state):
    """What the scripts did before (apt-get -o DPkg::Lock::Timeout=300 update): no wait."""
    lock, env = apt_state
    holder = held(lock)
    try:
        run = subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=300", "update", "-qq"],
                             env=env, capture_output=True, text=True, timeout=60)
    finally:
        holder.release()
    assert run.returncode == 100, run
    assert "Could not get lock" in run.stderr


def test_update_waits_for_the_lists_lock_and_then_succeeds(apt_state):
    lock, env = apt_state
    holder = held(lock)
    proc = waiting(env, "update", "-qq")
    try:
        # Wait for the condition: the script has met the lock and says it is waiting.
        line = proc.stderr.readline()
        assert "Waiting for another program" in line, line
        assert proc.poll() is None  # still waiting while the lock is held
    finally:
        holder.release()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, (out, err)
    assert "Could not get lock" not in err


def test_the_wait_is_bounded_and_then_shows_apts_error(apt_state):
    lock, env = apt_state
    holder = held(lock)
    try:
        proc = waiting(env, "update", "-qq", MAILWIZARD_APT_WAIT="2")
        out, err = proc.communicate(timeout=60)
    finally:
        holder.release()
    assert proc.returncode == 100, (out, err)
    assert "Waiting for another program" in err
    assert "Could not get lock" in err  # apt's own words, for whoever reads the log
