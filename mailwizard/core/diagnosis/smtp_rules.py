"""The SMTP (and OAuth) diagnosis as a table: every failure the check reports, in the order it
is asked about, with its cause and fix in plain language (see diagnosis/rules.py for the form
of a rule; tests/core/diagnosis/cases.json holds a real case for each).

The first rule that matches wins. The order matters where the rules overlap: the setting-up
of the connection before its certificate, what replies.toml recognises before the reply
code's general meaning, a refused sign-in before the reply codes every stage shares."""

from __future__ import annotations

from typing import Any

from mailwizard.core.diagnosis.common import GOOGLE_APP_PASSWORD_HELP, M365_SMTP_AUTH_HELP
from mailwizard.core.diagnosis.meaning import NEEDS_PERSON as PERSON, TEMPORARY
from mailwizard.core.diagnosis.rules import Rule, When
from mailwizard.core.diagnosis.smtp_facts import (
    app_password_page, by_certificate, by_exchange, by_known_reply, by_oauth_failure, from_login,
    m365_or_settings, oauth_brand, provider_host_change, provider_host_placeholder,
    refused_port_change, secret_words, submission_if_port_25, tls_if_greeting_on_tls_port,
    tls_port_change, tls_port_placeholder)
from mailwizard.core.i18n import N_
from mailwizard.core.profile import AuthMethod, Security, ServiceType

# -- sentences more than one rule says ---------------------------------------------------------

_UNKNOWN_HOST = N_("The server name “{host}” could not be found.")
_NOT_ANSWERING_FIX = N_("Try the other port of your provider, or ask whoever looks after this "
                        "computer's network to allow outgoing connections to this server and "
                        "port.")
_TRY_LATER = N_("Try again in a few minutes. If it keeps happening, check the port and security.")
_WAIT = N_("Wait a few minutes and try again.")
_TOKEN_REFUSED_FIX = N_("Sign in again with Connect, using the account you send from. For Google "
                        "Workspace, an administrator may also have to allow the app.")
_NOT_ACCEPTED = N_("The mail server did not accept the user name and password.")
_NEEDS_APP_PASSWORD = N_("{provider} needs an app password, not your normal password. Make sure "
                         "2-Step Verification is on, create an app password and paste it here.")
_ASK_IT = N_("Read the server's reply below, or send it to IT support with Copy details.")
_USE_LOGIN_AS_FROM = N_("Use the address of the mailbox you sign in with as the From address.")
_ENCRYPTION_OR_LOGIN = N_("The server wants encryption or a login first.")
_STARTTLS_AND_LOGIN = N_("Choose STARTTLS and sign in with your user name and password.")

_XOAUTH2 = {"auth": (AuthMethod.OAUTH2,), "stages": ("auth",), "has_code": True}
_AUTH_REPLY = {"stages": ("auth",), "has_code": True}
_MESSAGE_REPLY = {"stages": ("mail_from", "rcpt_to", "data"), "has_code": True}
_TIMEOUT_AT_CONNECT = {"kinds": ("timeout",), "stages": ("connect", "resolve")}
_WRONG_TLS_VERSION = {"stages": ("tls",), "kinds": ("tls", "disconnected")}
_SENDER_REJECTED = "sender address rejected"


def _refused_sign_in(**more: Any) -> tuple[When, ...]:
    """A refused password: a 535/534/530/550 reply or a 5.7.x code, at the sign-in."""
    return (When(**_AUTH_REPLY, codes=(535, 534, 530, 550), **more),
            When(**_AUTH_REPLY, enhanced_prefix=("5.7",), **more))


