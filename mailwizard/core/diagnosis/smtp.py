"""The one place that turns a failed check into words a non-technical person can act on.

`diagnose()` takes the facts of a failure (`CheckFailure`), the profile that was tried and,
when known, the provider preset, and returns a `Diagnosis`: which stage failed, a stable code,
the cause and the fix in plain language, a help link, and — where a change of settings would
fix it — a machine-readable `suggestion` such as ``{"security": "tls", "port": 465}``.
"""

from __future__ import annotations

from mailwizard.core.checks.smtp import CheckFailure
from mailwizard.core.checks.stages import group_of
from mailwizard.core.i18n import _
from mailwizard.core.profile import AuthMethod, Profile, Security, ServiceType
from mailwizard.core.providers import ProviderPreset
from mailwizard.core.diagnosis.common import (  # noqa: F401 (some re-exported)
    Diagnosis, GOOGLE_APP_PASSWORDS, GOOGLE_APP_PASSWORD_HELP, M365_SMTP_AUTH_HELP, STAGE_WORDS,
    _ENHANCED, _enhanced_code, _same_site, _sec_label, _suggest, _words)
from mailwizard.core.diagnosis.certificates import diagnose_certificate


def _other_endpoint(profile: Profile, provider: ProviderPreset | None,
                    security: Security) -> int | None:
    """The provider's port for a security mode, or the usual one."""
    if provider:
        for ep in provider.endpoints:
            if ep.security is security:
                return ep.port
        return None  # e.g. Microsoft 365 has no SSL/TLS port at all
    return {Security.TLS: 465, Security.STARTTLS: 587}.get(security)


def _help(provider: ProviderPreset | None, *keys: str) -> str:
    if provider:
        for k in keys:
            if provider.help.get(k):
                return provider.help[k]
    return ""


def _is_google(profile: Profile, provider: ProviderPreset | None) -> bool:
    return "gmail.com" in profile.host or bool(provider and provider.id.startswith(("gmail",
                                                                                    "google")))


def _is_microsoft(profile: Profile, provider: ProviderPreset | None) -> bool:
    return ("office365.com" in profile.host or "outlook.com" in profile.host
            or bool(provider and provider.id in ("microsoft-365", "outlook-com")))


