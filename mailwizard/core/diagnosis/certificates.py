"""A refused or changed certificate in words, for SMTP and Exchange alike: the certificate
rules and `diagnose_certificate`, which both halves of the diagnosis ask first."""

from __future__ import annotations

import functools
from dataclasses import asdict
from typing import TYPE_CHECKING, Callable

from mailwizard.core.diagnosis.common import _same_site
from mailwizard.core.diagnosis.meaning import NEEDS_PERSON
from mailwizard.core.diagnosis.rules import Facts, Rule, When, diagnose_by
from mailwizard.core.i18n import N_
from mailwizard.core.profile import Profile

if TYPE_CHECKING:
    from mailwizard.core.checks.result import CheckFailure
    from mailwizard.core.diagnosis.common import Diagnosis


class CertificateFacts(Facts):
    """The failure's certificate, its reason and whose server it is (`ews`: the Exchange
    server's, else the mail server's: each sentence is written out whole for each)."""

    def __init__(self, failure: CheckFailure, host: str, ews: bool) -> None:
        # No certificate rule asks about the settings: the server is `host`.
        super().__init__(failure, Profile())
        self.host, self.ews = host, ews
        #: the TLS library's reason, lower case
        self.reason = (failure.ssl_reason or failure.message).lower()

    @property
    def name_mismatch(self) -> bool:
        return "mismatch" in self.reason or "doesn't match" in self.reason

    @property
    def expired(self) -> bool:
        return "expired" in self.reason

    @property
    def missing_issuer(self) -> bool:
        return "unable to get local issuer" in self.reason

    @property
    def names(self) -> list[str]:
        """The names the certificate is for (none when it is unknown)."""
        cert = self.failure.certificate
        return list(cert.names) if cert and cert.names else []

    @functools.cached_property
    def same_site_names(self) -> list[str]:
        """Names on the certificate that may be offered as a change: whole names (no wildcard,
        no address) in the domain the user typed (see `common._same_site`)."""
        return [n for n in self.names if "*" not in n and not n[0].isdigit()
                and _same_site(n, self.host)]

    def values(self) -> dict[str, str]:
        return {"host": self.host, "names": ", ".join(self.names)}


_VERIFY = ("tls_verify",)


def _when(kinds: tuple[str, ...], ews: bool, facts: tuple[str, ...] = ()) -> When:
    """A failure of `kinds` with these `facts`, at the Exchange server (`ews`) or the mail
    server."""
    return When(kinds=kinds, facts=(("ews",) if ews else ()) + facts,
                not_facts=() if ews else ("ews",))


_NAME_FIX = N_("Use the server name written on the certificate.")
_CAREFUL_NAME_FIX = N_("Use the server name written on the certificate, but only if your "
                       "provider or IT confirms it: the certificate could also belong to "
                       "someone else.")
_ISSUER_MISSING = N_("If the certificate is from a public authority, the server is not "
                     "sending its full certificate chain (the intermediate certificate is "
                     "missing): only its administrator can fix that. Do not trust the "
                     "certificate to work around it.")
_CHANGED_FIX = N_("Ask IT to confirm the new certificate's fingerprint before trusting it.")


def _issuer_missing(facts: CertificateFacts) -> dict | None:
    # The certificate names an issuer this computer does not have: a private authority, or
    # (as often) a server that leaves out its intermediate certificate, which the client
    # cannot then link to a trusted root.
    return {} if facts.missing_issuer else None


