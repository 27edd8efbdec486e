"""A redacted, plain-text report of one check, for IT support (*Copy details* in the wizard)."""

from __future__ import annotations

import platform
import sys

from mailwizard import __version__
from mailwizard.core.diagnosis import Diagnosis
from mailwizard.core.redact import redact
from mailwizard.core.smtp_check import CheckResult


def format_report(result: CheckResult, diagnosis: Diagnosis | None) -> str:
    p = result.profile
    lines = [
        f"mailwizard {__version__} — connection test report",
        f"Python {sys.version.split()[0]}, {platform.platform()}",
        f"Started: {result.started_at}   Total: {result.elapsed_ms:.0f} ms",
        "",
        f"Server:   {p.host} ({p.ascii_host}) port {p.port}, security {p.security.value}",
        f"Login:    {p.username or '(none)'} ({p.auth.value}); password: ******** (not shown)",
        f"From:     {p.from_address}",
        f"Result:   {'OK' if result.ok else 'FAILED'}",
        "",
        "Stages:",
    ]
    for s in result.stages:
        lines.append(f"  {s.status:9} {s.stage:10} {s.ms:8.1f} ms  {s.detail}")
    if diagnosis:
        lines += ["", f"Diagnosis: {diagnosis.code} (stage {diagnosis.stage})",
                  f"  Cause: {diagnosis.cause}", f"  Fix:   {diagnosis.fix}"]
        if diagnosis.help_url:
            lines.append(f"  Help:  {diagnosis.help_url}")
        if diagnosis.suggestion:
            lines.append(f"  Suggested change: {diagnosis.suggestion}")
        if diagnosis.server_reply:
            lines.append(f"  Server said: {diagnosis.server_reply}")
    cert = result.certificate or (result.failure.certificate if result.failure else None)
    if cert:
        lines += ["", "Certificate:", f"  Subject:  {cert.subject}", f"  Issuer:   {cert.issuer}",
                  f"  Valid:    {cert.not_before} to {cert.not_after}",
                  f"  Names:    {', '.join(cert.names)}",
                  f"  SHA-256:  {cert.fingerprint_colons}",
                  f"  Trusted:  {'yes' if cert.verified else 'no'}"
                  + (f" ({cert.error})" if cert.error else "")]
    if result.tls_version:
        lines.append(f"TLS: {result.tls_version} {result.cipher}")
    lines += ["", "Transcript (passwords removed):"]
    lines += [f"  {line}" for line in result.transcript]
    return redact("\n".join(lines)) + "\n"
