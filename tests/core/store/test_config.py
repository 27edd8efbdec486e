"""The config file: atomic, 0600, backed up, never a secret, and never silently overwritten
when it is damaged or from a newer version."""

from __future__ import annotations

import json
import os
import stat

import jsonschema
import pytest

from mailwizard.core.store.config import (ConfigError, SavedSettings, default_config_path,
                                    read_config, write_config)
from mailwizard.core.profile import Profile
from mailwizard.core.resources import read_resource_bytes
from mailwizard.core.store.secrets import SecretRef

SCHEMA = json.loads(read_resource_bytes("config.schema.json"))


def settings(**kw) -> SavedSettings:
    p = Profile(host="smtp.example.org", port=587, security="starttls",
                username="a@example.org", from_address="a@example.org", **kw)
    return SavedSettings(profile=p, secret=SecretRef("default"),
                         validation={"validated_at": "2026-11-22T10:00:00+00:00"})


def test_written_file_matches_the_published_schema_and_reads_back(tmp_path):
    path = write_config(settings(display_name="Riverside"), tmp_path / "cfg" / "mail.json")
    data = json.loads(path.read_text())
    jsonschema.validate(data, SCHEMA)
    assert data["secret"] == {"store": "keyring", "service": "mailwizard",
                              "username": "default/password"}
    back = read_config(path)
    assert back.profile.host == "smtp.example.org" and back.profile.display_name == "Riverside"
    assert back.secret == SecretRef("default")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_mode_0600_and_previous_file_kept_as_backup(tmp_path):
    path = tmp_path / "mail.json"
    write_config(settings(display_name="First"), path)
    write_config(settings(display_name="Second"), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    bak = path.with_name("mail.json.bak")
    assert stat.S_IMODE(bak.stat().st_mode) == 0o600
    assert json.loads(bak.read_text())["profile"]["display_name"] == "First"
    assert read_config(path).profile.display_name == "Second"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_damaged_file_gives_a_clear_error_and_is_left_alone(tmp_path):
    path = tmp_path / "mail.json"
    path.write_text('{"schema_version": 1, "profile": {')
    with pytest.raises(ConfigError, match="damaged"):
        read_config(path)
    with pytest.raises(ConfigError, match="damaged"):
        write_config(settings(), path)
    assert path.read_text() == '{"schema_version": 1, "profile": {'
    write_config(settings(), path, replace_damaged=True)
    assert read_config(path).profile.host == "smtp.example.org"
    kept = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert len(kept) == 1 and kept[0].read_text().startswith('{"schema_version": 1')


def test_newer_version_is_refused_not_overwritten(tmp_path):
    path = tmp_path / "mail.json"
    path.write_text(json.dumps({"schema_version": 99, "profile": {}}))
    with pytest.raises(ConfigError, match="newer mailwizard"):
        read_config(path)
    with pytest.raises(ConfigError):
        write_config(settings(), path)
    assert json.loads(path.read_text())["schema_version"] == 99


def test_missing_file_and_wrong_values(tmp_path):
    with pytest.raises(ConfigError, match="No saved mail settings"):
        read_config(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema_version": 1, "profile": {"security": "ssl3"},
                               "secret": None}))
    with pytest.raises(ConfigError, match="wrong value"):
        read_config(bad)


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "mail.json"
    write_config(settings(display_name="Old"), path)
    real_replace = os.replace

    def full_disk_at_the_final_rename(src, dst, *a, **k):
        if os.fspath(dst) == os.fspath(path):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", full_disk_at_the_final_rename)
    with pytest.raises(ConfigError, match="No space left") as info:
        write_config(settings(display_name="New"), path)
    assert info.value.kind == "unwritable"
    monkeypatch.undo()
    assert read_config(path).profile.display_name == "Old"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 64 KiB tmpfs (mounted as root, unmounted after the test), for a disk that is
    really full: writes and fsync fail there, not a patched rename."""
    import shutil
    import subprocess

    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if shutil.which("mount") is None:
        pytest.fail("needs the program mount (Debian package mount)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs",
                           str(mnt)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"could not mount a tmpfs (needs root): {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def fill(folder) -> None:
    """Take every free byte of `folder`'s file system."""
    with open(folder / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == 28, exc  # ENOSPC
    assert os.statvfs(folder).f_bavail == 0


@pytest.mark.needs_root("mounts a small tmpfs as a full disk")
def test_a_really_full_disk_leaves_the_old_file_and_no_leftovers(tiny_disk):
    path = tiny_disk / "mail.json"
    write_config(settings(display_name="Old"), path)
    fill(tiny_disk)
    with pytest.raises(ConfigError) as info:
        write_config(settings(display_name="New"), path)
    assert info.value.kind == "unwritable", info.value
    assert "No space left" in str(info.value)
    assert read_config(path).profile.display_name == "Old"
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler", "mail.json"]


def test_an_unwritable_path_is_a_config_error_not_a_crash(tmp_path):
    # (Root ignores permissions, so the path is made unusable in a way root cannot bypass.)
    path = tmp_path / "mail.json"
    path.mkdir()
    with pytest.raises(ConfigError) as info:
        write_config(settings(), path)
    assert info.value.kind in ("unwritable", "unreadable")
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    with pytest.raises(ConfigError, match="Cannot create the folder"):
        write_config(settings(), blocked / "sub" / "mail.json")


def test_default_location_is_the_user_config_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("MAILWIZARD_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_config_path() == tmp_path / "mailwizard" / "mail-settings.json"
    monkeypatch.setenv("MAILWIZARD_CONFIG", str(tmp_path / "x.json"))
    assert default_config_path() == tmp_path / "x.json"
