"""Keeps secrets out of every log line, transcript and report, and keeps what a server or a
file says from steering the user's terminal.

A secret is registered once, when it enters the process (read from stdin, the keyring or a
password field); from then on `redact()` masks it, and its base64, URL-encoded and
quoted-printable forms, wherever it appears. `RedactingFilter` applies the same to every log
record. `safe_text()` (which redact() applies too) shows control characters as `\\uXXXX`.
"""

from __future__ import annotations

import base64
import re
import threading

TYPE_CHECKING = False  # logging only when a log is set up: printing safe text needs none of it
if TYPE_CHECKING:
    import logging

MASK = "********"

#: HTTP credentials as libraries log them (exchangelib prints request headers at DEBUG):
#: the whole value goes, whatever the scheme, since an NTLM or Bearer token is a secret too.
_AUTH_HEADER = re.compile(
    r"((?:Proxy-)?Authorization['\"]?\s*[:=]\s*['\"]?(?:Basic|NTLM|Negotiate|Bearer)\s+)"
    r"[A-Za-z0-9+/=._~-]+", re.IGNORECASE)

# Control characters (but TAB and LF), DEL, the C1 set (CSI and OSC included), the Unicode
# line separators and the bidirectional overrides that can make text read differently.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

_lock = threading.Lock()
_secrets: set[str] = set()
#: The registered secrets, longest first, as redact() tries them; rebuilt (under the lock)
#: whenever a secret is registered, so the dozens of lines a check records each read it
#: without sorting or locking.
_longest_first: tuple[str, ...] = ()
#: The secrets registered as such, whose variants are already in _secrets (a check registers
#: its password again on every run).
_registered: set[str] = set()


def _variants(secret: str) -> set[str]:
    """The secret as typed and as it travels inside SMTP AUTH lines (base64 of it and of the
    PLAIN/XOAUTH2 blobs that contain it, at each of the three base64 alignments)."""
    raw = secret.encode("utf-8")
    out = {secret, base64.b64encode(raw).decode("ascii")}
    # Inside a longer base64 blob the secret's encoding depends on its offset modulo 3.
    for pad in (1, 2):
        enc = base64.b64encode(b"\0" * pad + raw).decode("ascii")
        # Drop the characters that also encode the padding bytes, and the tail that mixes
        # with whatever follows the secret.
        inner = enc[4:-4] if len(enc) > 8 else ""
        if len(inner) >= 8:
            out.add(inner)
    inner0 = base64.b64encode(raw).decode("ascii")[:-4]
    if len(inner0) >= 8:
        out.add(inner0)
    # As a server or a web page may echo it: URL-encoded (both hex cases, + or %20 for a
    # space) and quoted-printable (body and header forms).
    import quopri
    from urllib.parse import quote, quote_plus

    for enc in (quote(secret, safe=""), quote(secret), quote_plus(secret)):
        out.update({enc, re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), enc)})
    for header in (False, True):
        for tabs in (False, True):
            qp = quopri.encodestring(raw, quotetabs=tabs, header=header).decode("ascii")
            out.add(qp.replace("=\n", ""))
    return {v for v in out if v}


def register_secret(secret: str | None) -> None:
    """Remember a secret so that every later redact() masks it. Short secrets are masked too:
    a four-character password is still a password."""
    if not secret:
        return
    global _longest_first
    with _lock:
        if secret in _registered:
            return
        _registered.add(secret)
        _secrets.update(_variants(secret))
        _longest_first = tuple(sorted(_secrets, key=len, reverse=True))


def forget_all_secrets() -> None:
    """For tests: start again with no registered secrets."""
    global _longest_first
    with _lock:
        _secrets.clear()
        _registered.clear()
        _longest_first = ()


def redact(text: str) -> str:
    """Return text with every registered secret (and its base64 forms) masked."""
    if not text:
        return text
    for s in _longest_first:
        if s in text:
            text = text.replace(s, MASK)
    if "uthorization" in text:
        text = _AUTH_HEADER.sub(lambda m: m.group(1) + MASK, text)
    return safe_text(text)


def safe_text(text: str) -> str:
    """Text from a server or a file, fit to show: every control character but TAB and line
    feed (escape sequences, carriage returns, NUL, bidi overrides) becomes `\\uXXXX`, which
    is also valid inside a JSON string."""
    if not text or not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: "\\u%04x" % ord(m.group()), text)


class RedactingFilter:
    """A logging filter that masks registered secrets in the final message (args included).
    (A handler takes any object with this `filter` method as a filter.)"""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix here
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            import logging

            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Put the redaction filter on every handler of the root logger (or of `logger`)."""
    import logging

    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
