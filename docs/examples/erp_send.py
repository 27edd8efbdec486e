#!/usr/bin/env python3
"""What a host ERP does with the settings mailwizard saved: read the settings file, fetch the
password from the OS keyring, and send one message over verified TLS (service = "smtp").

    python erp_send.py --to someone@example.org [--config PATH] [--subject TEXT] [--body TEXT]

Needs the standard library and `keyring` (pip install keyring) only. See docs/INTEGRATION.md.

Exit codes (the same numbers as mailwizard's own table); the reason is on stderr:
  0  the message was accepted
  1  sending failed for another reason (server, network, certificate)
  2  wrong command-line words
  3  the recipient is not an email address (refused as `mailwizard send` refuses it)
  4  the settings file is missing, damaged, or of a newer format
  5  no safe keyring, or no password stored in it (a plaintext "keyring" is refused)
  24 the server refused the saved password (it was probably changed)
  26 the server refused a recipient (the message went to none of them)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

SUPPORTED_SCHEMA = 1

EXIT_FAILED, EXIT_ADDRESS, EXIT_SETTINGS, EXIT_KEYRING = 1, 3, 4, 5
EXIT_PASSWORD_REFUSED, EXIT_RECIPIENT_REFUSED = 24, 26

#: What `mailwizard send` accepts as an address (mailwizard/core/checks/outgoing.py keeps the
#: same two patterns): no white space, no control character, no brackets; and no line break
#: or other control character anywhere in the header.
ADDR_SPEC = re.compile(r"[^\s<>()\[\]\\,;:\x00-\x1f\x7f]+@[^\s<>()\\,;:@\x00-\x1f\x7f]+\Z")
CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")

#: Keyring back ends that are no safe place for a password: none at all, or a plain file.
REFUSED_BACKENDS = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")

#: What to do when the keyring cannot be used (never: install a plaintext back end).
KEYRING_HELP = ("Run the ERP in the desktop session of the user who set up the email (so "
                "that the keyring is running and unlocked), or set up the email again with "
                "mailwizard as that user.")


class Stop(Exception):
    """A clear reason to stop, and the exit code for it."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def default_config_path() -> Path:
    """Where mailwizard writes the settings for this user (MAILWIZARD_CONFIG overrides it; a
    site file's config_path or --config may have put them elsewhere: pass --config then)."""
    if os.environ.get("MAILWIZARD_CONFIG"):
        return Path(os.environ["MAILWIZARD_CONFIG"])
    if sys.platform.startswith("win"):
        base = Path(os.environ["APPDATA"])
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "mailwizard" / "mail-settings.json"


