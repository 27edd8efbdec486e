"""The redacted, plain-text report for IT support: one function for the wizard's *Copy details*
and for `mailwizard report`.

It says which versions run where (read from package metadata: nothing heavy is imported),
which keyring backend is in use, the settings file and what it holds (the secret only as a
reference), the site file and what it sets, and a check: its stages, the diagnosis, the
certificate and the transcript. Everything passes through redact().
"""

from __future__ import annotations

import platform
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailwizard import __version__
from mailwizard.core.redact import MASK, redact

if TYPE_CHECKING:
    from mailwizard.core.diagnosis.smtp import Diagnosis
    from mailwizard.core.admin.site import SiteConfig
    from mailwizard.core.checks.smtp import CheckResult

RECORD_VERSION = 1


def check_record(result: CheckResult, diagnosis: Diagnosis | None, *,
                 exit_code: int | None = None, command: str = "") -> dict[str, Any]:
    """One check as JSON-ready, redacted data: what last-check.json holds and what the
    report shows (the same data for a check just run and one read back from disk)."""
    from mailwizard.core import exitcodes as ec

    if exit_code is None:
        exit_code = ec.OK if result.ok else ec.for_stage(result.failure.stage,
                                                         result.failure.kind)
    return {
        "record_version": RECORD_VERSION,
        "checked_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "ok": result.ok,
        "exit_code": exit_code,
        "stages": [{"stage": s.stage, "status": s.status, "ms": round(s.ms, 1)}
                   for s in result.stages],
        "diagnosis": diagnosis.to_dict() if diagnosis else None,
        "result": result.to_dict(),
    }


def failure_record(message: str, exit_code: int, *, command: str = "") -> dict[str, Any]:
    """A check that could not start (no keyring, no stored password …), in the same form."""
    return {"record_version": RECORD_VERSION,
            "checked_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": command, "ok": False, "exit_code": exit_code, "stages": [],
            "diagnosis": None, "error": redact(message), "result": None}


def _version(*dists: str) -> str:
    from importlib import metadata

    for dist in dists:
        try:
            return f"{metadata.version(dist)}" + (f" ({dist})" if len(dists) > 1 else "")
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


def environment_lines() -> list[str]:
    import ssl

    from mailwizard.core.store.secrets import backend_name

    bundled = " (bundled application)" if getattr(sys, "frozen", False) else ""
    return [
        f"mailwizard:      {__version__}{bundled}",
        f"Python:          {sys.version.split()[0]} ({platform.python_implementation()})",
        f"Platform:        {platform.platform()}",
        f"OpenSSL:         {ssl.OPENSSL_VERSION}",
        f"PySide6:         {_version('PySide6-Essentials', 'PySide6')}",
        f"keyring:         {_version('keyring')}",
        f"exchangelib:     {_version('exchangelib')}",
        f"Keyring backend: {backend_name()}",
    ]


def config_lines(config_path: Path | None) -> list[str]:
    """The settings file: where, whether it can be read, what it holds (secret masked)."""
    if config_path is None:
        return ["(not known)"]
    import json

    from mailwizard.core.store.config import ConfigError, read_config

    lines = [f"Path: {config_path}"]
    try:
        read_config(config_path)
    except ConfigError as exc:
        return lines + [f"Status: {exc.kind}: {exc}"]
    from mailwizard.core.store.safefile import loads_json, read_capped

    try:
        data = loads_json(read_capped(config_path).decode("utf-8"))
    except (OSError, ValueError) as exc:  # changed since it was read: say so, go on
        return lines + [f"Status: unreadable: {exc}"]
    secret = data.get("secret")
    if isinstance(secret, dict):  # only a reference; shown so, whatever it holds
        data["secret"] = {k: secret.get(k) for k in ("store", "service", "username")}
        data["secret"]["password"] = MASK + " (not shown)"
    lines.append("Status: OK")
    lines += ["Contents:"] + ["  " + line for line in
                              json.dumps(data, indent=2, ensure_ascii=False).splitlines()]
    return lines


