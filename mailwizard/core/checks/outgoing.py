"""A message the ERP hands to `mailwizard send`: parsed from RFC 5322 bytes, given what a
well-formed message needs (From, Date, Message-ID), and its envelope (sender and every To, Cc
and Bcc recipient; the Bcc header itself never goes out over SMTP).

Header safety, whatever the Python patch level (the CVE-2024-6923 class: the email package
refolding a decoded header into new header lines):
- the headers the ERP wrote are passed through as they came (never decoded and refolded);
- a header whose decoded value holds a line break or another control character is refused,
  naming the header, instead of being sent;
- recipients come from parsed addresses only, each checked;
- the bytes that go out are parsed once more and must carry exactly the expected headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import formatdate, make_msgid

from mailwizard.core.i18n import _
from mailwizard.core.profile import Profile

#: What `send` reads from standard input at the most (providers cap messages at 25-50 MB).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024

_ADDRESS_HEADERS = ("To", "Cc", "Bcc")
# Control characters other than TAB (C0, DEL, C1) and the Unicode line/paragraph separators.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
# RFC 5322 field names: printable ASCII except the colon.
_FIELD_NAME = re.compile(r"[!-9;-~]+\Z")
# What an addr-spec may hold here: no white space, no control character, no angle brackets.
_ADDR_SPEC = re.compile(r"[^\s<>()\[\]\\,;:\x00-\x1f\x7f]+@[^\s<>()\\,;:@\x00-\x1f\x7f]+\Z")


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


def _policy():
    from email import policy

    # refold_source="none": the ERP's own header lines go out exactly as they came in.
    return policy.SMTPUTF8.clone(refold_source="none")


def _shown(text: str, limit: int = 60) -> str:
    """A header value as it may be quoted in an error: control characters made visible."""
    text = _CONTROL.sub(lambda m: "\\x%02x" % ord(m.group()) if ord(m.group()) < 256
                        else "\\u%04x" % ord(m.group()), text)
    return text if len(text) <= limit else text[:limit] + "…"


def _decoded(msg, name: str, index: int):
    """The header object of the index-th `name` header; MessageError if it cannot be parsed."""
    try:
        return msg.get_all(name)[index]
    except Exception as exc:  # the email package raises many kinds on broken headers
        raise MessageError(_("the {header} header cannot be read ({error}); correct it in the "
                             "message").format(header=name, error=type(exc).__name__)) from None


#: RFC 5322 2.1.1: a line is at most 998 characters (mail servers refuse longer ones).
MAX_LINE = 998


def _check_lines(raw: bytes, msg) -> None:
    # Every line of the header block, read as the wire will: a header start or a folded
    # continuation. The email package drops or moves some broken lines silently.
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    if b"\r" in head:  # a lone CR ends a line for some readers and not for others
        number = head[:head.index(b"\r")].count(b"\n") + 1
        raise MessageError(_("line {number} of the headers holds a lone carriage return (CR): "
                             "it could split the header in two on the way, so the message was "
                             "not sent").format(number=number))
    if head:
        for number, line in enumerate(head.split(b"\n"), 1):
            name = line.split(b":", 1)[0]
            if line[:1] not in (b" ", b"\t") and (b":" not in line or
                                                  not _FIELD_NAME.match(name.decode("latin-1"))):
                raise MessageError(_(
                    "line {number} of the headers is not a header (“{line}”): every header "
                    "line is “Name: value”, with no spaces in the name, and a blank line ends "
                    "the headers").format(number=number,
                                          line=_shown(line.decode("utf-8", "replace"))))
    for number, line in enumerate(raw.replace(b"\r\n", b"\n").split(b"\n"), 1):
        if len(line) > MAX_LINE:
            raise MessageError(_(
                "line {number} of the message is {length} characters long; mail servers "
                "refuse lines over {limit}. Break the text into lines, or send that part "
                "encoded (quoted-printable or base64)").format(number=number, length=len(line),
                                                               limit=MAX_LINE))


def _check_headers(msg) -> list[str]:
    names: list[str] = []
    for name, raw_value in msg.raw_items():
        if not _FIELD_NAME.match(name):
            raise MessageError(_("the header name “{header}” is not allowed in an email").format(
                header=_shown(name)))
        _utf8(name, raw_value)
        index = sum(1 for n in names if n.lower() == name.lower())
        value = _utf8(name, str(_decoded(msg, name, index)))
        bad = _CONTROL.search(value)
        if bad:
            shown = _shown(value[max(0, bad.start() - 30):bad.start() + 30])
            if bad.group() in "\r\n\u2028\u2029":
                text = _("the {header} header holds a line break once decoded (“{text}”): it "
                         "could add headers the ERP never wrote, so the message was not sent. "
                         "Remove it from the {header}")
            else:
                text = _("the {header} header holds a control character once decoded "
                         "(“{text}”): it could add headers the ERP never wrote, so the message "
                         "was not sent. Remove it from the {header}")
            raise MessageError(text.format(header=name, text=shown))
        names.append(name)
    return names


def _utf8(header: str, text: str) -> str:
    """Raw 8-bit header bytes reach us as surrogates: read them as UTF-8 (RFC 6532)."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        raise MessageError(_("the {header} header is not UTF-8 text; write it in UTF-8 or "
                             "encode it (RFC 2047)").format(header=header)) from None


