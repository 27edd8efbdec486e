"""Exchange (EWS) failures in words: the EWS half of `diagnosis.diagnose()`."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from mailwizard.core.checks.ews import EXCHANGE_ONLINE_NOTICE
from mailwizard.core.i18n import _
from mailwizard.core.profile import EwsAuth, Profile, normalise_ews_url
from mailwizard.core.checks.smtp import CheckFailure

EWS_AUTH_HELP = ("https://learn.microsoft.com/en-us/exchange/client-developer/"
                 "exchange-web-services/authentication-and-ews-in-exchange")
EWS_THROTTLING_HELP = ("https://learn.microsoft.com/en-us/exchange/client-developer/"
                       "exchange-web-services/ews-throttling-in-exchange")


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


def diagnose_ews(d, f: CheckFailure, p: Profile):
    from mailwizard.core.diagnosis.common import _same_site, _suggest, _words, diagnose_certificate

    url, host, port = _endpoint(p)
    online = p.is_exchange_online
    other_auth = EwsAuth.BASIC if p.ews_auth is EwsAuth.NTLM else EwsAuth.NTLM
    k = f.kind

    if k == "exchange_online":
        d.code = "exchange_online_ews"
        d.cause = _(EXCHANGE_ONLINE_NOTICE)
        d.fix = _("Go back, choose “Web mail / SMTP server” and pick Microsoft 365, or use "
                  "Connect to sign in with Microsoft. Only if your administrator has allowed "
                  "EWS for this app, tick “My organisation still allows EWS” and test again.")
        d.help_url = "https://aka.ms/smtp_auth_disabled"
        return d
    if k == "resolve":
        d.code = "unknown_host"
        d.cause = _("The server name “{host}” in the Exchange address could not be found."
                    ).format(host=host)
        d.fix = _("Check the address with IT: it is often https://mail.<your domain>/EWS/"
                  "Exchange.asmx, and from outside the office the server may only be reachable "
                  "through VPN.")
        return d
    if k == "resolve_timeout":
        d.code = "dns_timeout"
        d.cause = _("Looking up “{host}” took too long.").format(host=host)
        d.fix = _("Check this computer's network or VPN connection, then try again.")
        return d
    if k == "refused":
        d.code = "connection_refused"
        d.cause = _("The server {host} refused a connection on port {port}.").format(
            host=host, port=port)
        d.fix = _("Check the Exchange address with IT. Exchange web services normally answer "
                  "on the standard HTTPS port (443).")
        if port != 443:
            _suggest(d, p, ews_url=_with_host(url.replace(f":{port}", ""), host))
        return d
    if k in ("timeout", "network") and f.stage in ("resolve", "connect"):
        d.code = "connect_timeout" if k == "timeout" else "network_error"
        d.cause = _("The Exchange server {host} did not answer. It may only be reachable "
                    "inside the office network or through VPN, or a firewall blocks it."
                    ).format(host=host)
        d.fix = _("Connect to the office network or VPN, or ask IT whether the address is right.")
        return d

    if diagnose_certificate(d, f, host, "Exchange server", "as the CA certificate file",
                            lambda name: _suggest(d, p, ews_url=_with_host(url, name))):
        return d
    if k == "tls" or (k == "disconnected" and f.stage == "tls"):
        d.code = "tls_failed"
        d.cause = _("A secure connection to {host} could not be set up ({reason}).").format(
            host=host, reason=f.ssl_reason or f.message)
        d.fix = _("The address may not be an HTTPS web server, or the server only supports old "
                  "encryption (before TLS 1.2). Ask IT.")
        return d

    if k == "ews_not_found":
        d.code = "ews_not_found"
        d.cause = _("There are no Exchange web services at {address}.").format(address=url)
        d.fix = _("Check the address with IT. It usually ends in /EWS/Exchange.asmx, on the "
                  "server Outlook on the web uses (for example https://mail.company.com).")
        return d
    if k == "ews_redirect":
        target = f.reply or ""
        d.code = "ews_redirect"
        d.cause = (_("The address sends visitors on to {address}.").format(address=target)
                   if target else _("The address sends visitors on to another address."))
        d.fix = _("Use the final address of the Exchange web services (ask IT if unsure).")
        if target.startswith("https://"):
            try:
                t_host = urlsplit(target).hostname or ""
            except ValueError:
                t_host = ""
            if t_host == host or _same_site(t_host, host):
                _suggest(d, p, ews_url=normalise_ews_url(target))
        return d
    if k == "ews_auth_type":
        d.code = "ews_wrong_auth_type"
        # Translators: {offered} lists sign-in methods, e.g. "negotiate, ntlm"
        offered = f.reply or _("nothing")
        d.cause = (_("The server does not accept Windows (NTLM) sign-in (it offers: {offered}). "
                     "Your password was not sent.") if p.ews_auth is EwsAuth.NTLM else
                   _("The server does not accept Basic sign-in (it offers: {offered}). Your "
                     "password was not sent.")).format(offered=offered)
        can_switch = (other_auth is EwsAuth.BASIC and "basic" in offered) or \
                     (other_auth is EwsAuth.NTLM and ("ntlm" in offered or "negotiate" in offered))
        if can_switch:
            d.fix = (_("Change the sign-in method to Basic.") if other_auth is EwsAuth.BASIC
                     else _("Change the sign-in method to Windows (NTLM)."))
            _suggest(d, p, ews_auth=other_auth)
        else:
            d.fix = _("This server wants a sign-in method mailwizard does not use "
                      "({offered}). Ask IT to allow NTLM or Basic for Exchange web services, "
                      "or use the server's SMTP settings instead.").format(offered=offered)
        d.help_url = EWS_AUTH_HELP
        return d
    if k == "ews_unauthorized":
        if online:
            d.code = "exchange_online_ews"
            d.cause = _("Exchange Online refused the sign-in.") + " " + _(EXCHANGE_ONLINE_NOTICE)
            d.fix = _("Use “Microsoft 365” under Web mail / SMTP, or Connect with Microsoft.")
            d.help_url = "https://aka.ms/smtp_auth_disabled"
            return d
        d.code = "auth_failed"
        d.cause = _("Exchange did not accept the user name or password. (The sign-in method "
                    "itself is offered by the server.)")
        d.fix = _("Check the user name — as DOMAIN\\user or user@company.com — and the "
                  "password. If you changed your Windows password recently, use the new one. "
                  "Several failed attempts can lock your account, so check before trying "
                  "again.")
        return d
    if k == "ews_ntlm_failed":
        d.code = "ews_ntlm_failed"
        d.cause = _("The server offered Windows (NTLM) sign-in but did not complete it. A proxy "
                    "or load balancer between you and Exchange often causes this.")
        d.fix = _("Ask IT whether Basic sign-in over HTTPS is allowed, and try that.")
        _suggest(d, p, ews_auth=EwsAuth.BASIC)
        d.help_url = EWS_AUTH_HELP
        return d
    if k == "ews_no_mailbox":
        d.code = "ews_no_mailbox"
        d.cause = _("Exchange has no mailbox for {address}.").format(address=p.from_address)
        d.fix = _("Check the email address (it must be the mailbox's main address). If you sign "
                  "in as another user, that user needs rights on this mailbox.")
        return d
    if k == "ews_send_as_denied":
        d.code = "ews_send_as_denied"
        d.cause = _("The user {user} may not send as {address}.").format(
            user=p.username, address=p.from_address)
        d.fix = _("Send from the signed-in user's own address, or ask IT to give this user "
                  "“Send As” rights on the mailbox.")
        return d
    if k == "ews_access_denied":
        d.code = "ews_access_denied"
        if f.reply:
            d.cause = _("Exchange refused access ({reply}): the account may be disabled, or "
                        "not allowed to use Exchange web services.").format(reply=f.reply)
        else:
            d.cause = _("Exchange refused access: the account may be disabled, or not allowed "
                        "to use Exchange web services.")
        d.fix = _("Ask IT to check the account and that EWS is enabled for it.")
        if online:
            d.cause += " " + _(EXCHANGE_ONLINE_NOTICE)
        return d
    if k == "ews_throttled":
        d.code = "ews_throttled"
        d.cause = _("The Exchange server is busy and asked mailwizard to slow down (throttling).")
        d.fix = _("Wait a few minutes and test again. If it keeps happening, IT can check the "
                  "server's EWS throttling policy.")
        d.help_url = EWS_THROTTLING_HELP
        return d
    if k == "ews_refused":
        d.code = "ews_message_refused"
        d.cause = _("Exchange did not accept the test message ({reply}).").format(
            reply=f.reply or f.message)
        d.fix = _("Check the test recipient's address; if it is right, ask IT.")
        return d
    if k in ("ews_error", "ews_http"):
        d.code = "ews_error"
        d.cause = _("Exchange answered with an error while {step}: {error}").format(
            step=_words(f.stage), error=f.message)
        d.fix = _("Try again. If it happens again, use Copy details and send them to IT.")
        if online:
            d.cause += " " + _(EXCHANGE_ONLINE_NOTICE)
        return d
    if k in ("timeout", "disconnected"):
        d.code = "server_timeout" if k == "timeout" else "disconnected"
        d.cause = (_("The Exchange server stopped answering while {step}.") if k == "timeout"
                   else _("The Exchange server closed the connection while {step}.")).format(
            step=_words(f.stage))
        d.fix = _("Try again in a few minutes; if it keeps happening, ask IT.")
        return d
    if k == "network":
        d.code = "network_error"
        d.cause = _("This computer could not reach the Exchange server ({error}).").format(
            error=f.message)
        d.fix = _("Check the network, VPN or proxy settings, then try again.")
        return d
    d.code = "unexpected"
    d.cause = _("Something unexpected went wrong while {step}.").format(step=_words(f.stage))
    d.fix = _("Try again. If it happens again, use Copy details and send them to IT support.")
    return d