def check_lines(record: dict[str, Any] | None) -> list[str]:
    """One check record (see check_record) in words."""
    if not record:
        return ["(no check recorded yet: run `mailwizard check`)"]
    if "damaged" in record:
        return [f"(the record of the last check cannot be read: {record['damaged']})"]
    from mailwizard.core import exitcodes as ec

    code = record.get("exit_code")
    lines = [f"Checked:  {record.get('checked_at', '?')}"
             + (f" by `mailwizard {record['command']}`" if record.get("command") else ""),
             f"Result:   {'OK' if record.get('ok') else 'FAILED'}"
             + (f" (exit code {code}: {ec.DESCRIPTIONS.get(code, '?')})" if code is not None
                else "")]
    if record.get("error"):
        lines.append(f"Error:    {record['error']}")
    r = record.get("result")
    if not r:
        return lines
    from mailwizard.core.profile import Profile

    try:
        p = Profile.from_dict(r.get("profile") or {})
    except (TypeError, ValueError, KeyError):
        p = Profile()
    lines += [
        f"Started:  {r.get('started_at', '')}   Total: {r.get('elapsed_ms', 0):.0f} ms",
        f"Server:   {p.server_text()}" + (f"   (connected to {r['peer']})" if r.get("peer")
                                          else ""),
        f"Login:    {p.username or '(none)'} ({p.auth.value}); password: {MASK} (not shown)",
        f"From:     {p.from_address}",
        "",
        "Stages:",
    ]
    for s in r.get("stages", []):
        lines.append(f"  {s['status']:9} {s['stage']:11} {s['ms']:8.1f} ms  {s.get('detail', '')}")
    d = record.get("diagnosis")
    if d:
        lines += ["", f"Diagnosis: {d['code']} (stage {d['stage']})",
                  f"  Cause: {d['cause']}", f"  Fix:   {d['fix']}"]
        if d.get("help_url"):
            lines.append(f"  Help:  {d['help_url']}")
        if d.get("suggestion"):
            lines.append(f"  Suggested change: {d['suggestion']}")
        if d.get("server_reply"):
            lines.append(f"  Server said: {d['server_reply']}")
    failure = r.get("failure") or {}
    cert = r.get("certificate") or failure.get("certificate")
    if cert:
        fp = ":".join(cert["sha256"][i:i + 2] for i in range(0, len(cert["sha256"]), 2))
        lines += ["", "Certificate:", f"  Subject:  {cert['subject']}",
                  f"  Issuer:   {cert['issuer']}",
                  f"  Valid:    {cert['not_before']} to {cert['not_after']}",
                  f"  Names:    {', '.join(cert['names'])}",
                  f"  SHA-256:  {fp.upper()}",
                  f"  Trusted:  {'yes' if cert['verified'] else 'no'}"
                  + (f" ({cert['error']})" if cert.get("error") else "")]
    if r.get("tls_version"):
        lines.append(f"TLS: {r['tls_version']} {r.get('cipher', '')}")
    lines += ["", "Transcript (passwords removed):"]
    lines += [f"  {line}" for line in r.get("transcript", [])]
    return lines


def schedule_lines() -> list[str]:
    """Whether `mailwizard schedule` installed a check, and what it runs."""
    try:
        from mailwizard.core.admin.schedule import status

        sched = status()
    except Exception as exc:  # a report must not fail because of this
        return [f"unknown ({exc})"]
    if sched is None:
        return ["none installed (`mailwizard schedule daily` adds one)"]
    return [sched.describe(), "runs: " + " ".join(sched.command)] + \
        [f"file: {f}" for f in sched.files] + ([f"note: {sched.note}"] if sched.note else [])


def format_report(result: CheckResult | None = None, diagnosis: Diagnosis | None = None, *,
                  record: dict[str, Any] | None = None, config_path: Path | None = None,
                  site: SiteConfig | None = None, site_error: str = "",
                  title: str = "") -> str:
    """The report, redacted. Give a check just run (`result`, `diagnosis`) or a stored one
    (`record`, e.g. the last check); the settings file and the site file when known."""
    if result is not None:
        record = check_record(result, diagnosis)
    lines = [f"mailwizard {__version__} — {title or 'diagnostic report'}",
             f"Generated: {datetime.now(timezone.utc).isoformat(timespec='seconds')}", "",
             "== Versions and platform =="] + environment_lines()
    lines += ["", "== Settings file =="] + config_lines(config_path)
    lines += ["", "== Site file (administrator) =="]
    if site_error:
        lines.append(f"cannot be used: {site_error}")
    elif site is not None:
        lines += site.describe()
    else:
        lines.append("(not read)")
    lines += ["", "== " + ("Check" if result is not None else "Last check") + " =="]
    lines += check_lines(record)
    if record and record.get("deliverability"):
        from mailwizard.core.deliverability.model import report_lines

        lines += report_lines(record["deliverability"])
    lines += ["", "== Scheduled check =="] + schedule_lines()
    return redact("\n".join(lines)) + "\n"