def load_settings(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Stop(EXIT_SETTINGS, f"no email settings at {path}: set up the email with "
                                  "mailwizard first (or give the right file with --config)")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise Stop(EXIT_SETTINGS, f"the email settings file {path} cannot be read ({exc}): "
                                  "set up the email again with mailwizard")
    if not isinstance(data, dict) or data.get("schema_version") != SUPPORTED_SCHEMA:
        # A reader refuses versions it does not know; unknown keys within one are ignored.
        version = data.get("schema_version") if isinstance(data, dict) else None
        raise Stop(EXIT_SETTINGS, f"{path}: settings format {version!r} is not "
                                  f"{SUPPORTED_SCHEMA}; update this program")
    if not isinstance(data.get("profile"), dict):
        raise Stop(EXIT_SETTINGS, f"{path}: no profile in the settings file; set up the "
                                  "email again with mailwizard")
    return data


def safe_keyring():
    """The keyring module, once it is known to have a real back end (not none, not a file)."""
    try:
        import keyring
        from keyring.backends import chainer
    except ImportError:
        raise Stop(EXIT_KEYRING, "the Python package “keyring” is not installed for this "
                                 "program (pip install keyring)")
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # keyring raises several kinds while choosing a back end
        raise Stop(EXIT_KEYRING, f"no keyring can be used ({type(exc).__name__}). "
                                 + KEYRING_HELP)
    backends = list(backend.backends) if isinstance(backend, chainer.ChainerBackend) \
        else [backend]
    if not backends:
        raise Stop(EXIT_KEYRING, "no keyring is running for this user. " + KEYRING_HELP)
    for b in backends:
        name = f"{type(b).__module__}.{type(b).__name__}"
        if name.startswith(REFUSED_BACKENDS):
            kind = "a plain file anyone with the disk can read" if "keyrings.alt" in name \
                else "no keyring at all"
            raise Stop(EXIT_KEYRING, f"the only keyring available is {name} ({kind}); the "
                                     "password is never read from there. " + KEYRING_HELP)
    return keyring


def password_for(settings: dict) -> str | None:
    """The password from the keyring, by the reference in the settings file (never in it)."""
    ref = settings.get("secret")
    if ref is None:  # auth = "none": an IP-authenticated relay
        return None
    keyring = safe_keyring()
    from keyring.errors import KeyringError

    try:
        password = keyring.get_password(ref["service"], ref["username"])
    except KeyringError as exc:  # locked, dismissed prompt, no back end after all …
        detail = str(exc).split(". ")[0] or type(exc).__name__
        if "keyrings.alt" in detail:  # keyring's own text would suggest a plaintext file
            detail = type(exc).__name__
        raise Stop(EXIT_KEYRING, f"the keyring could not be read ({detail}). " + KEYRING_HELP)
    if not password:
        raise Stop(EXIT_KEYRING, f"no password in the keyring for {ref['service']} / "
                                 f"{ref['username']}: set up the email again with mailwizard "
                                 "(“My password changed”)")
    return password


def tls_context(profile: dict) -> ssl.SSLContext:
    """Verified TLS, as mailwizard's check did: the system's CAs plus the profile's CA file,
    TLS 1.2 or newer. With a pinned certificate, exactly that certificate instead."""
    ctx = ssl.create_default_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if profile.get("cafile"):
        ctx.load_verify_locations(cafile=profile["cafile"])
    if profile.get("pinned_sha256"):
        # The user trusted this one certificate explicitly: compare its fingerprint below.
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def check_pin(sock: ssl.SSLSocket, profile: dict) -> None:
    pin = profile.get("pinned_sha256", "").replace(":", "").lower()
    if pin and hashlib.sha256(sock.getpeercert(binary_form=True)).hexdigest() != pin:
        raise ssl.SSLError("the server's certificate is not the one that was trusted")


def login_once(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """One AUTH command, UTF-8 (smtplib.login() would try further mechanisms after a refusal,
    and providers lock accounts after a few failed logins; it also sends ASCII only)."""
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" in offered:
        blob = f"\0{user}\0{password}".encode("utf-8")
        code, reply = smtp.docmd("AUTH", "PLAIN " + base64.b64encode(blob).decode("ascii"))
    elif "LOGIN" in offered:
        smtp.docmd("AUTH", "LOGIN " + base64.b64encode(user.encode("utf-8")).decode("ascii"))
        code, reply = smtp.docmd(base64.b64encode(password.encode("utf-8")).decode("ascii"))
    else:
        raise smtplib.SMTPException("the server offers neither AUTH PLAIN nor AUTH LOGIN")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def recipients(to: str) -> list[str]:
    """The addresses in `to` ("a@x.org, Name <b@y.org>"), each checked as `mailwizard send`
    checks a To header; anything else stops before a connection is made. smtplib would send
    whatever it is given: "not an address" became RCPT TO:<not>."""
    from email import errors
    from email.headerregistry import HeaderRegistry

    def refuse(why: str) -> Stop:
        return Stop(EXIT_ADDRESS, f"the recipient {to!r} {why}; nothing was sent")

    if CONTROL.search(to):
        raise refuse("holds a line break or another control character")
    try:
        value = HeaderRegistry()("To", to)
        addresses = value.addresses
    except Exception:
        raise refuse("cannot be read as addresses") from None
    if [d for d in value.defects if not isinstance(d, (errors.ObsoleteHeaderDefect,
                                                       errors.NonASCIILocalPartDefect))]:
        raise refuse("is not an email address")
    found: list[str] = []
    for address in addresses:
        spec = address.addr_spec
        if not spec or not ADDR_SPEC.match(spec) or len(spec) > 254 \
                or CONTROL.search(address.display_name or ""):
            raise refuse("is not an email address")
        if spec not in found:
            found.append(spec)
    if not found:
        raise refuse("names no address")
    return found


def send(settings: dict, to: str, subject: str, body: str) -> None:
    rcpts = recipients(to)  # before the keyring is even asked
    profile = settings["profile"]
    if profile.get("service", "smtp") != "smtp":
        raise Stop(EXIT_SETTINGS, f"this example sends over SMTP; the profile is "
                                  f"{profile.get('service')!r} (see docs/INTEGRATION.md)")
    password = password_for(settings)
    host = profile["host"].encode("idna").decode("ascii")  # internationalised names
    port, security = int(profile["port"]), profile["security"]
    ctx = tls_context(profile) if security != "none" else None
    if security == "none" and password:
        raise Stop(EXIT_SETTINGS, "refusing to send a password without encryption")

    msg = EmailMessage()
    msg["From"] = formataddr((profile.get("display_name", ""), profile["from_address"]))
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=profile["from_address"].rpartition("@")[2])
    msg.set_content(body)

    if security == "tls":  # SSL/TLS from the first byte (usually 465)
        smtp = smtplib.SMTP_SSL(host, port, context=ctx, timeout=30)
    else:
        smtp = smtplib.SMTP(host, port, timeout=30)
    with smtp:
        smtp.ehlo()
        if security == "starttls":  # required: never fall back to plain text
            smtp.starttls(context=ctx)
            smtp.ehlo()
        if ctx is not None:
            check_pin(smtp.sock, profile)
        if password is not None:
            login_once(smtp, profile["username"], password)
        refused = smtp.send_message(msg, to_addrs=rcpts)
    if refused:  # some accepted, some not: say so, never "sent"
        raise Stop(EXIT_RECIPIENT_REFUSED, "the server refused "
                   + ", ".join(f"{a} ({c} {r.decode('utf-8', 'replace')})"
                               for a, (c, r) in refused.items())
                   + "; the message went only to the others")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--to", required=True)
    p.add_argument("--config", type=Path, default=None)
    p.add_argument("--subject", default="Invoice")
    p.add_argument("--body", default="Please find your invoice attached.")
    args = p.parse_args(argv)
    try:
        send(load_settings(args.config or default_config_path()), args.to, args.subject,
             args.body)
    except Stop as exc:
        print(f"not sent: {exc}", file=sys.stderr)
        return exc.code
    except smtplib.SMTPAuthenticationError as exc:
        reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        print(f"sending failed: the server refused the saved password ({exc.smtp_code} "
              f"{reply}). It was probably changed: store the new one with `mailwizard save "
              "--password-stdin` (or the wizard's “My password changed”).", file=sys.stderr)
        return EXIT_PASSWORD_REFUSED
    except smtplib.SMTPRecipientsRefused as exc:  # every recipient refused: nothing sent
        print("not sent: the server refused "
              + ", ".join(f"{a} ({c} {r.decode('utf-8', 'replace')})"
                          for a, (c, r) in exc.recipients.items()), file=sys.stderr)
        return EXIT_RECIPIENT_REFUSED
    except (OSError, smtplib.SMTPException) as exc:  # ssl.SSLError is an OSError
        print(f"sending failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"sent to {args.to}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