def diagnose(failure: CheckFailure, profile: Profile,
             provider: ProviderPreset | None = None) -> Diagnosis:
    f, p = failure, profile
    reply = f.reply or ""
    low = reply.lower()
    enh = _enhanced_code(reply)
    d = Diagnosis(stage=f.stage, code="unknown", cause="", fix="", server_reply=(
        f"{f.code} {reply}".strip() if f.code else (f.message or "")), group=group_of(f.stage))
    host, port = p.host, p.port

    if f.kind == "cancelled":
        d.code, d.cause, d.fix = ("cancelled", _("You cancelled the test."),
                                  _("Start the test again when you are ready."))
        return d

    if f.kind == "invalid_settings":
        d.code = "invalid_settings"
        d.cause = _("Some settings are not filled in correctly: {problems}").format(
            problems=f.message)
        d.fix = _("Correct the fields named above and try again.")
        return d
    if p.service is ServiceType.EXCHANGE:
        from mailwizard.core.diagnosis.ews import diagnose_ews

        return diagnose_ews(d, f, p)
    if f.kind.startswith("oauth_"):
        d.code = f.kind
        d.cause, d.fix, d.help_url = f.message, f.fix, f.help_url
        d.server_reply = f.reply
        if f.kind == "oauth_server":  # not classified by the sign-in code: known words?
            _known_reply(d, f, p, f"{f.reply} {f.message}")
        return d
    if p.auth is AuthMethod.OAUTH2 and f.stage == "auth" and f.code is not None:
        return _diagnose_xoauth2(d, f, p, enh, low)

    # -- finding and reaching the server --------------------------------------------------
    if f.kind == "resolve":
        d.code = "unknown_host"
        d.cause = _("The server name “{host}” could not be found.").format(host=host)
        if provider and provider.host and "{" not in provider.host:
            d.fix = _("Check the spelling of the server name (for {provider} it is {host}). If "
                      "it is right, check that this computer is connected to the internet."
                      ).format(provider=provider.name, host=provider.host_for())
        else:
            d.fix = _("Check the spelling of the server name. If it is right, check that this "
                      "computer is connected to the internet.")
        if provider and provider.host and "{" not in provider.host:
            _suggest(d, p, host=provider.host)
        d.help_url = _help(provider, "smtp_settings")
        return d
    if f.kind == "resolve_timeout":
        d.code = "dns_timeout"
        d.cause = _("Looking up the server name “{host}” took too long.").format(host=host)
        d.fix = _("Check this computer's internet connection, then try again.")
        return d
    if f.kind == "refused":
        d.code = "connection_refused"
        d.cause = _("The server {host} refused a connection on port {port}.").format(
            host=host, port=port)
        d.fix = _("The port number is probably wrong. Most providers use 587 (with STARTTLS) "
                  "or 465 (with SSL/TLS).")
        if provider and not provider.endpoint_for(port):
            ep = provider.default_endpoint
            _suggest(d, p, port=ep.port, security=ep.security)
        elif port not in (587, 465):
            _suggest(d, p, port=587, security=Security.STARTTLS)
        d.help_url = _help(provider, "smtp_settings")
        return d
    if f.kind == "timeout" and f.stage in ("connect", "resolve"):
        d.code = "connect_timeout"
        if port == 25:
            d.cause = _("The server {host} did not answer on port {port}. A firewall, antivirus "
                        "program or your internet provider is probably blocking this port "
                        "(port {port} is very often blocked).").format(host=host, port=port)
        else:
            d.cause = _("The server {host} did not answer on port {port}. A firewall, antivirus "
                        "program or your internet provider is probably blocking this port."
                        ).format(host=host, port=port)
        d.fix = _("Try the other port of your provider, or ask whoever looks after this "
                  "computer's network to allow outgoing connections to this server and port.")
        if port == 25:
            _suggest(d, p, port=587, security=Security.STARTTLS)
        return d
    if f.kind == "network":
        d.code = "network_error"
        d.cause = _("This computer could not reach the server ({error}).").format(
            error=f.message)
        d.fix = _("Check the internet connection, VPN or proxy settings, then try again.")
        return d

    # -- the wrong kind of encryption for the port ---------------------------------------
    if f.kind == "implicit_tls_port":
        d.code = "tls_expected"
        d.cause = _("Port {port} expects an encrypted connection from the very start "
                    "(SSL/TLS), but the settings say {security}.").format(
            port=port, security=_sec_label(p.security))
        d.fix = _("Change the security to SSL/TLS for this port (or use port 587 with STARTTLS).")
        _suggest(d, p, security=Security.TLS)
        return d
    if f.stage == "tls" and f.kind in ("tls", "disconnected") and (
            "WRONG_VERSION_NUMBER" in f.ssl_reason.upper() or "wrong version" in f.message.lower()
            or "record layer" in f.message.lower() or f.kind == "disconnected"):
        d.code = "starttls_expected"
        d.cause = _("Port {port} starts without encryption and switches to it with STARTTLS, "
                    "but the settings say SSL/TLS from the start.").format(port=port)
        d.fix = _("Change the security to STARTTLS for this port (or use port 465 with SSL/TLS).")
        _suggest(d, p, security=Security.STARTTLS)
        return d
    if f.kind == "starttls_not_offered":
        d.code = "starttls_not_offered"
        d.cause = _("The server did not offer encryption (STARTTLS), so mailwizard stopped "
                    "before sending your password.")
        d.fix = _("Check the server name and port. If they are right, a firewall or an "
                  "antivirus 'mail scanning' feature may be removing encryption: ask IT.")
        tls_port = _other_endpoint(p, provider, Security.TLS)
        if tls_port:
            d.fix += " " + _("Port {port} with SSL/TLS may work.").format(port=tls_port)
            _suggest(d, p, port=tls_port, security=Security.TLS)
        return d

    # -- certificates ---------------------------------------------------------------------
    if diagnose_certificate(d, f, host, "mail server", "under Advanced",
                            lambda name: _suggest(d, p, host=name)):
        return d
    reason = (f.ssl_reason or "").upper()
    if f.kind == "tls" and ("PROTOCOL_VERSION" in reason or "UNSUPPORTED_PROTOCOL" in reason):
        # The server offered only TLS 1.0/1.1 (or none mailwizard accepts): certain, not a guess.
        d.code = "tls_too_old"
        d.cause = _("The server only offers old, unsafe encryption (older than TLS 1.2), which "
                    "mailwizard does not use.")
        d.fix = _("Ask the server's administrator to turn on TLS 1.2 or newer. Until then, do "
                  "not send through this server.")
        return d
    if f.kind == "tls":
        d.code = "tls_failed"
        d.cause = _("A secure connection could not be set up ({reason}).").format(
            reason=f.ssl_reason or f.message)
        d.fix = _("The server may only support old, unsafe encryption (before TLS 1.2), or "
                  "something on the network is interfering. Ask the server's administrator.")
        return d

    # -- no greeting, dropped connections, time-outs ---------------------------------------
    if f.kind == "greeting_timeout":
        d.code = "no_greeting"
        d.cause = _("The connection to {host} on port {port} opened, but nothing answered like "
                    "a mail server.").format(host=host, port=port)
        d.fix = _("The port is probably for something else, or a security device is holding "
                  "the connection. Check the port number with your provider.")
        return d
    if f.kind == "bad_reply":
        d.code = "not_a_mail_server"
        d.cause = _("The server at {host} on port {port} answered, but not the way a mail "
                    "server does (its reply was far too long, or endless).").format(
            host=host, port=port)
        d.fix = _("Check the server name and port with your provider: this port is probably "
                  "for something else, or a device on the network is interfering.")
        return d
    if f.kind in ("timeout", "disconnected") and f.code is None:
        d.code = "server_timeout" if f.kind == "timeout" else "disconnected"
        # Translators: {step} is one of the check's steps, e.g. "signing in"
        d.cause = (_("The server stopped answering while {step}.") if f.kind == "timeout" else
                   _("The server closed the connection while {step}.")).format(
            step=_words(f.stage))
        d.fix = _("Try again in a few minutes. If it keeps happening, check the port and security.")
        if f.stage == "greeting" and p.security is Security.STARTTLS and port in (465, 2465):
            _suggest(d, p, security=Security.TLS)
        return d

    # -- login ------------------------------------------------------------------------------
    if f.kind == "auth_not_offered":
        d.code = "auth_not_offered"
        d.cause = _("The server does not accept a login on port {port}.").format(port=port)
        d.fix = _("Use your provider's sending port (usually 587). If this server is a relay "
                  "that recognises your office by its internet address, set login to 'none'.")
        if port == 25:
            _suggest(d, p, port=587, security=Security.STARTTLS)
        return d
    if f.kind == "no_common_mechanism":
        d.code = "auth_mechanism_unsupported"
        d.cause = _("The server offers no sign-in method mailwizard can use safely.")
        d.fix = _("Ask the server's administrator to allow PLAIN or LOGIN sign-in over TLS.")
        return d
    if f.kind == "no_tls_for_password":
        d.code = "encryption_required"
        d.cause = _("mailwizard never sends a password without encryption.")
        d.fix = _("Choose SSL/TLS or STARTTLS.")
        _suggest(d, p, port=587, security=Security.STARTTLS)
        return d
    if f.kind == "smtputf8":
        d.code = "smtputf8_unsupported"
        d.cause = _("The server cannot handle email addresses with non-English letters.")
        d.fix = _("Use an address with plain letters (a–z, digits, dots).")
        return d

    # -- what the server said ---------------------------------------------------------------
    if f.code is not None:
        return _diagnose_reply(d, f, p, provider, f.code, enh, low)

    d.code = "unexpected"
    d.cause = _("Something unexpected went wrong while {step}.").format(step=_words(f.stage))
    d.fix = _("Try again. If it happens again, use Copy details and send them to IT support.")
    return d


