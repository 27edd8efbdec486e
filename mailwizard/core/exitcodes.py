"""Exit codes of the `mailwizard` command, one per failing stage (like swaks), so that an
installer or a scheduled task can tell what went wrong without parsing text.

The table is part of the documented contract with the host ERP (README, docs/INTEGRATION.md)."""

from __future__ import annotations

from mailwizard.core.i18n import N_
from mailwizard.core.translated_words import TranslatedWords

OK = 0
INTERNAL_ERROR = 1
USAGE = 2  # argparse's own code for bad command-line words
INVALID_SETTINGS = 3
CONFIG_ERROR = 4
SECRET_STORE = 5
NOT_VALIDATED = 6
SIGN_IN_AGAIN = 7  # OAuth: the saved sign-in was revoked or expired
SCHEDULE = 8  # the scheduled check could not be installed or removed
MISSING_LIBRARY = 9  # the wizard: a system library Qt needs is not installed

RESOLVE = 20
CONNECT = 21
GREETING = 22
TLS = 23
AUTH = 24
SENDER = 25
RECIPIENT = 26
DATA = 27
NOTHING_FOUND = 29  # discovery: no settings could be found from the address
CANCELLED = 30

# `mailwizard deliverability`: the From domain's SPF/DKIM/DMARC for the sending service
RECORD_NEEDED = 40
WILL_BE_REJECTED = 41
NOT_CHECKED = 42  # an internal or reserved From domain: no public records to check

#: Which exit code a failure at each check stage gives.
BY_STAGE = {
    "settings": INVALID_SETTINGS,
    "token": AUTH,
    "resolve": RESOLVE,
    "connect": CONNECT,
    "greeting": GREETING,
    "ehlo": GREETING,
    "tls": TLS,
    "starttls": TLS,
    "ehlo_tls": TLS,
    "auth": AUTH,
    "mail_from": SENDER,
    "rcpt_to": RECIPIENT,
    "data": DATA,
    "rset": DATA,
    "quit": DATA,
    # Exchange (EWS)
    "ews_service": GREETING,
    "ews_login": AUTH,
    "ews_mailbox": SENDER,
    "ews_send": DATA,
}

#: What each exit code means (the --help epilog, --json "meaning", the report), in the
#: user's language when read.
DESCRIPTIONS = TranslatedWords({
    # Translators: the exit codes' meanings, in `mailwizard --help` and --json "meaning"
    OK: N_("success"),
    INTERNAL_ERROR: N_("unexpected internal error (a bug: please report it with "
                       "`mailwizard --debug`)"),
    USAGE: N_("wrong command-line usage"),
    INVALID_SETTINGS: N_("a setting is missing or invalid (the message names the field)"),
    CONFIG_ERROR: N_("the settings file cannot be read or written"),
    SECRET_STORE: N_("no safe keyring for the password (nothing was stored)"),
    NOT_VALIDATED: N_("refused to save settings that did not pass the test"),
    SIGN_IN_AGAIN: N_("the saved sign-in (OAuth) was revoked or has expired: sign in again with "
                      "Connect"),
    SCHEDULE: N_("the scheduled check could not be installed or removed"),
    MISSING_LIBRARY: N_("the wizard window cannot open: a system library is missing (the "
                        "message names the package to install)"),
    RESOLVE: N_("the server name could not be found (DNS)"),
    CONNECT: N_("no connection to the server and port"),
    GREETING: N_("connected, but the server did not greet or accept EHLO (wrong protocol or "
                 "port), or the address is not an Exchange web service"),
    TLS: N_("the secure connection failed (certificate, STARTTLS, port/security mismatch)"),
    AUTH: N_("sign-in refused (user name, password, app password, or policy)"),
    SENDER: N_("the From address was refused (Exchange: no such mailbox, or no right to send "
               "as it)"),
    RECIPIENT: N_("the test recipient was refused"),
    DATA: N_("the test message was refused"),
    NOTHING_FOUND: N_("no settings could be found from the address (discover, --discover)"),
    CANCELLED: N_("cancelled"),
    RECORD_NEEDED: N_("deliverability: a DNS record is needed (SPF, DKIM or DMARC of the From "
                      "domain)"),
    WILL_BE_REJECTED: N_("deliverability: mail from this address will be rejected"),
    NOT_CHECKED: N_("deliverability: not checked, the From address is on an internal or "
                    "reserved domain (no public DNS records)"),
})


def for_stage(stage: str, kind: str = "") -> int:
    if kind == "cancelled":
        return CANCELLED
    if kind == "sender_check":
        return SENDER  # the sender, asked for as a recipient of itself, was refused
    if kind == "implicit_tls_port":
        return TLS  # found at the greeting, but it is a security-setting problem
    if kind == "exchange_online":
        return INVALID_SETTINGS
    if kind.startswith("oauth_"):
        return {"oauth_invalid_grant": SIGN_IN_AGAIN, "oauth_not_configured": INVALID_SETTINGS,
                "oauth_invalid_client": INVALID_SETTINGS, "oauth_network": CONNECT,
                "oauth_tls": TLS, "oauth_cancelled": CANCELLED}.get(kind, AUTH)
    return BY_STAGE.get(stage, INTERNAL_ERROR)
