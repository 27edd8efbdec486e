"""Secrets are masked in every text that leaves the check."""

from __future__ import annotations

from mailwizard.core.redact import redact


def test_http_authorization_headers_are_masked_whatever_the_scheme():
    for scheme in ("Basic", "NTLM", "Negotiate", "Bearer"):
        line = f"Request headers: {{'Authorization': '{scheme} dXNlcjpwYXNz+/=', 'Accept': '*/*'}}"
        out = redact(line)
        assert "dXNlcjpwYXNz" not in out and f"'Authorization': '{scheme} ********'" in out
