"""Signing in with Google or Microsoft to send mail with XOAUTH2 (OAuth 2.0).

What is here: the providers' sign-in addresses (resources/oauth.toml), the client ID that an
organisation or ERP vendor registered (`client_settings`), the browser sign-in
(`AuthorizationFlow`: authorization code with PKCE S256 and a loopback redirect, RFC 8252;
it and its loopback listener are in core/oauth/signin.py), refreshing tokens
(`refresh_tokens`); every failure is an `OAuthError` in plain words (core/oauth/failures.py).
The providers and the client settings are in core/oauth/providers.py (re-exported here).

No Qt. requests and requests-oauthlib are imported only when a sign-in or a refresh really
talks to a provider, so importing this module stays cheap.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from mailwizard.core.oauth.errors import (  # noqa: F401 (re-exported)
    KINDS, OAuthError, _classify_provider_error)
from mailwizard.core.oauth.failures import _error  # noqa: F401 (re-exported)
from mailwizard.core.oauth.providers import (  # noqa: F401 (re-exported)
    ClientSettings, OAuthProvider, _get_provider, client_settings, env_var_names,
    load_oauth_providers, not_configured_help)
from mailwizard.core.redact import redact, register_secret

log = logging.getLogger(__name__)


#: Access tokens without an "expires_in" are assumed to last this long (both providers issue
#: one-hour tokens and always say so).
_DEFAULT_LIFETIME = 3600.0

# -- tokens -------------------------------------------------------------------------------
@dataclass
class Tokens:
    """What a sign-in or a refresh gives: a short-lived access token for XOAUTH2 and,
    usually, a long-lived refresh token to get the next one without the browser."""

    access_token: str = field(repr=False)
    refresh_token: str = field(default="", repr=False)
    expires_at: float = 0.0  # time.time() seconds
    scope: str = ""
    token_type: str = "Bearer"

    def __post_init__(self) -> None:
        register_secret(self.access_token)
        register_secret(self.refresh_token)

    def expired(self, skew: float = 60) -> bool:
        """True when the access token has expired or will within `skew` seconds."""
        return time.time() >= self.expires_at - skew


def xoauth2_string(user: str, access_token: str) -> bytes:
    """The SASL XOAUTH2 initial response (before base64), as Google and Microsoft define it."""
    return b"user=" + user.encode("utf-8") + b"\x01auth=Bearer " \
        + access_token.encode("ascii") + b"\x01\x01"


def _tokens_from(token: Mapping[str, Any], provider: OAuthProvider,
                 client: ClientSettings, old_refresh: str = "") -> Tokens:
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise _error("server", provider, client, detail="no access token in the reply")
    expires_at = token.get("expires_at")
    if not isinstance(expires_at, (int, float)):
        expires_in = token.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, (int, float)) \
            else _DEFAULT_LIFETIME
        expires_at = time.time() + lifetime
    scope = token.get("scope") or ""
    if not isinstance(scope, str):
        scope = " ".join(scope)
    # Google lets people untick permissions on its consent page: without the mail scope the
    # token is useless for sending, and SMTP would only say "535" much later.
    needed = provider.scopes[0].lower() if provider.scopes else ""
    if scope and needed and needed not in scope.lower().split():
        raise _error("denied", provider, client, scope_missing=True,
                     detail=f"granted scope: {scope}")
    refresh = token.get("refresh_token")
    return Tokens(access, refresh if isinstance(refresh, str) and refresh else old_refresh,
                  float(expires_at), scope, str(token.get("token_type") or "Bearer"))


# -- talking to the token endpoint ------------------------------------------------------------
_LIBRARY_LOG_QUIETED = False


class _DropLibraryDebug(logging.Filter):
    """requests-oauthlib logs request bodies (code, code_verifier, client secret) and whole
    token responses at DEBUG, before we could register the tokens for redaction: drop its
    debug lines, and redact anything else it says."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return False
        try:
            record.msg, record.args = redact(record.getMessage()), None
        except Exception:  # a broken format string is not ours to fix
            pass
        return True


def _quiet_library_logs() -> None:
    global _LIBRARY_LOG_QUIETED
    if _LIBRARY_LOG_QUIETED:
        return
    for name in ("requests_oauthlib.oauth2_session", "requests_oauthlib"):
        logging.getLogger(name).addFilter(_DropLibraryDebug())
    _LIBRARY_LOG_QUIETED = True


