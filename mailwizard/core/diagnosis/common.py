"""What the SMTP and Exchange halves of the diagnosis share: the `Diagnosis` itself, the
stages in words and suggestions (the certificate rules are in `certificates`)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from mailwizard.core.checks.smtp import CheckFailure
from mailwizard.core.i18n import N_, _
from mailwizard.core.profile import SECURITY_WORDS, AuthMethod, Profile, Security, TranslatedWords

M365_SMTP_AUTH_HELP = "https://aka.ms/smtp_auth_disabled"


GOOGLE_APP_PASSWORDS = "https://myaccount.google.com/apppasswords"


GOOGLE_APP_PASSWORD_HELP = "https://support.google.com/accounts/answer/185833"


@dataclass
class Diagnosis:
    stage: str
    code: str
    cause: str
    fix: str
    help_url: str = ""
    #: Profile changes that would fix it, e.g. {"security": "tls"}; None when no setting would.
    suggestion: dict[str, Any] | None = None
    #: The same change in words, for a button ("Use SSL/TLS on port 465").
    suggestion_text: str = ""
    #: The server's own words, for IT (never shown as the headline).
    server_reply: str = ""
    #: Only for untrusted certificates: what the user is asked to trust explicitly.
    certificate: dict[str, Any] | None = None
    group: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: The check's stages in the words a user reads (in the user's language when looked up).
#: Each is said after "while": "The server stopped answering while {step}."
STAGE_WORDS = TranslatedWords({
    # Translators: the check's steps. Each is used in a sentence after "while", e.g. "The
    # server stopped answering while {step}." Translate so it reads well in those sentences.
    "resolve": N_("looking up the server"), "connect": N_("connecting"),
    "tls": N_("setting up encryption"), "greeting": N_("waiting for the server's welcome"),
    "ehlo": N_("greeting the server"), "starttls": N_("switching on encryption"),
    "ehlo_tls": N_("greeting the server after encryption"), "auth": N_("signing in"),
    "mail_from": N_("giving the sender's address"), "rcpt_to": N_("giving the test recipient"),
    "data": N_("sending the test message"), "quit": N_("saying goodbye"),
    "settings": N_("checking"),
    "ews_service": N_("asking for Exchange web services"),
    "ews_login": N_("signing in to Exchange"),
    "ews_mailbox": N_("opening the mailbox"), "ews_send": N_("sending the test message"),
    "token": N_("getting a sign-in token"),
})


def _words(stage: str) -> str:
    """The stage in the user's words and language (the stage's name when it has none)."""
    return STAGE_WORDS.get(stage, stage)


def stage_words(stage: str) -> str:
    """What the check was doing at `stage`, in the user's language ("signing in")."""
    return _words(stage)


def _same_site(candidate: str, typed: str) -> bool:
    """Is `candidate` in the same domain as the host the user typed? (e.g. smtp.example.org
    for mail.example.org). A name read from an unverified certificate is only offered as a
    one-click change when it is: otherwise an attacker's valid certificate for their own
    domain would get the password sent there."""
    labels = typed.lower().rstrip(".").split(".")
    if len(labels) < 3 or all(x.isdigit() for x in labels):
        return False
    parent = ".".join(labels[1:])
    return candidate.lower().endswith("." + parent)


_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


def _enhanced_code(reply: str) -> str:
    m = _ENHANCED.search(reply)
    return m.group(0) if m else ""


def _sec_label(security: Security | str, port: int | None = None) -> str:
    word = SECURITY_WORDS[Security(security)]
    # Translators: e.g. "STARTTLS on port 587"
    return _("{security} on port {port}").format(security=word, port=port) if port else word


def _suggest(d: Diagnosis, profile: Profile, **changes: Any) -> None:
    """Attach a suggestion only if it actually changes something."""
    changes = {k: v for k, v in changes.items() if getattr(profile, k) != v}
    if not changes:
        return
    d.suggestion = {k: (v.value if hasattr(v, "value") else v) for k, v in changes.items()}
    # Translators: the suggestions are button texts; several are joined with "; ".
    parts = []
    if "security" in changes or "port" in changes:
        security = SECURITY_WORDS[Security(changes.get("security", profile.security))]
        port = changes.get("port", profile.port)
        parts.append(_("Use {security} on port {port}").format(security=security, port=port)
                     if port else _("Use {security}").format(security=security))
    if "host" in changes:
        parts.append(_("Connect to {host}").format(host=changes["host"]))
    if "from_address" in changes:
        parts.append(_("Send from {address}").format(address=changes["from_address"]))
    if "auth" in changes:
        parts.append(_("Sign in with a password") if changes["auth"] == AuthMethod.PASSWORD
                     else _("Do not sign in"))
    if "ews_url" in changes:
        parts.append(_("Use {address}").format(address=changes["ews_url"]))
    if "ews_auth" in changes:
        parts.append(_("Use Basic sign-in") if str(getattr(changes["ews_auth"], "value",
                                                              changes["ews_auth"])) == "basic"
                     else _("Use Windows (NTLM) sign-in"))
    d.suggestion_text = "; ".join(parts)
