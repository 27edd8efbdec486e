"""The SMTP check's sign-in (the "auth" stage): exactly one AUTH command, with a mechanism
chosen from what the server offers (XOAUTH2 with a token; PLAIN, else LOGIN, with a
password), never retried with another one (providers lock accounts after a few failures),
and never before TLS is up."""

from __future__ import annotations

import base64
import smtplib
import ssl

from mailwizard.core.checks.result import CheckResult
from mailwizard.core.checks.transport import _StageFailed, _TracingSMTP


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def authenticate(smtp: _TracingSMTP, result: CheckResult, username: str, secret: str | None,
                 xoauth2_token: str | None) -> None:
    """Sign in as `username` with `xoauth2_token` when there is one, else with `secret`; the
    mechanism and the attempt go into `result`. Raises SMTPAuthenticationError when the
    server refuses, _StageFailed when no sign-in can be tried."""
    if not isinstance(smtp.sock, ssl.SSLSocket):
        # profile checks forbid this already; this is the last line of defence
        raise _StageFailed("no_tls_for_password", "refusing to send a password "
                                                  "over an unencrypted connection")
    if not smtp.has_extn("auth"):
        raise _StageFailed("auth_not_offered", "the server does not offer login (AUTH)")
    offered = smtp.esmtp_features["auth"].upper().split()
    mech, first, answers = _sign_in_words(offered, username.encode("utf-8"), secret,
                                          xoauth2_token)
    result.auth_mechanism = mech
    result.auth_attempts += 1  # the one and only AUTH command of this check
    smtp.in_auth = True
    try:
        code, resp = smtp.docmd("AUTH", f"{mech} {_b64(first)}")
        while code == 334 and answers:
            code, resp = smtp.docmd(_b64(answers.pop(0)))
    finally:
        smtp.in_auth = False
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, resp)


def _sign_in_words(offered: list[str], user: bytes, secret: str | None,
                   xoauth2_token: str | None) -> tuple[str, bytes, list[bytes]]:
    """The mechanism, the AUTH command's initial response and the answers to the server's
    334 challenges, in order."""
    if xoauth2_token:
        if "XOAUTH2" not in offered:
            raise _StageFailed("no_common_mechanism",
                               "the server does not offer XOAUTH2 sign-in; offered: "
                               + " ".join(offered))
        first = b"user=" + user + b"\x01auth=Bearer " + xoauth2_token.encode() + b"\x01\x01"
        # Google answers a bad token with 334 <JSON>; an empty line gets the final 535.
        return "XOAUTH2", first, [b""]
    mech = next((m for m in ("PLAIN", "LOGIN") if m in offered), None)
    if mech is None:
        raise _StageFailed("no_common_mechanism",
                           "the server offers no sign-in method mailwizard uses over "
                           "TLS (PLAIN or LOGIN); offered: " + " ".join(offered))
    password = (secret or "").encode("utf-8")
    if mech == "PLAIN":
        return mech, b"\0" + user + b"\0" + password, []
    # LOGIN: user name with the command, password on the server's 334
    return mech, user, [password]