class _BadReply(Exception):
    def __init__(self, status: int, content_type: str):
        super().__init__(f"HTTP {status}, {content_type or 'no content type'}")


def _check_token_reply(response):
    """Compliance hook: runs on the raw token reply before requests-oauthlib parses or logs
    the token. Registers every token for redaction at once, and turns a reply that is not
    OAuth JSON (a proxy's page, a server error) into a clear failure."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("access_token", "refresh_token", "id_token"):
            if isinstance(data.get(key), str):
                register_secret(data[key])
        if "error" in data or "access_token" in data:
            return response
    raise _BadReply(response.status_code, response.headers.get("Content-Type", ""))


def _new_session(provider: OAuthProvider, client: ClientSettings, redirect_uri: str = ""):
    from oauthlib.oauth2 import WebApplicationClient
    from requests_oauthlib import OAuth2Session

    _quiet_library_logs()
    oauth_client = WebApplicationClient(client.client_id)
    session = OAuth2Session(client=oauth_client, redirect_uri=redirect_uri or None,
                            scope=list(provider.scopes), pkce="S256")
    session.register_compliance_hook("access_token_response", _check_token_reply)
    session.register_compliance_hook("refresh_token_response", _check_token_reply)
    return session, oauth_client


def _call_token_endpoint(fn: Callable[[], Any], provider: OAuthProvider,
                         client: ClientSettings) -> Mapping[str, Any]:
    """Run one token request; every failure becomes an OAuthError with a kind."""
    import requests
    from oauthlib.oauth2.rfc6749 import errors as oauth_errors

    try:
        return fn()
    except OAuthError:
        raise
    except Warning as w:
        # oauthlib raises "Scope has changed" when the reply lists other scopes than were
        # asked for; Microsoft never echoes offline_access. The token is in the warning.
        token = getattr(w, "token", None)
        if token is None:
            raise
        return token
    except _BadReply as exc:
        raise _error("server", provider, client, detail=str(exc)) from None
    except requests.exceptions.SSLError as exc:
        raise _error("tls", provider, client, detail=str(exc)) from None
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        raise _error("network", provider, client, detail=str(exc)) from None
    except requests.exceptions.RequestException as exc:
        raise _error("network", provider, client, detail=str(exc)) from None
    except oauth_errors.InsecureTransportError:
        raise _error("tls", provider, client,
                     detail=f"not an https address: {provider.token_url}") from None
    except oauth_errors.OAuth2Error as exc:
        error = getattr(exc, "error", "") or ""
        description = getattr(exc, "description", "") or ""
        kind = _classify_provider_error(error, description)
        raise _error(kind, provider, client, detail=f"{error}: {description}") from None
    except OSError as exc:  # e.g. a CA file that cannot be read
        raise _error("tls", provider, client, detail=str(exc)) from None


def _authorization_url(session, provider: OAuthProvider, client: ClientSettings, state: str,
                       params: dict[str, str]) -> str:
    from oauthlib.oauth2.rfc6749.errors import InsecureTransportError

    try:
        url, _state = session.authorization_url(provider.authorize_url, state=state, **params)
    except InsecureTransportError:
        raise _error("tls", provider, client,
                     detail=f"not an https address: {provider.authorize_url}") from None
    return url


def refresh_tokens(provider: OAuthProvider, client: ClientSettings, refresh_token: str, *,
                   cafile: str | None = None, timeout: float = 20) -> Tokens:
    """A new access token from a refresh token, without the browser. The reply may carry a
    new refresh token (Microsoft rotates them): store `Tokens.refresh_token` again.
    A refresh token that was revoked or expired raises OAuthError("invalid_grant")."""
    if not client or not client.client_id:
        raise _error("not_configured", provider, client)
    if client.tenant:
        provider = provider.for_tenant(client.tenant)
    if not refresh_token:
        raise _error("invalid_grant", provider, client, detail="no refresh token stored")
    register_secret(refresh_token)
    session, _client = _new_session(provider, client)
    extra = {"client_secret": client.client_secret} if client.client_secret else {}
    try:
        token = _call_token_endpoint(
            lambda: session.refresh_token(provider.token_url, refresh_token=refresh_token,
                                          timeout=timeout, verify=cafile or True,
                                          client_id=client.client_id, **extra),
            provider, client)
    finally:
        session.close()
    return _tokens_from(token, provider, client, old_refresh=refresh_token)