#: The certificate rules, in the order they are tried. A name on the certificate in the typed
#: domain is offered as a change by the caller (`diagnose_certificate`'s `suggest_name`).
CERTIFICATE_RULES: tuple[Rule, ...] = (
    # -- the certificate is for another name
    Rule("ews_certificate_name_offered",
         _when(_VERIFY, True, ("name_mismatch", "same_site_names")),
         "certificate_name_mismatch",
         N_("The Exchange server's certificate is for {names}, not for “{host}”."),
         _NAME_FIX, NEEDS_PERSON),
    Rule("ews_certificate_names_elsewhere", _when(_VERIFY, True, ("name_mismatch", "names")),
         "certificate_name_mismatch",
         N_("The Exchange server's certificate is for {names}, not for “{host}”."),
         _CAREFUL_NAME_FIX, NEEDS_PERSON),
    Rule("ews_certificate_names_unknown", _when(_VERIFY, True, ("name_mismatch",)),
         "certificate_name_mismatch",
         N_("The Exchange server's certificate is for other names, not for “{host}”."),
         _CAREFUL_NAME_FIX, NEEDS_PERSON),
    Rule("mail_certificate_name_offered",
         _when(_VERIFY, False, ("name_mismatch", "same_site_names")),
         "certificate_name_mismatch",
         N_("The mail server's certificate is for {names}, not for “{host}”."),
         _NAME_FIX, NEEDS_PERSON),
    Rule("mail_certificate_names_elsewhere", _when(_VERIFY, False, ("name_mismatch", "names")),
         "certificate_name_mismatch",
         N_("The mail server's certificate is for {names}, not for “{host}”."),
         _CAREFUL_NAME_FIX, NEEDS_PERSON),
    Rule("mail_certificate_names_unknown", _when(_VERIFY, False, ("name_mismatch",)),
         "certificate_name_mismatch",
         N_("The mail server's certificate is for other names, not for “{host}”."),
         _CAREFUL_NAME_FIX, NEEDS_PERSON),
    # -- out of date
    Rule("ews_certificate_expired", _when(_VERIFY, True, ("expired",)), "certificate_expired",
         N_("The Exchange server's security certificate has expired."),
         N_("The Exchange server's administrator must renew its certificate. Until then, do "
            "not send through it."), NEEDS_PERSON),
    Rule("mail_certificate_expired", _when(_VERIFY, False, ("expired",)), "certificate_expired",
         N_("The mail server's security certificate has expired."),
         N_("The mail server's administrator must renew its certificate. Until then, do not "
            "send through it."), NEEDS_PERSON),
    # -- from an authority this computer does not trust (any other refusal)
    Rule("ews_certificate_untrusted", _when(_VERIFY, True), "certificate_untrusted",
         N_("The Exchange server's security certificate is not from an authority this "
            "computer trusts (it may be self-signed, or issued by your organisation's own "
            "authority)."),
         N_("If your organisation runs its own Exchange server, ask IT for its CA certificate "
            "file and add it as the CA certificate file. Or, only after IT has confirmed the "
            "SHA-256 fingerprint shown, choose to trust this one certificate."), NEEDS_PERSON,
         fix_more=_ISSUER_MISSING, more_values=_issuer_missing),
    Rule("mail_certificate_untrusted", _when(_VERIFY, False), "certificate_untrusted",
         N_("The mail server's security certificate is not from an authority this computer "
            "trusts (it may be self-signed, or issued by your organisation's own authority)."),
         N_("If your organisation runs its own mail server, ask IT for its CA certificate "
            "file and add it under Advanced. Or, only after IT has confirmed the SHA-256 "
            "fingerprint shown, choose to trust this one certificate."), NEEDS_PERSON,
         fix_more=_ISSUER_MISSING, more_values=_issuer_missing),
    # -- not the one the user chose to trust
    Rule("ews_certificate_changed", _when(("pin_mismatch",), True), "certificate_changed",
         N_("The Exchange server's certificate is not the one you chose to trust. It may have "
            "been renewed, or someone may be intercepting the connection."),
         _CHANGED_FIX, NEEDS_PERSON),
    Rule("mail_certificate_changed", _when(("pin_mismatch",), False), "certificate_changed",
         N_("The mail server's certificate is not the one you chose to trust. It may have been "
            "renewed, or someone may be intercepting the connection."),
         _CHANGED_FIX, NEEDS_PERSON),
)


def diagnose_certificate(d: Diagnosis, f: CheckFailure, host: str, who: str, ca_where: str,
                         suggest_name: Callable[[str], None]) -> bool:
    """Fill `d` for a refused or changed certificate (True), for SMTP and Exchange alike. A
    name from the certificate is offered (`suggest_name`) only within the typed domain.
    `who` is "mail server" or "Exchange server" (`ca_where` is implied by it): each sentence
    is written out whole for each, so that it can be translated."""
    facts = CertificateFacts(f, host, ews=who == "Exchange server")
    rule = diagnose_by(CERTIFICATE_RULES, d, facts)
    if rule is None:
        return False
    if f.certificate:
        d.certificate = asdict(f.certificate)
    if rule.code == "certificate_name_mismatch" and facts.same_site_names:
        suggest_name(facts.same_site_names[0])
    return True
