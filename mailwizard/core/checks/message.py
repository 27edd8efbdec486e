"""The test message a check sends: a real, well-formed message saying the ERP's settings work
(SMTPUTF8 for internationalised addresses)."""

from __future__ import annotations

from email.utils import formataddr, formatdate, make_msgid

from mailwizard import __version__
from mailwizard.core.i18n import _
from mailwizard.core.profile import Profile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from email.message import Message


def test_message_body(profile: Profile) -> str:
    from mailwizard.core.profile import ServiceType

    # The message is read by a person (often the user): in the user's language, one line or
    # paragraph per sentence; the setting values stay as they are.
    # Translators: the lines of the test message's list of settings keep their labels aligned
    if profile.service is ServiceType.EXCHANGE:
        server = "  " + _("Server:   Microsoft Exchange, {address}").format(
            address=profile.ews_url) + "\n"
    else:
        server = ("  " + _("Server:   {host}, port {port}").format(host=profile.host,
                                                                port=profile.port) + "\n"
                  + "  " + _("Security: {security}").format(security=profile.security.value)
                  + "\n")
    return (
        _("Hello,") + "\n\n"
        + _("this is a test message from the email settings of your accounting or ERP program.\n"
            "If you can read it, the program can send invoices, reminders and statements with\n"
            "these settings:") + "\n\n"
        + server
        + "  " + _("Sender:   {address}").format(address=profile.from_address) + "\n\n"
        + _("You do not need to reply.") + "\n"
    )


def build_test_message(profile: Profile, to: str) -> Message:
    """A real, well-formed message saying the ERP's settings work.

    ASCII addresses: compat32 MIMEText, the same RFC 5322 output as EmailMessage at a
    fraction of the cost (non-ASCII display names are RFC 2047-encoded). Internationalised
    addresses: EmailMessage, sent with SMTPUTF8 (see message_bytes)."""
    body = test_message_body(profile)
    if profile.from_address.isascii() and to.isascii():
        from email.mime.text import MIMEText  # only when a test message is built

        msg: Message = MIMEText(body, "plain", "us-ascii" if body.isascii() else "utf-8")
        msg["From"] = formataddr((profile.display_name, profile.from_address)) \
            if profile.display_name else profile.from_address
    else:  # email.policy and its header parser only here: ≈ 5 ms of start-up otherwise
        import email.policy
        from email.headerregistry import Address
        from email.message import EmailMessage

        msg = EmailMessage(policy=email.policy.SMTPUTF8)
        msg.set_content(body)
        # username/domain, not addr_spec: the parser behind addr_spec refuses a non-ASCII
        # local part, which SMTPUTF8 (RFC 6531) allows.
        local, _sep, domain = profile.from_address.rpartition("@")
        msg["From"] = Address(profile.display_name, username=local, domain=domain)
        to_local, _sep, to_domain = to.rpartition("@")
        to = Address(username=to_local, domain=to_domain)
    msg["To"] = to
    msg["Subject"] = _("Test message: your email settings work")
    msg["Date"] = formatdate(localtime=True)
    domain = profile.from_address.rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(domain=domain.encode("idna").decode() if domain else None)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Mailer"] = f"mailwizard {__version__}"
    return msg


def message_bytes(msg: Message) -> bytes:
    """The message as it goes after DATA: every line ended by CRLF. smtplib sends bytes as
    they are, and a bare LF is refused by strict servers (Postfix 3.9's default, aiosmtpd:
    "500 Line too long" once the message passes 1,000 bytes, as a Hindi one does)."""
    from email.message import EmailMessage

    if isinstance(msg, EmailMessage):
        import email.policy

        return msg.as_bytes(policy=email.policy.SMTPUTF8)  # linesep CRLF
    # compat32 writes LF; the text it writes holds no CR of its own (headers and a base64 or
    # 7-bit body we made), so every LF becomes CRLF
    return msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
