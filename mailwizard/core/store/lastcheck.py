"""The last check, remembered next to the settings file for `mailwizard report`, the daily
check and the ERP: `<settings file name>.last-check.json` in the settings file's folder
(`mail-settings.last-check.json`), mode 0600, written atomically, redacted. What it holds is
the check record the caller built (core/admin/report.py's check_record: time, ok, exit code,
stages, diagnosis, transcript), published as resources/last-check.schema.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from mailwizard.core.redact import redact
from mailwizard.core.store.config import _atomic_write

LAST_CHECK_SUFFIX = ".last-check.json"


def last_check_path(config_path: Path) -> Path:
    """mail-settings.json -> mail-settings.last-check.json, in the same folder."""
    config_path = Path(config_path)
    return config_path.with_name(config_path.stem + LAST_CHECK_SUFFIX)


def record_last_check(config_path: Path, record: Mapping[str, Any]) -> Path:
    """Write the record (core/admin/report.py's check_record) next to the settings file:
    atomic, mode 0600, redacted once more on the way out. Raises OSError if it cannot be
    written."""
    path = last_check_path(config_path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = redact(json.dumps(record, indent=2, ensure_ascii=False)) + "\n"
    _atomic_write(path, text.encode("utf-8"))
    return path


def read_last_check(config_path: Path) -> dict[str, Any] | None:
    """The last check's record, None when there is none, {"damaged": why} when it cannot be
    read or does not match resources/last-check.schema.json."""
    from mailwizard.core.store.safefile import FileProblem, document_problems, loads_json, \
        read_capped

    path = last_check_path(config_path)
    try:
        data = loads_json(read_capped(path).decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, FileProblem) as exc:
        return {"damaged": f"{path}: {exc}"}
    problems = document_problems(data, "last-check.schema.json")
    if problems:
        return {"damaged": f"{path}: not a check record ({'; '.join(problems[:3])})"}
    return data
