"""What a failed check means for the person who relies on it, as data beside the diagnosis:

- ``offline``: this computer has no network (no route, no DNS answer for any name, network
  unreachable). Nothing is wrong with the settings; nobody needs to act.
- ``temporary``: trouble on the server's side that usually passes by itself (time-outs,
  connection refused or reset, a ``4xx`` reply, a TLS handshake cut short).
- ``needs_person``: someone has to do something (sign-in refused, certificate changed or not
  trusted, sender refused, account disabled, OAuth ``invalid_grant``, settings or keyring).

The scheduled check (core/admin/daily.py), `check --json`, `check --monitoring` and the
last-check record all read this table; docs/INTEGRATION.md shows it (a test compares them).

Rules, in order: a reply code the server sent (4xx: temporary, unless the code is in
PERSON_EVEN_IF_4XX); an errno that means "no network here" (offline); the diagnosis code's
class in BY_CODE; otherwise needs_person. Whether a network-level failure (MAY_BE_OFFLINE) is
really "offline" is decided at run time by asking the network (core/admin/network.py).
"""

from __future__ import annotations

import errno as _errno
from typing import Any

from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import N_

OFFLINE = "offline"
TEMPORARY = "temporary"
NEEDS_PERSON = "needs_person"
MEANINGS = (OFFLINE, TEMPORARY, NEEDS_PERSON)

#: The classes in words (record, report, show, --monitoring).
WORDS = {OFFLINE: N_("this computer is offline"),
         TEMPORARY: N_("temporary problem on the server's side"),
         NEEDS_PERSON: N_("needs a person")}

_T, _P = TEMPORARY, NEEDS_PERSON

#: Diagnosis code -> class. Every code the diagnosis can give is here (a test reads the
#: diagnosis modules and resources/replies.toml and fails on a missing one).
BY_CODE: dict[str, str] = {
    # finding and reaching the server
    "unknown_host": _P,           # the name does not exist (offline: decided by asking)
    "dns_timeout": _T,
    "connection_refused": _T,
    "connect_timeout": _T,
    "network_error": _T,
    # talking to it
    "no_greeting": _T,
    "server_timeout": _T,
    "disconnected": _T,           # also a TLS handshake cut short
    "server_busy": _T,            # 421
    "auth_temporary": _T,         # 454
    "rate_limited": _T,
    "daily_limit": _T,            # passes at midnight
    "ews_throttled": _T,
    "ews_error": _T,
    "oauth_network": _T,
    "oauth_server": _T,
    "unexpected": _T,             # unknown: warned once it has lasted a day
    # security settings and certificates
    "tls_expected": _P, "starttls_expected": _P, "starttls_not_offered": _P, "tls_failed": _P, "tls_too_old": _P,
    "certificate_name_mismatch": _P, "certificate_expired": _P, "certificate_untrusted": _P,
    "certificate_changed": _P, "encryption_required": _P, "starttls_required": _P,
    "oauth_tls": _P,
    # the wrong server or port
    "not_a_mail_server": _P, "connection_rejected": _P, "auth_not_offered": _P,
    "auth_mechanism_unsupported": _P, "auth_mechanism_refused": _P, "smtputf8_unsupported": _P,
    "ews_not_found": _P, "ews_redirect": _P, "exchange_online_ews": _P,
    # signing in
    "auth_failed": _P, "app_password_required": _P, "smtp_auth_disabled": _P,
    "basic_auth_disabled": _P, "basic_auth_not_supported": _P, "password_transition": _P,
    "browser_sign_in_required": _P, "sign_in_policy": _P, "m365_smtp_auth_disabled": _P,
    "oauth_token_refused": _P, "oauth_invalid_grant": _P, "oauth_invalid_client": _P,
    "oauth_not_configured": _P, "oauth_admin_consent": _P, "oauth_denied": _P,
    "oauth_timeout": _P, "oauth_state_mismatch": _P, "oauth_wrong_tenant": _P, "oauth_redirect_mismatch": _P, "oauth_bad_request": _P,
    "ews_wrong_auth_type": _P, "ews_ntlm_failed": _P,
    # the sender, the recipient, the message
    "sender_refused": _P, "send_as_denied": _P, "from_not_allowed": _P, "login_required": _P,
    "relay_denied": _P, "recipient_refused": _P, "message_refused": _P, "message_too_big": _P,
    "server_refused": _P, "ews_no_mailbox": _P, "ews_send_as_denied": _P,
    "ews_access_denied": _P, "ews_message_refused": _P,
    # the settings themselves
    "invalid_settings": _P,
}

#: A 4xx reply says "try again later", except these, which wait for the user.
PERSON_EVEN_IF_4XX = frozenset({"password_transition"})

#: Diagnosis codes of failures before the server said anything: when the network itself is
#: down (asked at run time), they mean "offline".
MAY_BE_OFFLINE = frozenset({"unknown_host", "dns_timeout", "connect_timeout", "network_error",
                            "oauth_network"})

#: errno values that say this computer has no network at all.
OFFLINE_ERRNOS = frozenset({_errno.ENETUNREACH, _errno.ENETDOWN})

#: Failures with no diagnosis (the check could not start), by exit code.
BY_EXIT_CODE = {ec.SECRET_STORE: _P, ec.INVALID_SETTINGS: _P, ec.CONFIG_ERROR: _P,
                ec.SIGN_IN_AGAIN: _P, ec.RESOLVE: _P, ec.CONNECT: _T}


def reply_code(diagnosis: Any) -> int | None:
    """The server's reply code, from the diagnosis's server_reply ("421 4.3.2 …")."""
    reply = (getattr(diagnosis, "server_reply", None) if not isinstance(diagnosis, dict)
             else diagnosis.get("server_reply")) or ""
    head = reply.strip()[:3]
    return int(head) if len(head) == 3 and head.isdigit() and head[0] in "2345" else None


def meaning_of(code: str, *, reply: int | None = None, errno: int | None = None) -> str:
    """The class of a diagnosis code, with the server's reply code and the errno when known."""
    if reply is not None and 400 <= reply < 500 and code not in PERSON_EVEN_IF_4XX:
        return TEMPORARY
    if errno in OFFLINE_ERRNOS:
        return OFFLINE
    return BY_CODE.get(code, NEEDS_PERSON)


def meaning_of_failure(diagnosis: Any = None, exit_code: int | None = None,
                       failure: Any = None) -> str | None:
    """The class of a failed check: from its diagnosis (a Diagnosis or its dict) and the
    failure's facts, else from the exit code; None for a success or a cancelled check."""
    if exit_code in (ec.OK, ec.CANCELLED):
        return None
    if diagnosis is not None:
        code = diagnosis["code"] if isinstance(diagnosis, dict) else diagnosis.code
        if code == "cancelled":
            return None
        err = failure.get("errno") if isinstance(failure, dict) else \
            getattr(failure, "errno", None)
        return meaning_of(code, reply=reply_code(diagnosis), errno=err)
    return BY_EXIT_CODE.get(exit_code, NEEDS_PERSON)


def may_be_offline(diagnosis: Any) -> bool:
    """Whether asking the network could turn this failure into "offline"."""
    if diagnosis is None:
        return False
    code = diagnosis["code"] if isinstance(diagnosis, dict) else diagnosis.code
    return code in MAY_BE_OFFLINE
