"""What the SMTP and Exchange halves of the diagnosis share: the `Diagnosis` itself, the
stages in words, suggestions and the certificate paragraph."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Callable

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


def diagnose_certificate(d: Diagnosis, f: CheckFailure, host: str, who: str, ca_where: str,
                         suggest_name: Callable[[str], None]) -> bool:
    """Fill `d` for a refused or changed certificate (True), for SMTP and Exchange alike. A
    name from the certificate is offered (`suggest_name`) only within the typed domain.
    `who` is "mail server" or "Exchange server" (`ca_where` is implied by it): each sentence
    is written out whole for each, so that it can be translated."""
    ews = who == "Exchange server"
    if f.kind == "tls_verify":
        reason = (f.ssl_reason or f.message).lower()
        cert = f.certificate
        if cert:
            d.certificate = asdict(cert)
        if "mismatch" in reason or "doesn't match" in reason:
            d.code = "certificate_name_mismatch"
            if cert and cert.names:
                names = ", ".join(cert.names)
                d.cause = (_("The Exchange server's certificate is for {names}, not for "
                             "“{host}”.") if ews else
                           _("The mail server's certificate is for {names}, not for “{host}”.")
                           ).format(names=names, host=host)
            else:
                d.cause = (_("The Exchange server's certificate is for other names, not for "
                             "“{host}”.") if ews else
                           _("The mail server's certificate is for other names, not for "
                             "“{host}”.")).format(host=host)
            d.fix = _("Use the server name written on the certificate.")
            exact = [n for n in (cert.names if cert else []) if "*" not in n
                     and not n[0].isdigit() and _same_site(n, host)]
            if exact:
                suggest_name(exact[0])
            else:
                d.fix = _("Use the server name written on the certificate, but only if your "
                          "provider or IT confirms it: the certificate could also belong "
                          "to someone else.")
        elif "expired" in reason:
            d.code = "certificate_expired"
            if ews:
                d.cause = _("The Exchange server's security certificate has expired.")
                d.fix = _("The Exchange server's administrator must renew its certificate. "
                          "Until then, do not send through it.")
            else:
                d.cause = _("The mail server's security certificate has expired.")
                d.fix = _("The mail server's administrator must renew its certificate. Until "
                          "then, do not send through it.")
        else:
            d.code = "certificate_untrusted"
            if ews:
                d.cause = _("The Exchange server's security certificate is not from an "
                            "authority this computer trusts (it may be self-signed, or issued "
                            "by your organisation's own authority).")
                d.fix = _("If your organisation runs its own Exchange server, ask IT for its CA "
                          "certificate file and add it as the CA certificate file. Or, only "
                          "after IT has confirmed the SHA-256 fingerprint shown, choose to "
                          "trust this one certificate.")
            else:
                d.cause = _("The mail server's security certificate is not from an authority "
                            "this computer trusts (it may be self-signed, or issued by your "
                            "organisation's own authority).")
                d.fix = _("If your organisation runs its own mail server, ask IT for its CA "
                          "certificate file and add it under Advanced. Or, only after IT has "
                          "confirmed the SHA-256 fingerprint shown, choose to trust this one "
                          "certificate.")
            if "unable to get local issuer" in reason:
                # The certificate names an issuer this computer does not have: a private
                # authority, or (as often) a server that leaves out its intermediate
                # certificate, which the client cannot then link to a trusted root.
                d.fix += " " + _("If the certificate is from a public authority, the server is "
                                 "not sending its full certificate chain (the intermediate "
                                 "certificate is missing): only its administrator can fix "
                                 "that. Do not trust the certificate to work around it.")
        return True
    if f.kind == "pin_mismatch":
        d.code = "certificate_changed"
        d.cause = (_("The Exchange server's certificate is not the one you chose to trust. It "
                     "may have been renewed, or someone may be intercepting the connection.")
                   if ews else
                   _("The mail server's certificate is not the one you chose to trust. It may "
                     "have been renewed, or someone may be intercepting the connection."))
        d.fix = _("Ask IT to confirm the new certificate's fingerprint before trusting it.")
        if f.certificate:
            d.certificate = asdict(f.certificate)
        return True
    return False
