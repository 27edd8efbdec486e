"""smtplib as the SMTP check drives it: a redacted transcript, every read and write bounded by
what is left of the check's time, reply lines and replies capped in length and count, and the
plaintext after a STARTTLS 220 dropped. Connecting and TLS are done by the check itself."""

from __future__ import annotations

import smtplib
import socket

from mailwizard.core.redact import MASK, redact

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable


#: A reply line longer than this, or a reply of more lines, is not an SMTP server talking
#: (RFC 5321 allows 512 octets a line; real EHLO replies have about 15 lines).
MAX_REPLY_LINE = 2048


MAX_REPLY_LINES = 100


class CheckCancelled(Exception):
    """The user stopped the check (cancel() from another thread)."""


class _StageFailed(Exception):
    """Internal: a stage failed for a reason we name ourselves (not a raised library error)."""

    def __init__(self, kind: str, message: str, code: int | None = None, reply: str = ""):
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.reply = reply


_COMMANDS = {"MAIL", "RCPT", "EHLO", "HELO", "STARTTLS", "QUIT", "DATA", "RSET", "NOOP"}


class _TracingSMTP(smtplib.SMTP):
    """smtplib with a redacted transcript, and every read and write bounded by what is left of
    the check's time (`time_left()` raises TimeoutError once it is spent), so that a server
    trickling bytes or sending an endless reply cannot hold a check past its time. Reply lines
    and replies are capped in length and count. Connecting is done by SmtpCheck itself."""

    def __init__(self, transcript: list[str], local_hostname: str | None,
                 time_left: Callable[[], float]):
        super().__init__(local_hostname=local_hostname)
        self._transcript = transcript
        self._time_left = time_left
        self._buffer = b""
        self.in_auth = False

    def drop_buffer(self) -> None:
        """After STARTTLS: whatever came in the clear after the 220 is never read as if it had
        come over TLS (the STARTTLS response-injection attack)."""
        self._buffer = b""

    def _readline(self) -> bytes:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line, self._buffer = self._buffer[:end + 1], self._buffer[end + 1:]
                if len(line) > MAX_REPLY_LINE:
                    break
                return line
            if len(self._buffer) > MAX_REPLY_LINE:
                break
            self.sock.settimeout(self._time_left())
            try:
                data = self.sock.recv(4096)
            except (TimeoutError, socket.timeout):
                self._time_left()  # raises when the check's time is spent
                raise
            if not data:
                self.close()
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            self._buffer += data
        self.close()
        raise _StageFailed("bad_reply", f"the server sent a reply line longer than "
                                        f"{MAX_REPLY_LINE} characters: this is not how a mail "
                                        "server answers")

    def send(self, s):  # noqa: D401 - smtplib's own name
        text = s.decode("utf-8", "replace") if isinstance(s, bytes) else s
        if self.in_auth:
            head = text.split(" ", 2)
            if head[0].upper() == "AUTH" and len(head) >= 2:
                shown = f"AUTH {head[1].strip()}" + (f" {MASK}" if len(head) > 2 else "")
            else:
                shown = MASK
            self._transcript.append("C: " + shown)
        elif text.split(" ", 1)[0].strip().upper() in _COMMANDS:
            self._transcript.append("C: " + redact(text.rstrip("\r\n")))
        else:
            self._transcript.append(f"C: <message, {len(s)} bytes>")
        if self.sock:
            self.sock.settimeout(self._time_left())
        super().send(s)

    def getreply(self):
        if self.sock is None:
            raise smtplib.SMTPServerDisconnected("please run connect() first")
        lines: list[bytes] = []
        code = -1
        while True:
            line = self._readline()
            if len(lines) >= MAX_REPLY_LINES:
                self.close()
                raise _StageFailed("bad_reply", f"the server sent a reply of more than "
                                                f"{MAX_REPLY_LINES} lines: this is not how a "
                                                "mail server answers")
            lines.append(line[4:].strip(b" \t\r\n"))
            try:
                code = int(line[:3])
            except ValueError:
                code = -1
                break
            if line[3:4] != b"-":
                break
        msg = b"\n".join(lines)
        text = msg.decode("utf-8", "replace")
        lines = text.split("\n") if text else [""]
        for i, line in enumerate(lines):
            sep = "-" if i < len(lines) - 1 else " "
            self._transcript.append(f"S: {code}{sep}{redact(line)}")
        return code, msg
