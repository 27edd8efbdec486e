"""The config file the host ERP reads: JSON, versioned, written atomically, never a secret.

Format (resources/config.schema.json is the published schema)::

    {
      "schema_version": 1,
      "generator": "mailwizard 0.1.0",
      "saved_at": "2026-11-22T10:00:00+00:00",
      "profile_name": "default",
      "profile": {"service": "smtp", "host": ..., "port": 587, "security": "starttls", ...},
      "secret": {"store": "keyring", "service": "mailwizard", "username": "default/password"},
      "validation": {"validated_at": ..., "test_message_to": ..., "tls_version": ...}
    }

Writing: a temp file in the same folder, fsync, rename over the old file, fsync the folder;
the previous file is kept as `<name>.bak`; mode 0600 on POSIX. Reading a damaged file or one
from a newer mailwizard raises `ConfigError` with a plain message and leaves the file alone.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailwizard import __version__
from mailwizard.core.i18n import _
from mailwizard.core.profile import Profile
from mailwizard.core.store.secrets import SecretRef

SCHEMA_VERSION = 1
CONFIG_FILENAME = "mail-settings.json"


class ConfigError(Exception):
    """A config file that cannot be used; the message says what and what to do.
    kind: "missing", "unreadable", "damaged" (not JSON / not ours / wrong values), "newer",
    "unwritable"."""

    def __init__(self, message: str, kind: str = "unreadable"):
        super().__init__(message)
        self.kind = kind


def default_config_path() -> Path:
    """The per-user config location: e.g. ~/.config/mailwizard/mail-settings.json on Linux,
    %APPDATA%\\mailwizard\\mail-settings.json on Windows, ~/Library/Application Support/
    mailwizard/mail-settings.json on macOS. MAILWIZARD_CONFIG overrides it."""
    env = os.environ.get("MAILWIZARD_CONFIG")
    if env:
        return Path(env)
    if sys.platform.startswith("linux"):  # the same folder, without importing platformdirs
        from mailwizard.core.store.paths import xdg_config_dir

        return Path(xdg_config_dir(site=False)) / "mailwizard" / CONFIG_FILENAME
    from platformdirs import user_config_dir

    return Path(user_config_dir("mailwizard", appauthor=False, roaming=True)) / CONFIG_FILENAME


@dataclass
class SavedSettings:
    profile: Profile
    secret: SecretRef | None
    profile_name: str = "default"
    validation: dict[str, Any] = field(default_factory=dict)
    saved_at: str = ""
    generator: str = ""

    def to_json_dict(self) -> dict[str, Any]:
        from datetime import datetime, timezone

        profile = self.profile.to_config_dict()
        return {
            "schema_version": SCHEMA_VERSION,
            "generator": f"mailwizard {__version__}",
            "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "profile_name": self.profile_name,
            "profile": profile,
            "secret": self.secret.to_dict() if self.secret else None,
            "validation": self.validation,
        }


def read_config(path: Path | None = None) -> SavedSettings:
    """The saved settings, checked against resources/config.schema.json before any field is
    used; ConfigError (naming the file and the field) for anything else."""
    from mailwizard.core.store.safefile import FileProblem, NotAFile, document_problems, \
        load_schema, loads_json, read_capped

    path = Path(path) if path else default_config_path()

    def damaged(why: str) -> ConfigError:
        return ConfigError(_(
            "The mail settings file {path} is damaged ({problem}). It was left as it is. "
            "Restore {name}.bak from the same folder, or save new settings with "
            "--replace-damaged (the damaged file is kept beside it).").format(
                path=path, problem=why, name=path.name), "damaged")

    try:
        raw = read_capped(path)
    except FileNotFoundError:
        raise ConfigError(_("No saved mail settings at {path}. Run the wizard or "
                            "`mailwizard save` first.").format(path=path), "missing") from None
    except NotAFile as exc:
        raise ConfigError(_("The mail settings file {path} cannot be read: {problem}. It was "
                            "left as it is.").format(path=path, problem=exc)) from None
    except FileProblem as exc:
        raise damaged(str(exc)) from None
    except OSError as exc:
        raise ConfigError(_("The mail settings file {path} cannot be read: {problem}.").format(
            path=path, problem=exc.strerror or exc)) from None
    try:
        data = loads_json(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise damaged(_("it is not UTF-8 text")) from None
    except FileProblem as exc:
        raise damaged(str(exc)) from None
    version = data.get("schema_version") if isinstance(data, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        raise ConfigError(_("{path} is not a mailwizard settings file (no schema_version). It "
                            "was left as it is.").format(path=path), "damaged")
    if version > SCHEMA_VERSION:
        raise ConfigError(_(
            "{path} was written by a newer mailwizard (settings format {version}; this "
            "version reads up to {supported}). Update mailwizard; the file was left as it is."
        ).format(path=path, version=version, supported=SCHEMA_VERSION), "newer")
    schema = load_schema("config.schema.json")
    problems = document_problems(data, "config.schema.json")
    if problems:
        shown = "; ".join(problems[:3]) + ("; …" if len(problems) > 3 else "")
        raise damaged(_("a missing or wrong value: {problems}").format(problems=shown))
    # Keys the schema does not know are ignored, as the schema asks of every reader (a newer
    # mailwizard's, another tool's): only the checked ones become settings.
    known = schema["properties"]["profile"]["properties"]
    try:
        profile = Profile.from_dict({k: v for k, v in data["profile"].items() if k in known})
        secret = SecretRef.from_dict(data["secret"]) if data.get("secret") else None
    except (KeyError, TypeError, ValueError) as exc:
        raise damaged(_("a missing or wrong value: {problems}").format(problems=exc)) from None
    return SavedSettings(profile=profile, secret=secret,
                         profile_name=data.get("profile_name", "default"),
                         validation=data.get("validation") or {},
                         saved_at=data.get("saved_at", ""), generator=data.get("generator", ""))


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes) -> None:
    import tempfile  # only when writing

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if os.name == "posix":
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)


def write_config(settings: SavedSettings, path: Path | None = None, *,
                 replace_damaged: bool = False) -> Path:
    """Write atomically, keeping the previous file as .bak. A damaged or newer-version file
    in the way is never overwritten silently: ConfigError, unless replace_damaged is set, in
    which case it is kept as <name>.damaged-<time>."""
    path = Path(path) if path else default_config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise ConfigError(_("Cannot create the folder {folder}: {problem}.").format(
            folder=path.parent, problem=exc.strerror or exc), "unwritable") from None
    import json
    from datetime import datetime

    body = json.dumps(settings.to_json_dict(), indent=2, ensure_ascii=False) + "\n"
    try:
        if path.exists():
            try:
                read_config(path)
            except ConfigError as exc:
                # A newer version's file is never replaced; a damaged one only on request.
                if exc.kind != "damaged" or not replace_damaged:
                    raise
                stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
                os.replace(path, path.with_name(f"{path.name}.damaged-{stamp}"))
            else:
                _atomic_write(path.with_name(path.name + ".bak"), path.read_bytes())
        _atomic_write(path, body.encode("utf-8"))
    except OSError as exc:
        raise ConfigError(_("Cannot write {path}: {problem}.").format(
            path=path, problem=exc.strerror or exc), "unwritable") from None
    return path