def _known_reply(d: Diagnosis, f: CheckFailure, p: Profile, text: str) -> bool:
    """Fill `d` from resources/replies.toml when the reply is one recognised there."""
    from mailwizard.core.diagnosis.replies import load_replies

    known = load_replies().find(f.stage, f.code, text)
    if known is None:
        return False
    # The reply table's cause and fix (resources/replies.toml) come in the user's language
    # from the table itself (diagnosis/replies.py): not translated twice here.
    d.code, d.cause, d.fix = known.code, known.cause, known.fix
    d.help_url = known.help_url or d.help_url
    if known.suggest == "from_login" and "@" in p.username:
        _suggest(d, p, from_address=p.username)
    elif known.suggest == "starttls" and p.security is not Security.STARTTLS:
        _suggest(d, p, security=Security.STARTTLS, port=587)
    return True


def _diagnose_xoauth2(d: Diagnosis, f: CheckFailure, p: Profile, enh: str,
                      low: str) -> Diagnosis:
    """A refused XOAUTH2 sign-in: never password advice."""
    if "5.7.139" in (enh + low) or "smtpclientauthentication" in low.replace(" ", ""):
        d.code = "m365_smtp_auth_disabled"
        d.cause = _("Microsoft 365 has SMTP sending (SMTP AUTH) switched off for this mailbox "
                    "or organisation. That also blocks programs that sign in with Microsoft.")
        d.fix = _("Ask your Microsoft 365 administrator to allow authenticated SMTP for this "
                  "mailbox (Exchange admin center → the mailbox → Email apps → Authenticated "
                  "SMTP, or Set-CASMailbox -SmtpClientAuthenticationDisabled $false), then "
                  "test again.")
        d.help_url = M365_SMTP_AUTH_HELP
        return d
    d.code = "oauth_token_refused"
    who = {"google": "Google", "microsoft": "Microsoft"}.get(p.oauth_provider)
    if who:
        d.cause = _("{provider}'s mail server did not accept the sign-in for {user}. The "
                    "sign-in may have been withdrawn, or it belongs to another account."
                    ).format(provider=who, user=p.username)
    else:
        d.cause = _("The provider's mail server did not accept the sign-in for {user}. The "
                    "sign-in may have been withdrawn, or it belongs to another account."
                    ).format(user=p.username)
    d.fix = _("Sign in again with Connect, using the account you send from. For Google "
              "Workspace, an administrator may also have to allow the app.")
    return d


