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
from mailwizard.core.i18n import _
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
    from mailwizard.core.diagnosis.meaning import meaning_of_failure

    if exit_code is None:
        exit_code = ec.OK if result.ok else ec.for_stage(result.failure.stage,
                                                         result.failure.kind)
    return {
        "record_version": RECORD_VERSION,
        "checked_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "ok": result.ok,
        "exit_code": exit_code,
        # offline / temporary / needs_person (core/diagnosis/meaning.py); None: passed
        "meaning": None if result.ok else meaning_of_failure(diagnosis, exit_code,
                                                             result.failure),
        "stages": [{"stage": s.stage, "status": s.status, "ms": round(s.ms, 1)}
                   for s in result.stages],
        "diagnosis": diagnosis.to_dict() if diagnosis else None,
        "result": result.to_dict(),
    }


def saved_check_record(result: CheckResult | None, command: str) -> dict[str, Any] | None:
    """The check that settings passed before they were saved, as the last-check record
    save_settings keeps (`command`: who saved, "save", "apply" or "wizard"); None when they
    are saved untested (nothing to record)."""
    from mailwizard.core import exitcodes as ec

    return None if result is None else check_record(result, None, exit_code=ec.OK,
                                                    command=command)


def failure_record(message: str, exit_code: int, *, command: str = "") -> dict[str, Any]:
    """A check that could not start (no keyring, no stored password …), in the same form."""
    from mailwizard.core.diagnosis.meaning import meaning_of_failure

    return {"record_version": RECORD_VERSION,
            "checked_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": command, "ok": False, "exit_code": exit_code,
            "meaning": meaning_of_failure(None, exit_code), "stages": [],
            "diagnosis": None, "error": redact(message), "result": None}


def _version(*dists: str) -> str:
    from importlib import metadata

    for dist in dists:
        try:
            return f"{metadata.version(dist)}" + (f" ({dist})" if len(dists) > 1 else "")
        except metadata.PackageNotFoundError:
            continue
    return _("not installed")


def environment_lines() -> list[str]:
    import ssl

    from mailwizard.core.store.secrets import backend_name

    bundled = " " + _("(bundled application)") if getattr(sys, "frozen", False) else ""
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
        return [_("(not known)")]
    import json

    from mailwizard.core.store.config import ConfigError, read_config

    # Translators: lines of the report for IT support; the words before ":" are labels.
    lines = [_("Path: {path}").format(path=config_path)]
    try:
        read_config(config_path)
    except ConfigError as exc:
        return lines + [_("Status: {kind}: {problem}").format(kind=exc.kind, problem=exc)]
    from mailwizard.core.store.safefile import loads_json, read_capped

    try:
        data = loads_json(read_capped(config_path).decode("utf-8"))
    except (OSError, ValueError) as exc:  # changed since it was read: say so, go on
        return lines + [_("Status: unreadable: {problem}").format(problem=exc)]
    secret = data.get("secret")
    if isinstance(secret, dict):  # only a reference; shown so, whatever it holds
        data["secret"] = {k: secret.get(k) for k in ("store", "service", "username")}
        data["secret"]["password"] = MASK + " (not shown)"  # file contents: kept as they are
    lines.append(_("Status: OK"))
    lines += [_("Contents:")] + ["  " + line for line in
                              json.dumps(data, indent=2, ensure_ascii=False).splitlines()]
    return lines


def check_lines(record: dict[str, Any] | None) -> list[str]:
    """One check record (see check_record) in words."""
    if not record:
        return [_("(no check recorded yet: run `mailwizard check`)")]
    if "damaged" in record:
        return [_("(the record of the last check cannot be read: {problem})").format(
            problem=record["damaged"])]
    lines = _outcome_lines(record)
    r = record.get("result")
    if not r:
        return lines
    lines += _connection_lines(r)
    lines += _diagnosis_lines(record.get("diagnosis"))
    lines += _certificate_lines(r)
    if r.get("tls_version"):
        lines.append(f"TLS: {r['tls_version']} {r.get('cipher', '')}")
    lines += ["", _("Transcript (passwords removed):")]
    lines += [f"  {line}" for line in r.get("transcript", [])]
    return lines


def _outcome_lines(record: dict[str, Any]) -> list[str]:
    """When the check ran and by what, its outcome and state, what it means, its tries and
    error."""
    from mailwizard.core import exitcodes as ec

    code = record.get("exit_code")
    when = record.get("checked_at", "?")
    if record.get("command"):
        checked = _("Checked:  {when} by `mailwizard {command}`").format(
            when=when, command=record["command"])
    else:
        checked = _("Checked:  {when}").format(when=when)
    from mailwizard.core.admin.daily import NOT_CHECKED, TEMPORARILY_FAILING, status_of

    status = status_of(record)
    outcome = _("OK") if record.get("ok") else {
        NOT_CHECKED: _("NOT CHECKED (offline)"),
        TEMPORARILY_FAILING: _("TEMPORARILY FAILING")}.get(status, _("FAILED"))
    if code is not None:
        result = _("Result:   {outcome} (exit code {code}: {meaning})").format(
            outcome=outcome, code=code, meaning=ec.DESCRIPTIONS.get(code, "?"))
    else:
        result = _("Result:   {outcome}").format(outcome=outcome)
    lines = [checked, result]
    from mailwizard.core.admin.daily import describe_record

    lines.append(_("State:    {state}").format(state=describe_record(record)))
    if record.get("meaning"):
        from mailwizard.core.diagnosis.meaning import WORDS

        lines.append(_("Meaning:  {meaning} ({code})").format(
            meaning=_(WORDS.get(record["meaning"], record["meaning"])),
            code=record["meaning"]))
    if record.get("tries", 1) > 1:
        lines.append(_("Tries:    {n} in this run").format(n=record["tries"]))
    if record.get("error"):
        lines.append(_("Error:    {problem}").format(problem=record["error"]))
    return lines