def _check_address(header: str, addr) -> str:
    spec = addr.addr_spec
    if not spec:
        raise MessageError(_("{header}: an address is empty").format(header=header))
    if _CONTROL.search(spec) or not _ADDR_SPEC.match(spec) or len(spec) > 254:
        raise MessageError(_("{header}: “{address}” is not an email address").format(
            header=header, address=_shown(spec)))
    if _CONTROL.search(addr.display_name or ""):
        raise MessageError(_("{header}: the name beside {address} holds a line break or a "
                             "control character").format(header=header, address=spec))
    return spec


def _recipients(msg) -> list[str]:
    from email import errors
    from email.headerregistry import HeaderRegistry

    parse = HeaderRegistry()
    wanted = {h.lower(): h for h in _ADDRESS_HEADERS}
    recipients: list[str] = []
    # From the raw lines, read as UTF-8 first (RFC 6532), so that internationalised
    # addresses parse as text rather than as undecodable bytes.
    for raw_name, raw_value in msg.raw_items():
        header = wanted.get(raw_name.lower())
        if header is None:
            continue
        text = "".join(_utf8(header, raw_value).splitlines())
        try:
            value = parse(header, text)
            addresses = value.addresses
        except Exception:
            raise MessageError(_("the {header} header cannot be read as addresses; correct it "
                                 "in the message").format(header=header)) from None
        broken = [d for d in value.defects
                  if not isinstance(d, (errors.ObsoleteHeaderDefect,
                                        errors.NonASCIILocalPartDefect))]
        if broken:
            raise MessageError(_("the {header} header has an address that cannot be read "
                                 "({problem}): “{text}”").format(header=header,
                                                                problem=broken[0],
                                                                text=_shown(text)))
        for addr in addresses:
            spec = _check_address(header, addr)
            if spec not in recipients:
                recipients.append(spec)
    return recipients


def _serialise(msg) -> bytes:
    try:
        return msg.as_bytes(policy=_policy())
    except Exception as exc:
        raise MessageError(_("the message cannot be written out for sending ({error}); check "
                             "its headers").format(error=type(exc).__name__)) from None


def _verify_wire(data: bytes, expected: list[str]) -> None:
    """Parse what will be sent and insist on the very headers we meant to send."""
    from email.parser import BytesHeaderParser

    sent = BytesHeaderParser(policy=_policy()).parsebytes(data)
    got = [n.lower() for n in sent.keys()]
    if got != [n.lower() for n in expected]:
        extra = sorted(set(got) - {n.lower() for n in expected})
        if extra:
            raise MessageError(_("the message's headers would change on the way out (new: "
                                 "{headers}); it was not sent").format(
                headers=", ".join(_shown(x) for x in extra)))
        raise MessageError(_("the message's headers would change on the way out; it was not "
                             "sent"))


def prepare(raw: bytes, profile: Profile) -> Outgoing:
    from email.parser import BytesParser

    if len(raw) > MAX_MESSAGE_BYTES:
        raise MessageError(_("the message is larger than {size} MB; mail services refuse "
                             "messages of this size").format(
            size=MAX_MESSAGE_BYTES // (1024 * 1024)))
    if not raw.strip():
        raise MessageError(_("the message on standard input is empty"))
    msg = BytesParser(policy=_policy()).parsebytes(raw)
    if msg.defects and not msg.keys():
        raise MessageError(_("standard input is not an email message (RFC 5322)"))
    _check_lines(raw, msg)
    names = _check_headers(msg)
    recipients = _recipients(msg)
    if not recipients:
        raise MessageError(_("the message has no To, Cc or Bcc recipient"))
    if msg["From"] is None:
        from email.errors import HeaderDefect
        from email.headerregistry import Address

        try:
            msg["From"] = Address(profile.display_name, addr_spec=profile.from_address) \
                if profile.display_name else profile.from_address
        except (ValueError, TypeError, HeaderDefect):  # settings no check let through
            raise MessageError(_("the saved From address or display name cannot be written "
                                 "as a From header; correct them in the settings")) from None
        names.append("From")
    if msg["Date"] is None:
        msg["Date"] = formatdate(localtime=True)
        names.append("Date")
    if msg["Message-ID"] is None:
        domain = profile.from_address.rpartition("@")[2] or None
        msg["Message-ID"] = make_msgid(domain=domain.encode("idna").decode()
                                       if domain and not domain.isascii() else domain)
        names.append("Message-ID")
    with_bcc = _serialise(msg)
    _verify_wire(with_bcc, names)
    del msg["Bcc"]
    data = _serialise(msg)
    _verify_wire(data, [n for n in names if n.lower() != "bcc"])
    return Outgoing(envelope_from=profile.from_address, recipients=recipients,
                    data=data, data_with_bcc=with_bcc,
                    message_id=str(msg["Message-ID"]), subject=str(msg["Subject"] or ""))