def _diagnose_reply(d: Diagnosis, f: CheckFailure, p: Profile, provider: ProviderPreset | None,
                    code: int, enh: str, low: str) -> Diagnosis:
    google, microsoft = _is_google(p, provider), _is_microsoft(p, provider)
    app_pw = _help(provider, "app_password") or (GOOGLE_APP_PASSWORDS if google else "")
    if _known_reply(d, f, p, f"{code} {f.reply}"):
        return d
    if f.kind == "sender_check":
        d.code = "sender_refused"
        d.cause = _("The server will not take mail from the From address {address} "
                    "(it was asked to accept it; no message was sent).").format(
            address=p.from_address)
        d.fix = _("Use the address of the mailbox you sign in with as the From address, or "
                  "ask the server's administrator to allow this sender.")
        if "@" in p.username:
            _suggest(d, p, from_address=p.username)
        return d

    if code == 421:
        d.code = "server_busy"
        d.cause = _("The server is busy or is limiting connections right now, and closed the line.")
        d.fix = _("Wait a few minutes and try again.")
        return d
    if code == 554 and f.stage == "greeting":
        d.code = "connection_rejected"
        d.cause = _("The server refused to talk to this computer, usually because of its "
                    "internet address (for example a home or blocked address).")
        d.fix = _("Use your provider's sending server on port 587 with a login, or ask IT.")
        return d
    if enh == "5.3.4" or "size" in low and "exceed" in low:
        d.code = "message_too_big"
        d.cause = _("The server refused the message because it is too large.")
        d.fix = _("Send smaller attachments, or ask your provider for the size limit.")
        return d
    if "rate" in low and "limit" in low or "too many messages" in low:
        d.code = "rate_limited"
        d.cause = _("The provider is limiting how fast this account may send just now.")
        d.fix = _("Wait a few minutes and try again.")
        return d
    if enh == "5.4.5" or "daily" in low or ("quota" in low and "exceed" in low):
        d.code = "daily_limit"
        d.cause = _("The provider's daily sending limit for this account has been reached.")
        d.fix = _("Wait until tomorrow. If you regularly mail more people than the limit, use "
                  "a professional sending service or your organisation's own mail server.")
        d.help_url = _help(provider, "smtp_settings")
        return d

    if f.stage == "auth":
        if enh == "5.7.9" or "application-specific password" in low:
            d.code = "app_password_required"
            d.cause = _("2-Step Verification is on for this account, so the normal password "
                        "cannot be used here.")
            d.fix = _("Create an app password (a separate password just for this program) "
                      "and paste it instead of your normal password.")
            d.help_url = app_pw or (GOOGLE_APP_PASSWORD_HELP if google else
                                    _help(provider, "smtp_settings"))
            return d
        if enh == "5.7.139" and "smtpclientauthentication" in low:
            d.code = "smtp_auth_disabled"
            d.cause = _("Your organisation's Microsoft 365 administrator has switched off "
                        "sending from programs with a password (SMTP AUTH) for this mailbox.")
            d.fix = _("Ask your administrator to turn on 'Authenticated SMTP' for this mailbox "
                      "(Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled "
                      "$false), or connect the account with Microsoft sign-in instead.")
            d.help_url = M365_SMTP_AUTH_HELP
            return d
        if enh == "5.7.139" or "basic authentication is disabled" in low:
            d.code = "basic_auth_disabled"
            d.cause = _("Signing in with a password is blocked for this account (Security "
                        "defaults or an authentication policy). App passwords will not help.")
            d.fix = _("Connect the account with Microsoft sign-in (OAuth) instead of a password.")
            d.help_url = M365_SMTP_AUTH_HELP
            return d
        if enh == "5.7.30" or "basic authentication is not supported" in low:
            d.code = "basic_auth_not_supported"
            d.cause = _("This provider no longer accepts a password for sending from programs.")
            d.fix = _("Connect the account with the provider's sign-in (OAuth) instead.")
            d.help_url = M365_SMTP_AUTH_HELP if microsoft else _help(provider, "smtp_settings")
            return d
        if code == 432 or enh == "4.7.12":
            d.code = "password_transition"
            d.cause = _("The provider wants you to change this account's password first.")
            d.fix = _("Sign in to your email in a web browser, change the password, then try "
                      "again.")
            return d
        if code == 454:
            d.code = "auth_temporary"
            d.cause = _("The server could not check your login just now (a temporary problem).")
            d.fix = _("Wait a few minutes and try again.")
            return d
        if code == 538 or enh == "5.7.11":
            d.code = "encryption_required"
            d.cause = _("The server wants encryption before a login.")
            d.fix = _("Choose STARTTLS or SSL/TLS.")
            _suggest(d, p, security=Security.STARTTLS)
            return d
        if code == 504:
            d.code = "auth_mechanism_refused"
            d.cause = _("The server refused the sign-in method it had offered.")
            d.fix = _("Ask the server's administrator; this is a server problem.")
            return d
        if code in (535, 534, 530, 550) or enh.startswith("5.7"):
            d.code = "auth_failed"
            d.cause = _("The mail server did not accept the user name and password.")
            if provider and provider.two_step_required:
                d.fix = _("{provider} needs an app password, not your normal password. "
                          "Make sure 2-Step Verification is on, create an app password and "
                          "paste it here.").format(provider=provider.name) + " " + (
                    _("If you changed your account password recently, every app "
                      "password was cancelled with it: create a new one.")
                    if provider.id in ("gmail", "google-workspace", "icloud") else
                    _("If you changed the password recently, use the new one."))
                d.help_url = app_pw or _help(provider, "smtp_settings")
            elif provider and provider.secret_kind in ("api_key", "smtp_key", "smtp_password"):
                # Translators: {secret} is e.g. "API key", {hint} how the user name looks
                # (both come translated from the provider's preset)
                d.fix = _("Use the {secret} from {provider}'s settings (not your account's "
                          "sign-in password) and check the user name: {hint}").format(
                    secret=provider.secret_label, provider=provider.name,
                    hint=provider.username_hint)
                d.help_url = _help(provider, "smtp_settings")
            elif microsoft:
                d.fix = _("Check the password (if you changed it recently, type the new one). "
                          "If it is right, your administrator may have to allow SMTP AUTH, or "
                          "connect with Microsoft sign-in instead.")
                d.help_url = M365_SMTP_AUTH_HELP
            elif google:
                d.fix = _("Google refuses the normal account password: turn on 2-Step "
                          "Verification, create an app password and paste it here.")
                d.help_url = GOOGLE_APP_PASSWORD_HELP
            else:
                d.fix = _("Re-type the password (check Caps Lock). If you changed it recently, "
                          "use the new one. The user name is usually your full email address.")
                d.help_url = _help(provider, "smtp_settings")
            return d

    if f.stage in ("mail_from", "rcpt_to", "data"):
        # Postfix checks the sender's restrictions when the recipient is named (its default
        # smtpd_delay_reject), so "<addr>: Sender address rejected: …" arrives at RCPT TO,
        # with 5.7.1 like a relay refusal: it is about the From address, not the recipient.
        sender_rejected = "sender address rejected" in low
        if (enh == "5.7.60" or "sendasdenied" in low or "send as" in low
                or (sender_rejected and "not owned by" in low)):
            d.code = "send_as_denied"
            d.cause = _("The From address is not the mailbox you signed in with, and this "
                        "account may not send as that address.")
            d.fix = _("Use the sign-in address as the From address, or ask your administrator "
                      "to give this mailbox 'Send As' permission for the other address.")
            if "@" in p.username:
                _suggest(d, p, from_address=p.username)
            return d
        if enh == "5.7.57" or "not authenticated" in low or (
                code == 530 and "starttls" not in low):
            d.code = "login_required"
            d.cause = _("The server only sends mail for people who sign in.")
            d.fix = _("Go back, choose to sign in with a user name and password, and use "
                      "encryption (STARTTLS on port 587).")
            return d
        if code == 530 and "starttls" in low:
            d.code = "starttls_required"
            d.cause = _("The server wants an encrypted connection before it takes mail.")
            d.fix = _("Choose STARTTLS.")
            _suggest(d, p, security=Security.STARTTLS)
            return d
        if f.stage == "rcpt_to" and not sender_rejected and ("relay" in low or enh == "5.7.1"):
            d.code = "relay_denied"
            d.cause = _("The server will not pass mail on to other addresses for this account.")
            d.fix = _("Sign in with a user name and password, or ask the server's administrator "
                      "to allow this computer to send.")
            return d
        if f.stage == "rcpt_to" and not sender_rejected:
            d.code = "recipient_refused"
            d.cause = _("The server refused the test address.")
            d.fix = _("Check the test recipient's address for typos.")
            return d
        if f.stage == "mail_from" or sender_rejected:
            d.code = "sender_refused"
            d.cause = _("The server refused the From address.")
            d.fix = _("Use the address of the mailbox you sign in with as the From address.")
            if "@" in p.username:
                _suggest(d, p, from_address=p.username)
            return d
        d.code = "message_refused"
        d.cause = _("The server refused the test message.")
        d.fix = _("Read the server's reply below, or send it to IT support with Copy details.")
        return d

    if code == 530:
        d.code = "starttls_required" if "starttls" in low else "login_required"
        d.cause = _("The server wants encryption or a login first.")
        d.fix = _("Choose STARTTLS and sign in with your user name and password.")
        _suggest(d, p, security=Security.STARTTLS)
        return d

    d.code = "server_refused"
    d.cause = _("The server said no while {step}.").format(step=_words(f.stage))
    d.fix = _("Read the server's reply below, or send it to IT support with Copy details.")
    return d
