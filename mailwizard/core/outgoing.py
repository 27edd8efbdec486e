"""A message the ERP hands to `mailwizard send`: parsed from RFC 5322 bytes, given what a
well-formed message needs (From, Date, Message-ID), and its envelope (sender and every To, Cc
and Bcc recipient; the Bcc header itself never goes out over SMTP)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import formatdate, getaddresses, make_msgid

from mailwizard.core.profile import Profile


class MessageError(ValueError):
    """The message cannot be sent as given; the text says what to change."""


@dataclass
class Outgoing:
    envelope_from: str
    recipients: list[str]
    #: what goes on the wire by SMTP (no Bcc header)
    data: bytes = field(repr=False)
    #: the same with the Bcc header, for Exchange (it reads Bcc from the MIME content)
    data_with_bcc: bytes = field(repr=False)
    message_id: str = ""
    subject: str = ""


def prepare(raw: bytes, profile: Profile) -> Outgoing:
    from email import policy
    from email.parser import BytesParser

    if not raw.strip():
        raise MessageError("the message on standard input is empty")
    msg = BytesParser(policy=policy.SMTPUTF8).parsebytes(raw)
    if msg.defects and not msg.keys():
        raise MessageError("standard input is not an email message (RFC 5322)")
    recipients: list[str] = []
    for header in ("To", "Cc", "Bcc"):
        for _, addr in getaddresses([str(v) for v in msg.get_all(header, [])]):
            if addr and addr not in recipients:
                if "@" not in addr:
                    raise MessageError(f"{header}: “{addr}” is not an email address")
                recipients.append(addr)
    if not recipients:
        raise MessageError("the message has no To, Cc or Bcc recipient")
    if msg["From"] is None:
        from email.headerregistry import Address

        msg["From"] = Address(profile.display_name, addr_spec=profile.from_address) \
            if profile.display_name else profile.from_address
    if msg["Date"] is None:
        msg["Date"] = formatdate(localtime=True)
    if msg["Message-ID"] is None:
        domain = profile.from_address.rpartition("@")[2] or None
        msg["Message-ID"] = make_msgid(domain=domain)
    with_bcc = msg.as_bytes()
    del msg["Bcc"]
    return Outgoing(envelope_from=profile.from_address, recipients=recipients,
                    data=msg.as_bytes(), data_with_bcc=with_bcc,
                    message_id=str(msg["Message-ID"]), subject=str(msg["Subject"] or ""))