def _connection_lines(r: dict[str, Any]) -> list[str]:
    """The checked result's start and time, server, sign-in, From address and stages."""
    from mailwizard.core.profile import Profile

    try:
        p = Profile.from_dict(r.get("profile") or {})
    except (TypeError, ValueError, KeyError):
        p = Profile()
    if r.get("peer"):
        server = _("Server:   {server}   (connected to {peer})").format(
            server=p.server_text(), peer=r["peer"])
    else:
        server = _("Server:   {server}").format(server=p.server_text())
    lines = [
        _("Started:  {when}   Total: {ms} ms").format(
            when=r.get("started_at", ""), ms=f"{r.get('elapsed_ms', 0):.0f}"),
        server,
        _("Login:    {username} ({method}); password: {mask} (not shown)").format(
            username=p.username or _("(none)"), method=p.auth.value, mask=MASK),
        _("From:     {address}").format(address=p.from_address),
        "",
        _("Stages:"),
    ]
    for s in r.get("stages", []):
        lines.append(f"  {s['status']:9} {s['stage']:11} {s['ms']:8.1f} ms  {s.get('detail', '')}")
    return lines


def _diagnosis_lines(d: dict[str, Any] | None) -> list[str]:
    """The diagnosis of a failed check: its code and stage, cause, fix, help, suggested
    change and the server's reply (none when the check passed)."""
    if not d:
        return []
    lines = ["", _("Diagnosis: {code} (stage {stage})").format(code=d["code"],
                                                               stage=d["stage"]),
             _("  Cause: {cause}").format(cause=d["cause"]),
             _("  Fix:   {fix}").format(fix=d["fix"])]
    if d.get("help_url"):
        lines.append(_("  Help:  {url}").format(url=d["help_url"]))
    if d.get("suggestion"):
        lines.append(_("  Suggested change: {change}").format(change=d["suggestion"]))
    if d.get("server_reply"):
        lines.append(_("  Server said: {reply}").format(reply=d["server_reply"]))
    return lines


def _certificate_lines(r: dict[str, Any]) -> list[str]:
    """The server's certificate (from the result, or from its failure), if it showed one."""
    failure = r.get("failure") or {}
    cert = r.get("certificate") or failure.get("certificate")
    if not cert:
        return []
    fp = ":".join(cert["sha256"][i:i + 2] for i in range(0, len(cert["sha256"]), 2))
    trusted = _("yes") if cert["verified"] else _("no")
    if cert.get("error"):
        trusted += f" ({cert['error']})"
    return ["", _("Certificate:"),
            _("  Subject:  {subject}").format(subject=cert["subject"]),
            _("  Issuer:   {issuer}").format(issuer=cert["issuer"]),
            _("  Valid:    {start} to {end}").format(start=cert["not_before"],
                                                    end=cert["not_after"]),
            _("  Names:    {names}").format(names=", ".join(cert["names"])),
            f"  SHA-256:  {fp.upper()}",
            _("  Trusted:  {answer}").format(answer=trusted)]


def schedule_lines() -> list[str]:
    """Whether `mailwizard schedule` installed a check, and what it runs."""
    try:
        from mailwizard.core.admin.schedule import status

        sched = status()
    except Exception as exc:  # a report must not fail because of this
        return [_("unknown ({problem})").format(problem=exc)]
    if sched is None:
        return [_("none installed (`mailwizard schedule daily` adds one)")]
    return [sched.describe(), _("runs: {command}").format(command=" ".join(sched.command))] + \
        [_("file: {path}").format(path=f) for f in sched.files] + \
        ([_("note: {note}").format(note=sched.note_text())] if sched.note else [])


def format_report(result: CheckResult | None = None, diagnosis: Diagnosis | None = None, *,
                  record: dict[str, Any] | None = None, config_path: Path | None = None,
                  site: SiteConfig | None = None, site_error: str = "",
                  title: str = "") -> str:
    """The report, redacted. Give a check just run (`result`, `diagnosis`) or a stored one
    (`record`, e.g. the last check); the settings file and the site file when known."""
    if result is not None:
        record = check_record(result, diagnosis)
    title = title or _("diagnostic report")
    lines = [f"mailwizard {__version__} — {title}",
             _("Generated: {when}").format(
                 when=datetime.now(timezone.utc).isoformat(timespec="seconds")), "",
             _("== Versions and platform ==")] + environment_lines()
    lines += ["", _("== Settings file ==")] + config_lines(config_path)
    lines += ["", _("== Site file (administrator) ==")]
    if site_error:
        lines.append(_("cannot be used: {problem}").format(problem=site_error))
    elif site is not None:
        lines += site.describe()
    else:
        lines.append(_("(not read)"))
    lines += ["", _("== Check ==") if result is not None else _("== Last check ==")]
    lines += check_lines(record)
    if record and record.get("deliverability"):
        from mailwizard.core.deliverability.model import report_lines

        lines += report_lines(record["deliverability"])
    lines += ["", _("== Scheduled check ==")] + schedule_lines()
    return redact("\n".join(lines)) + "\n"
