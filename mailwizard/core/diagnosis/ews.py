"""Exchange (EWS) failures in words: the EWS half of `diagnosis.diagnose()`, as a table of
rules (`EWS_RULES`, read by the matcher in `diagnosis/rules.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from mailwizard.core.checks.ews import EXCHANGE_ONLINE_NOTICE
from mailwizard.core.diagnosis.certificates import diagnose_certificate
from mailwizard.core.diagnosis.common import _same_site, _suggest
from mailwizard.core.diagnosis.meaning import NEEDS_PERSON, TEMPORARY
from mailwizard.core.diagnosis.rules import Facts, Rule, When, diagnose_by
from mailwizard.core.i18n import N_, _
from mailwizard.core.profile import EwsAuth, Profile, normalise_ews_url

if TYPE_CHECKING:
    from mailwizard.core.checks.result import CheckFailure
    from mailwizard.core.diagnosis.common import Diagnosis

EWS_AUTH_HELP = ("https://learn.microsoft.com/en-us/exchange/client-developer/"
                 "exchange-web-services/authentication-and-ews-in-exchange")
EWS_THROTTLING_HELP = ("https://learn.microsoft.com/en-us/exchange/client-developer/"
                       "exchange-web-services/ews-throttling-in-exchange")
EXCHANGE_ONLINE_HELP = "https://aka.ms/smtp_auth_disabled"


def _endpoint(p: Profile) -> tuple[str, str, int]:
    try:
        url = normalise_ews_url(p.ews_url)
        host, port = p.ews_host_port
    except ValueError:
        return p.ews_url, p.ews_url, 443
    return url, host, port


def _with_host(url: str, host: str) -> str:
    parts = urlsplit(url)
    netloc = host if parts.port in (None, 443) else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


class EwsFacts(Facts):
    """What the Exchange rules test: the failure, and the EWS address the profile names."""

    def __init__(self, failure: CheckFailure, profile: Profile) -> None:
        super().__init__(failure, profile)
        self.url, self.host, self.port = _endpoint(profile)

    @property
    def online(self) -> bool:
        """Is it Exchange Online (Microsoft 365), where EWS is being switched off?"""
        return self.profile.is_exchange_online

    @property
    def ntlm(self) -> bool:
        return self.profile.ews_auth is EwsAuth.NTLM

    @property
    def reply_given(self) -> bool:
        return bool(self.failure.reply)

    @property
    def offered(self) -> str:
        """The sign-in methods the server offers, as it named them."""
        # Translators: {offered} lists sign-in methods, e.g. "negotiate, ntlm"
        return self.failure.reply or _("nothing")

    @property
    def other_sign_in_offered(self) -> bool:
        """Does the server offer the sign-in method the profile does not use?"""
        if self.ntlm:
            return "basic" in self.offered
        return "ntlm" in self.offered or "negotiate" in self.offered

    def values(self) -> dict[str, Any]:
        return {**super().values(), "host": self.host, "port": self.port,
                "reply": self.failure.reply}


def _standard_port(facts: EwsFacts) -> dict[str, Any] | None:
    """The same address on the standard HTTPS port, when another port was typed."""
    if facts.port == 443:
        return None
    return {"ews_url": _with_host(facts.url.replace(f":{facts.port}", ""), facts.host)}


def _redirect_target(facts: EwsFacts) -> dict[str, Any] | None:
    """The address the server sends visitors to, when it is HTTPS on the typed server or in
    its domain (anything else is only named, never offered as a change)."""
    target = facts.failure.reply or ""
    if not target.startswith("https://"):
        return None
    try:
        t_host = urlsplit(target).hostname or ""
    except ValueError:
        t_host = ""
    if t_host == facts.host or _same_site(t_host, facts.host):
        return {"ews_url": normalise_ews_url(target)}
    return None


def _certificate(d: Diagnosis, facts: EwsFacts) -> bool:
    """The certificate rules (diagnosis/certificates.py), said of the Exchange server; a
    name from the certificate is offered as the same address on that server."""
    return diagnose_certificate(
        d, facts.failure, facts.host, "Exchange server", "as the CA certificate file",
        lambda name: _suggest(d, facts.profile, ews_url=_with_host(facts.url, name)))


def _kind(*kinds: str, **kw: Any) -> When:
    """A failure of one of these kinds (and whatever else `kw` asks of `When`)."""
    return When(kinds=kinds, **kw)


_T, _P = TEMPORARY, NEEDS_PERSON
_ASK_IT_ADDRESS = N_("Connect to the office network or VPN, or ask IT whether the address is "
                     "right.")
_NOT_ANSWERING = N_("The Exchange server {host} did not answer. It may only be reachable "
                    "inside the office network or through VPN, or a firewall blocks it.")
_AUTH_TYPE_NTLM = N_("The server does not accept Windows (NTLM) sign-in (it offers: "
                     "{offered}). Your password was not sent.")
_AUTH_TYPE_BASIC = N_("The server does not accept Basic sign-in (it offers: {offered}). Your "
                      "password was not sent.")
_AUTH_TYPE_OTHER = N_("This server wants a sign-in method mailwizard does not use "
                      "({offered}). Ask IT to allow NTLM or Basic for Exchange web services, "
                      "or use the server's SMTP settings instead.")
#: The sign-in method rules: {offered} is what the server offers; Microsoft's page on it.
_OFFERED = {"values": lambda facts: {"offered": facts.offered}, "help": (EWS_AUTH_HELP,)}
_REDIRECT_FIX = N_("Use the final address of the Exchange web services (ask IT if unsure).")
_ACCESS_DENIED_REPLY = N_("Exchange refused access ({reply}): the account may be disabled, or "
                          "not allowed to use Exchange web services.")
_ACCESS_DENIED = N_("Exchange refused access: the account may be disabled, or not allowed to "
                    "use Exchange web services.")
_ACCESS_DENIED_FIX = N_("Ask IT to check the account and that EWS is enabled for it.")
_EWS_ERROR = N_("Exchange answered with an error while {step}: {error}")
_EWS_ERROR_FIX = N_("Try again. If it happens again, use Copy details and send them to IT.")
_TRY_LATER = N_("Try again in a few minutes; if it keeps happening, ask IT.")

#: The Exchange rules, in the order they are tried: reaching the server, its certificate and
#: encryption, the web services' answers, then what is left.
EWS_RULES: tuple[Rule, ...] = (
    Rule("exchange_online", _kind("exchange_online"), "exchange_online_ews",
         EXCHANGE_ONLINE_NOTICE,
         N_("Go back, choose “Web mail / SMTP server” and pick Microsoft 365, or use Connect "
            "to sign in with Microsoft. Only if your administrator has allowed EWS for this "
            "app, tick “My organisation still allows EWS” and test again."), _P,
         help=(EXCHANGE_ONLINE_HELP,)),
    # -- finding and reaching the server
    Rule("unknown_host", _kind("resolve"), "unknown_host",
         N_("The server name “{host}” in the Exchange address could not be found."),
         N_("Check the address with IT: it is often https://mail.<your domain>/EWS/"
            "Exchange.asmx, and from outside the office the server may only be reachable "
            "through VPN."), _P),
    Rule("dns_timeout", _kind("resolve_timeout"), "dns_timeout",
         N_("Looking up “{host}” took too long."),
         N_("Check this computer's network or VPN connection, then try again."), _T),
    Rule("connection_refused", _kind("refused"), "connection_refused",
         N_("The server {host} refused a connection on port {port}."),
         N_("Check the Exchange address with IT. Exchange web services normally answer on the "
            "standard HTTPS port (443)."), _T, suggest=_standard_port),
    Rule("connect_timeout", _kind("timeout", stages=("resolve", "connect")), "connect_timeout",
         _NOT_ANSWERING, _ASK_IT_ADDRESS, _T),
    Rule("unreachable", _kind("network", stages=("resolve", "connect")), "network_error",
         _NOT_ANSWERING, _ASK_IT_ADDRESS, _T),
    # -- its certificate and encryption
    Rule("certificate", _kind("tls_verify", "pin_mismatch"), handler=_certificate),
    Rule("tls_failed", (_kind("tls"), _kind("disconnected", stages=("tls",))), "tls_failed",
         N_("A secure connection to {host} could not be set up ({reason})."),
         N_("The address may not be an HTTPS web server, or the server only supports old "
            "encryption (before TLS 1.2). Ask IT."), _P),
    # -- the web services' answers
    Rule("ews_not_found", _kind("ews_not_found"), "ews_not_found",
         N_("There are no Exchange web services at {address}."),
         N_("Check the address with IT. It usually ends in /EWS/Exchange.asmx, on the server "
            "Outlook on the web uses (for example https://mail.company.com)."), _P,
         values=lambda facts: {"address": facts.url}),
    Rule("ews_redirect", _kind("ews_redirect", facts=("reply_given",)), "ews_redirect",
         N_("The address sends visitors on to {address}."), _REDIRECT_FIX, _P,
         values=lambda facts: {"address": facts.failure.reply}, suggest=_redirect_target),
    Rule("ews_redirect_nowhere", _kind("ews_redirect"), "ews_redirect",
         N_("The address sends visitors on to another address."), _REDIRECT_FIX, _P),
    Rule("ews_auth_type_use_basic",
         _kind("ews_auth_type", facts=("ntlm", "other_sign_in_offered")),
         "ews_wrong_auth_type", _AUTH_TYPE_NTLM, N_("Change the sign-in method to Basic."), _P,
         suggest={"ews_auth": EwsAuth.BASIC}, **_OFFERED),
    Rule("ews_auth_type_not_ntlm", _kind("ews_auth_type", facts=("ntlm",)),
         "ews_wrong_auth_type", _AUTH_TYPE_NTLM, _AUTH_TYPE_OTHER, _P, **_OFFERED),
    Rule("ews_auth_type_use_ntlm", _kind("ews_auth_type", facts=("other_sign_in_offered",)),
         "ews_wrong_auth_type", _AUTH_TYPE_BASIC,
         N_("Change the sign-in method to Windows (NTLM)."), _P,
         suggest={"ews_auth": EwsAuth.NTLM}, **_OFFERED),
    Rule("ews_auth_type_not_basic", _kind("ews_auth_type"), "ews_wrong_auth_type",
         _AUTH_TYPE_BASIC, _AUTH_TYPE_OTHER, _P, **_OFFERED),
    Rule("exchange_online_sign_in", _kind("ews_unauthorized", facts=("online",)),
         "exchange_online_ews",
         (N_("Exchange Online refused the sign-in."), EXCHANGE_ONLINE_NOTICE),
         N_("Use “Microsoft 365” under Web mail / SMTP, or Connect with Microsoft."), _P,
         help=(EXCHANGE_ONLINE_HELP,)),
    Rule("ews_auth_failed", _kind("ews_unauthorized"), "auth_failed",
         N_("Exchange did not accept the user name or password. (The sign-in method itself "
            "is offered by the server.)"),
         N_("Check the user name — as DOMAIN\\user or user@company.com — and the password. If "
            "you changed your Windows password recently, use the new one. Several failed "
            "attempts can lock your account, so check before trying again."), _P),
    Rule("ews_ntlm_failed", _kind("ews_ntlm_failed"), "ews_ntlm_failed",
         N_("The server offered Windows (NTLM) sign-in but did not complete it. A proxy or "
            "load balancer between you and Exchange often causes this."),
         N_("Ask IT whether Basic sign-in over HTTPS is allowed, and try that."), _P,
         help=(EWS_AUTH_HELP,), suggest={"ews_auth": EwsAuth.BASIC}),
    Rule("ews_no_mailbox", _kind("ews_no_mailbox"), "ews_no_mailbox",
         N_("Exchange has no mailbox for {address}."),
         N_("Check the email address (it must be the mailbox's main address). If you sign in "
            "as another user, that user needs rights on this mailbox."), _P),
    Rule("ews_send_as_denied", _kind("ews_send_as_denied"), "ews_send_as_denied",
         N_("The user {user} may not send as {address}."),
         N_("Send from the signed-in user's own address, or ask IT to give this user “Send "
            "As” rights on the mailbox."), _P),
    Rule("ews_access_denied_online", _kind("ews_access_denied", facts=("reply_given", "online")),
         "ews_access_denied", (_ACCESS_DENIED_REPLY, EXCHANGE_ONLINE_NOTICE),
         _ACCESS_DENIED_FIX, _P),
    Rule("ews_access_denied_reply", _kind("ews_access_denied", facts=("reply_given",)),
         "ews_access_denied", _ACCESS_DENIED_REPLY, _ACCESS_DENIED_FIX, _P),
    Rule("ews_access_denied_online_silent", _kind("ews_access_denied", facts=("online",)),
         "ews_access_denied", (_ACCESS_DENIED, EXCHANGE_ONLINE_NOTICE), _ACCESS_DENIED_FIX, _P),
    Rule("ews_access_denied", _kind("ews_access_denied"), "ews_access_denied",
         _ACCESS_DENIED, _ACCESS_DENIED_FIX, _P),
    Rule("ews_throttled", _kind("ews_throttled"), "ews_throttled",
         N_("The Exchange server is busy and asked mailwizard to slow down (throttling)."),
         N_("Wait a few minutes and test again. If it keeps happening, IT can check the "
            "server's EWS throttling policy."), _T, help=(EWS_THROTTLING_HELP,)),
    Rule("ews_message_refused", _kind("ews_refused"), "ews_message_refused",
         N_("Exchange did not accept the test message ({reply})."),
         N_("Check the test recipient's address; if it is right, ask IT."), _P,
         values=lambda facts: {"reply": facts.failure.reply or facts.failure.message}),
    Rule("ews_error_online", _kind("ews_error", "ews_http", facts=("online",)), "ews_error",
         (_EWS_ERROR, EXCHANGE_ONLINE_NOTICE), _EWS_ERROR_FIX, _T),
    Rule("ews_error", _kind("ews_error", "ews_http"), "ews_error", _EWS_ERROR, _EWS_ERROR_FIX,
         _T),
    # -- what is left: the server stopped answering, or something nobody foresaw
    Rule("server_timeout", _kind("timeout"), "server_timeout",
         N_("The Exchange server stopped answering while {step}."), _TRY_LATER, _T),
    Rule("disconnected", _kind("disconnected"), "disconnected",
         N_("The Exchange server closed the connection while {step}."), _TRY_LATER, _T),
    Rule("network_error", _kind("network"), "network_error",
         N_("This computer could not reach the Exchange server ({error})."),
         N_("Check the network, VPN or proxy settings, then try again."), _T),
    Rule("unexpected", When(), "unexpected",
         N_("Something unexpected went wrong while {step}."),
         N_("Try again. If it happens again, use Copy details and send them to IT support."),
         _T),
)


def diagnose_ews(d: Diagnosis, f: CheckFailure, p: Profile) -> Diagnosis:
    """Fill `d` from the first Exchange rule that matches the failure."""
    diagnose_by(EWS_RULES, d, EwsFacts(f, p))
    return d