SMTP_RULES: tuple[Rule, ...] = (
    Rule("cancelled", When(kinds=("cancelled",)), "cancelled",
         N_("You cancelled the test."), N_("Start the test again when you are ready."),
         meaning=""),  # not a failure: no class
    Rule("invalid_settings", When(kinds=("invalid_settings",)), "invalid_settings",
         N_("Some settings are not filled in correctly: {problems}"),
         N_("Correct the fields named above and try again."), PERSON),
    Rule("exchange", When(services=(ServiceType.EXCHANGE,)), handler=by_exchange),
    Rule("oauth_failure", When(kind_prefix="oauth_"), handler=by_oauth_failure),
    # -- a refused XOAUTH2 sign-in: never password advice -----------------------------------
    Rule("xoauth2_smtp_auth_disabled",
         (When(**_XOAUTH2, reply_any=("5.7.139",)),
          When(**_XOAUTH2, squeezed_any=("smtpclientauthentication",))),
         "m365_smtp_auth_disabled",
         N_("Microsoft 365 has SMTP sending (SMTP AUTH) switched off for this mailbox or "
            "organisation. That also blocks programs that sign in with Microsoft."),
         N_("Ask your Microsoft 365 administrator to allow authenticated SMTP for this mailbox "
            "(Exchange admin center → the mailbox → Email apps → Authenticated SMTP, or "
            "Set-CASMailbox -SmtpClientAuthenticationDisabled $false), then test again."),
         PERSON, help=(M365_SMTP_AUTH_HELP,)),
    Rule("xoauth2_refused_by_brand", When(**_XOAUTH2, facts=("oauth_brand",)),
         "oauth_token_refused",
         N_("{provider}'s mail server did not accept the sign-in for {user}. The sign-in may "
            "have been withdrawn, or it belongs to another account."),
         _TOKEN_REFUSED_FIX, PERSON, values=oauth_brand),
    Rule("xoauth2_refused", When(**_XOAUTH2), "oauth_token_refused",
         N_("The provider's mail server did not accept the sign-in for {user}. The sign-in may "
            "have been withdrawn, or it belongs to another account."),
         _TOKEN_REFUSED_FIX, PERSON),
    # -- finding and reaching the server ------------------------------------------------------
    Rule("unknown_host_of_provider",
         When(kinds=("resolve",), facts=("fixed_provider_host",)),
         "unknown_host", _UNKNOWN_HOST,
         N_("Check the spelling of the server name (for {provider} it is {host}). If it is "
            "right, check that this computer is connected to the internet."),
         PERSON, help=("smtp_settings",), suggest=provider_host_change,
         fix_values=provider_host_placeholder),
    Rule("unknown_host", When(kinds=("resolve",)), "unknown_host", _UNKNOWN_HOST,
         N_("Check the spelling of the server name. If it is right, check that this computer "
            "is connected to the internet."), PERSON, help=("smtp_settings",)),
    Rule("dns_timeout", When(kinds=("resolve_timeout",)), "dns_timeout",
         N_("Looking up the server name “{host}” took too long."),
         N_("Check this computer's internet connection, then try again."), TEMPORARY),
    Rule("connection_refused", When(kinds=("refused",)), "connection_refused",
         N_("The server {host} refused a connection on port {port}."),
         N_("The port number is probably wrong. Most providers use 587 (with STARTTLS) or 465 "
            "(with SSL/TLS)."), TEMPORARY, help=("smtp_settings",),
         suggest=refused_port_change),
    Rule("connect_timeout_port_25", When(**_TIMEOUT_AT_CONNECT, ports=(25,)), "connect_timeout",
         N_("The server {host} did not answer on port {port}. A firewall, antivirus program or "
            "your internet provider is probably blocking this port (port {port} is very often "
            "blocked)."), _NOT_ANSWERING_FIX, TEMPORARY,
         suggest={"port": 587, "security": Security.STARTTLS}),
    Rule("connect_timeout", When(**_TIMEOUT_AT_CONNECT), "connect_timeout",
         N_("The server {host} did not answer on port {port}. A firewall, antivirus program or "
            "your internet provider is probably blocking this port."),
         _NOT_ANSWERING_FIX, TEMPORARY),
    Rule("network_error", When(kinds=("network",)), "network_error",
         N_("This computer could not reach the server ({error})."),
         N_("Check the internet connection, VPN or proxy settings, then try again."), TEMPORARY),
    # -- the wrong kind of encryption for the port -------------------------------------------
    Rule("tls_expected", When(kinds=("implicit_tls_port",)), "tls_expected",
         N_("Port {port} expects an encrypted connection from the very start (SSL/TLS), but the "
            "settings say {security}."),
         N_("Change the security to SSL/TLS for this port (or use port 587 with STARTTLS)."),
         PERSON, suggest={"security": Security.TLS}),
    Rule("starttls_expected",
         (When(**_WRONG_TLS_VERSION, reason_any=("WRONG_VERSION_NUMBER",)),
          When(**_WRONG_TLS_VERSION, message_any=("wrong version", "record layer")),
          When(stages=("tls",), kinds=("disconnected",))), "starttls_expected",
         N_("Port {port} starts without encryption and switches to it with STARTTLS, but the "
            "settings say SSL/TLS from the start."),
         N_("Change the security to STARTTLS for this port (or use port 465 with SSL/TLS)."),
         PERSON, suggest={"security": Security.STARTTLS}),
    Rule("starttls_not_offered", When(kinds=("starttls_not_offered",)), "starttls_not_offered",
         N_("The server did not offer encryption (STARTTLS), so mailwizard stopped before "
            "sending your password."),
         N_("Check the server name and port. If they are right, a firewall or an antivirus "
            "'mail scanning' feature may be removing encryption: ask IT."), PERSON,
         fix_more=N_("Port {port} with SSL/TLS may work."),
         more_values=tls_port_placeholder, suggest=tls_port_change),
    # -- certificates -------------------------------------------------------------------------
    Rule("certificate", When(kinds=("tls_verify", "pin_mismatch")),
         handler=by_certificate),
    Rule("tls_too_old", When(kinds=("tls",), reason_any=("PROTOCOL_VERSION",
                                                         "UNSUPPORTED_PROTOCOL")),
         # The server offered only TLS 1.0/1.1 (or none mailwizard accepts): certain, not a guess.
         "tls_too_old",
         N_("The server only offers old, unsafe encryption (older than TLS 1.2), which "
            "mailwizard does not use."),
         N_("Ask the server's administrator to turn on TLS 1.2 or newer. Until then, do not "
            "send through this server."), PERSON),
    Rule("tls_failed", When(kinds=("tls",)), "tls_failed",
         N_("A secure connection could not be set up ({reason})."),
         N_("The server may only support old, unsafe encryption (before TLS 1.2), or something "
            "on the network is interfering. Ask the server's administrator."), PERSON),
    # -- no greeting, dropped connections, time-outs ------------------------------------------
    Rule("no_greeting", When(kinds=("greeting_timeout",)), "no_greeting",
         N_("The connection to {host} on port {port} opened, but nothing answered like a mail "
            "server."),
         N_("The port is probably for something else, or a security device is holding the "
            "connection. Check the port number with your provider."), TEMPORARY),
    Rule("not_a_mail_server", When(kinds=("bad_reply",)), "not_a_mail_server",
         N_("The server at {host} on port {port} answered, but not the way a mail server does "
            "(its reply was far too long, or endless)."),
         N_("Check the server name and port with your provider: this port is probably for "
            "something else, or a device on the network is interfering."), PERSON),
    Rule("server_timeout", When(kinds=("timeout",), has_code=False), "server_timeout",
         # Translators: {step} is one of the check's steps, e.g. "signing in"
         N_("The server stopped answering while {step}."), _TRY_LATER, TEMPORARY,
         suggest=tls_if_greeting_on_tls_port),
    Rule("disconnected", When(kinds=("disconnected",), has_code=False), "disconnected",
         N_("The server closed the connection while {step}."), _TRY_LATER, TEMPORARY,
         suggest=tls_if_greeting_on_tls_port),
    # -- login ----------------------------------------------------------------------------------
    Rule("auth_not_offered", When(kinds=("auth_not_offered",)), "auth_not_offered",
         N_("The server does not accept a login on port {port}."),
         N_("Use your provider's sending port (usually 587). If this server is a relay that "
            "recognises your office by its internet address, set login to 'none'."), PERSON,
         suggest=submission_if_port_25),
    Rule("no_common_mechanism", When(kinds=("no_common_mechanism",)),
         "auth_mechanism_unsupported",
         N_("The server offers no sign-in method mailwizard can use safely."),
         N_("Ask the server's administrator to allow PLAIN or LOGIN sign-in over TLS."), PERSON),
    Rule("no_tls_for_password", When(kinds=("no_tls_for_password",)), "encryption_required",
         N_("mailwizard never sends a password without encryption."),
         N_("Choose SSL/TLS or STARTTLS."), PERSON,
         suggest={"port": 587, "security": Security.STARTTLS}),
    Rule("smtputf8_unsupported", When(kinds=("smtputf8",)), "smtputf8_unsupported",
         N_("The server cannot handle email addresses with non-English letters."),
         N_("Use an address with plain letters (a–z, digits, dots)."), PERSON),
    # -- what the server said: first the replies resources/replies.toml knows by their words -
    Rule("known_reply", When(has_code=True), handler=by_known_reply),
    Rule("sender_check", When(kinds=("sender_check",), has_code=True), "sender_refused",
         N_("The server will not take mail from the From address {address} (it was asked to "
            "accept it; no message was sent)."),
         N_("Use the address of the mailbox you sign in with as the From address, or ask the "
            "server's administrator to allow this sender."), PERSON, suggest=from_login),
    Rule("server_busy", When(codes=(421,)), "server_busy",
         N_("The server is busy or is limiting connections right now, and closed the line."),
         _WAIT, TEMPORARY),
    Rule("connection_rejected", When(codes=(554,), stages=("greeting",)), "connection_rejected",
         N_("The server refused to talk to this computer, usually because of its internet "
            "address (for example a home or blocked address)."),
         N_("Use your provider's sending server on port 587 with a login, or ask IT."), PERSON),
    Rule("message_too_big",
         (When(has_code=True, enhanced=("5.3.4",)),
          When(has_code=True, reply_all=("size", "exceed"))), "message_too_big",
         N_("The server refused the message because it is too large."),
         N_("Send smaller attachments, or ask your provider for the size limit."), PERSON),
    Rule("rate_limited",
         (When(has_code=True, reply_all=("rate", "limit")),
          When(has_code=True, reply_any=("too many messages",))), "rate_limited",
         N_("The provider is limiting how fast this account may send just now."),
         _WAIT, TEMPORARY),
    Rule("daily_limit",
         (When(has_code=True, enhanced=("5.4.5",)), When(has_code=True, reply_any=("daily",)),
          When(has_code=True, reply_all=("quota", "exceed"))), "daily_limit",
         N_("The provider's daily sending limit for this account has been reached."),
         N_("Wait until tomorrow. If you regularly mail more people than the limit, use a "
            "professional sending service or your organisation's own mail server."),
         TEMPORARY, help=("smtp_settings",)),
    # -- the sign-in refused -------------------------------------------------------------------
    Rule("app_password_required",
         (When(**_AUTH_REPLY, enhanced=("5.7.9",)),
          When(**_AUTH_REPLY, reply_any=("application-specific password",))),
         "app_password_required",
         N_("2-Step Verification is on for this account, so the normal password cannot be used "
            "here."),
         N_("Create an app password (a separate password just for this program) and paste it "
            "instead of your normal password."), PERSON, help=app_password_page),
    Rule("smtp_auth_disabled",
         When(**_AUTH_REPLY, enhanced=("5.7.139",), reply_any=("smtpclientauthentication",)),
         "smtp_auth_disabled",
         N_("Your organisation's Microsoft 365 administrator has switched off sending from "
            "programs with a password (SMTP AUTH) for this mailbox."),
         N_("Ask your administrator to turn on 'Authenticated SMTP' for this mailbox "
            "(Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false), or "
            "connect the account with Microsoft sign-in instead."),
         PERSON, help=(M365_SMTP_AUTH_HELP,)),
    Rule("basic_auth_disabled",
         (When(**_AUTH_REPLY, enhanced=("5.7.139",)),
          When(**_AUTH_REPLY, reply_any=("basic authentication is disabled",))),
         "basic_auth_disabled",
         N_("Signing in with a password is blocked for this account (Security defaults or an "
            "authentication policy). App passwords will not help."),
         N_("Connect the account with Microsoft sign-in (OAuth) instead of a password."),
         PERSON, help=(M365_SMTP_AUTH_HELP,)),
    Rule("basic_auth_not_supported",
         (When(**_AUTH_REPLY, enhanced=("5.7.30",)),
          When(**_AUTH_REPLY, reply_any=("basic authentication is not supported",))),
         "basic_auth_not_supported",
         N_("This provider no longer accepts a password for sending from programs."),
         N_("Connect the account with the provider's sign-in (OAuth) instead."),
         PERSON, help=m365_or_settings),
    Rule("password_transition",
         (When(**_AUTH_REPLY, codes=(432,)), When(**_AUTH_REPLY, enhanced=("4.7.12",))),
         "password_transition",
         N_("The provider wants you to change this account's password first."),
         N_("Sign in to your email in a web browser, change the password, then try again."),
         PERSON),
    Rule("auth_temporary", When(**_AUTH_REPLY, codes=(454,)), "auth_temporary",
         N_("The server could not check your login just now (a temporary problem)."),
         _WAIT, TEMPORARY),
    Rule("auth_encryption_required",
         (When(**_AUTH_REPLY, codes=(538,)), When(**_AUTH_REPLY, enhanced=("5.7.11",))),
         "encryption_required", N_("The server wants encryption before a login."),
         N_("Choose STARTTLS or SSL/TLS."), PERSON, suggest={"security": Security.STARTTLS}),
    Rule("auth_mechanism_refused", When(**_AUTH_REPLY, codes=(504,)), "auth_mechanism_refused",
         N_("The server refused the sign-in method it had offered."),
         N_("Ask the server's administrator; this is a server problem."), PERSON),
    Rule("auth_failed_app_password_renewed",
         _refused_sign_in(facts=("two_step_required",),
                          provider_ids=("gmail", "google-workspace", "icloud")),
         "auth_failed", _NOT_ACCEPTED,
         (_NEEDS_APP_PASSWORD, N_("If you changed your account password recently, every app "
                                  "password was cancelled with it: create a new one.")),
         PERSON, help=app_password_page),
    Rule("auth_failed_app_password", _refused_sign_in(facts=("two_step_required",)),
         "auth_failed", _NOT_ACCEPTED,
         (_NEEDS_APP_PASSWORD, N_("If you changed the password recently, use the new one.")),
         PERSON, help=app_password_page),
    Rule("auth_failed_key", _refused_sign_in(facts=("secret_is_a_key",)), "auth_failed",
         _NOT_ACCEPTED,
         # Translators: {secret} is e.g. "API key", {hint} how the user name looks
         # (both come translated from the provider's preset)
         N_("Use the {secret} from {provider}'s settings (not your account's sign-in "
            "password) and check the user name: {hint}"),
         PERSON, help=("smtp_settings",), values=secret_words),
    Rule("auth_failed_microsoft", _refused_sign_in(provider=("microsoft",)), "auth_failed",
         _NOT_ACCEPTED,
         N_("Check the password (if you changed it recently, type the new one). If it is right, "
            "your administrator may have to allow SMTP AUTH, or connect with Microsoft sign-in "
            "instead."), PERSON, help=(M365_SMTP_AUTH_HELP,)),
    Rule("auth_failed_google", _refused_sign_in(provider=("google",)), "auth_failed",
         _NOT_ACCEPTED,
         N_("Google refuses the normal account password: turn on 2-Step Verification, create "
            "an app password and paste it here."), PERSON, help=(GOOGLE_APP_PASSWORD_HELP,)),
    Rule("auth_failed", _refused_sign_in(), "auth_failed", _NOT_ACCEPTED,
         N_("Re-type the password (check Caps Lock). If you changed it recently, use the new "
            "one. The user name is usually your full email address."),
         PERSON, help=("smtp_settings",)),
    # -- the sender, the recipient, the message ------------------------------------------------
    # Postfix checks the sender's restrictions when the recipient is named (its default
    # smtpd_delay_reject), so "<addr>: Sender address rejected: …" arrives at RCPT TO, with
    # 5.7.1 like a relay refusal: it is about the From address, not the recipient.
    Rule("send_as_denied",
         (When(**_MESSAGE_REPLY, enhanced=("5.7.60",)),
          When(**_MESSAGE_REPLY, reply_any=("sendasdenied", "send as")),
          When(**_MESSAGE_REPLY, reply_all=(_SENDER_REJECTED, "not owned by"))),
         "send_as_denied",
         N_("The From address is not the mailbox you signed in with, and this account may not "
            "send as that address."),
         N_("Use the sign-in address as the From address, or ask your administrator to give "
            "this mailbox 'Send As' permission for the other address."),
         PERSON, suggest=from_login),
    Rule("login_required",
         (When(**_MESSAGE_REPLY, enhanced=("5.7.57",)),
          When(**_MESSAGE_REPLY, reply_any=("not authenticated",)),
          When(**_MESSAGE_REPLY, codes=(530,), reply_none=("starttls",))), "login_required",
         N_("The server only sends mail for people who sign in."),
         N_("Go back, choose to sign in with a user name and password, and use encryption "
            "(STARTTLS on port 587)."), PERSON),
    Rule("starttls_required", When(**_MESSAGE_REPLY, codes=(530,), reply_any=("starttls",)),
         "starttls_required",
         N_("The server wants an encrypted connection before it takes mail."),
         N_("Choose STARTTLS."), PERSON, suggest={"security": Security.STARTTLS}),
    Rule("relay_denied",
         (When(has_code=True, stages=("rcpt_to",), reply_none=(_SENDER_REJECTED,),
               reply_any=("relay",)),
          When(has_code=True, stages=("rcpt_to",), reply_none=(_SENDER_REJECTED,),
               enhanced=("5.7.1",))), "relay_denied",
         N_("The server will not pass mail on to other addresses for this account."),
         N_("Sign in with a user name and password, or ask the server's administrator to allow "
            "this computer to send."), PERSON),
    Rule("recipient_refused",
         When(has_code=True, stages=("rcpt_to",), reply_none=(_SENDER_REJECTED,)),
         "recipient_refused", N_("The server refused the test address."),
         N_("Check the test recipient's address for typos."), PERSON),
    Rule("sender_refused",
         (When(has_code=True, stages=("mail_from",)),
          When(**_MESSAGE_REPLY, reply_any=(_SENDER_REJECTED,))), "sender_refused",
         N_("The server refused the From address."), _USE_LOGIN_AS_FROM, PERSON,
         suggest=from_login),
    Rule("message_refused", When(**_MESSAGE_REPLY), "message_refused",
         N_("The server refused the test message."), _ASK_IT, PERSON),
    # -- any other stage ----------------------------------------------------------------------
    Rule("starttls_first", When(has_code=True, codes=(530,), reply_any=("starttls",)),
         "starttls_required", _ENCRYPTION_OR_LOGIN, _STARTTLS_AND_LOGIN, PERSON,
         suggest={"security": Security.STARTTLS}),
    Rule("login_first", When(has_code=True, codes=(530,)), "login_required",
         _ENCRYPTION_OR_LOGIN, _STARTTLS_AND_LOGIN, PERSON,
         suggest={"security": Security.STARTTLS}),
    Rule("server_refused", When(has_code=True), "server_refused",
         N_("The server said no while {step}."), _ASK_IT, PERSON),
    Rule("unexpected", When(), "unexpected",
         N_("Something unexpected went wrong while {step}."),
         N_("Try again. If it happens again, use Copy details and send them to IT support."),
         TEMPORARY),
)
