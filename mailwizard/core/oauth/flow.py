"""Signing in with Google or Microsoft to send mail with XOAUTH2 (OAuth 2.0).

What is here: the providers' sign-in addresses (resources/oauth.toml), the client ID that an
organisation or ERP vendor registered (`client_settings`), the browser sign-in
(`AuthorizationFlow`: authorization code with PKCE S256 and a loopback redirect, RFC 8252;
it and its loopback listener are in core/oauth/signin.py and exported here), refreshing tokens
(`refresh_tokens`); every failure is an `OAuthError` in plain words (core/oauth/errors.py).

No Qt. requests and requests-oauthlib are imported only when a sign-in or a refresh really
talks to a provider, so importing this module stays cheap.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping

from mailwizard.core.i18n import _
from mailwizard.core.oauth.errors import (  # noqa: F401 (re-exported)
    KINDS, OAuthError, _classify_provider_error, _error, _host)
from mailwizard.core.redact import redact, register_secret

if TYPE_CHECKING:  # pragma: no cover
    from mailwizard.core.oauth.signin import AuthorizationFlow

log = logging.getLogger(__name__)


#: Access tokens without an "expires_in" are assumed to last this long (both providers issue
#: one-hour tokens and always say so).
_DEFAULT_LIFETIME = 3600.0

_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,253}")


# -- providers ----------------------------------------------------------------------------
@dataclass(frozen=True)
class OAuthProvider:
    """A sign-in service: where to send the browser, where to get tokens, what to ask for."""

    id: str
    name: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    extra_params: Mapping[str, str] = field(default_factory=dict, hash=False)
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    #: What an administrator registers, and where (plain words, from oauth.toml).
    register_help: str = ""
    register_where: str = ""
    register_url: str = ""
    consent_url: str = ""
    help_url: str = ""
    #: Where the endpoint facts were read, and when.
    source: str = ""
    verified: str = ""
    #: Host name in the loopback redirect URI (the listener itself binds 127.0.0.1 only).
    redirect_host: str = "127.0.0.1"
    tenant: str = ""
    default_tenant: str = ""
    #: Addresses with "{tenant}" (Microsoft); empty when the provider has no tenants.
    authorize_template: str = field(default="", repr=False, compare=False)
    token_template: str = field(default="", repr=False, compare=False)
    #: Every fact group's source, e.g. {"scopes": "https://…"}.
    sources: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False,
                                       repr=False)

    @property
    def has_tenants(self) -> bool:
        return "{tenant}" in self.authorize_template

    def for_tenant(self, tenant: str) -> "OAuthProvider":
        """The same provider for one organisation's directory: a tenant ID or domain, or
        "organizations", "common", "consumers". Empty means the default tenant. Providers
        without tenants (Google) are returned unchanged."""
        if not self.has_tenants:
            return self
        tenant = (tenant or self.default_tenant).strip()
        if not _TENANT.fullmatch(tenant) or ".." in tenant:
            raise OAuthError(
                "not_configured",
                _("“{tenant}” is not a valid Microsoft directory (tenant).").format(
                    tenant=tenant),
                _("Use your organisation's tenant ID (a code like {example_id}) or its domain "
                  "(like {example_domain}), or leave it empty.").format(
                    example_id="1a2b3c4d-0000-0000-0000-123456789abc",
                    example_domain="yourcompany.onmicrosoft.com"),
                self.help_url)
        return replace(self, tenant=tenant,
                       authorize_url=self.authorize_template.replace("{tenant}", tenant),
                       token_url=self.token_template.replace("{tenant}", tenant))

    def with_endpoints(self, authorize_url: str, token_url: str) -> "OAuthProvider":
        """The same provider at other addresses (they may contain "{tenant}"); for test
        servers and private deployments."""
        p = replace(self, authorize_template=authorize_url, token_template=token_url,
                    authorize_url=authorize_url, token_url=token_url)
        return p.for_tenant(self.tenant) if p.has_tenants else p


def _provider(d: dict[str, Any]) -> OAuthProvider:
    ep, sc, smtp, reg = d["endpoints"], d["scopes"], d["smtp"], d["registration"]
    p = OAuthProvider(
        id=d["id"], name=d["name"], authorize_url=ep["authorize_url"],
        token_url=ep["token_url"], scopes=tuple(sc["scopes"]),
        extra_params=dict(sc.get("extra_params", {})), smtp_host=smtp["host"],
        smtp_port=int(smtp["port"]), smtp_security=smtp.get("security", "starttls"),
        register_help=reg["text"], register_where=reg["where"], register_url=reg["url"],
        consent_url=reg.get("consent_url", ""), help_url=d.get("help_url", ""),
        source=ep["source"], verified=ep["verified"],
        redirect_host=ep.get("redirect_host", "127.0.0.1"),
        default_tenant=ep.get("default_tenant", ""),
        authorize_template=ep["authorize_url"], token_template=ep["token_url"],
        sources={name: table["source"] for name, table in
                 (("endpoints", ep), ("scopes", sc), ("smtp", smtp), ("registration", reg))})
    return p.for_tenant("") if p.has_tenants else p


@functools.lru_cache(maxsize=1)
def _load() -> tuple[OAuthProvider, ...]:
    from mailwizard.core.resources import read_resource_bytes

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    data = tomllib.loads(read_resource_bytes("oauth.toml").decode("utf-8"))
    return tuple(_provider(d) for d in data["provider"])


def load_oauth_providers() -> dict[str, OAuthProvider]:
    """{"google": …, "microsoft": …} from resources/oauth.toml (Microsoft with its default
    tenant, "organizations")."""
    return {p.id: p for p in _load()}


def _get_provider(provider_id: str) -> OAuthProvider:
    try:
        return load_oauth_providers()[provider_id]
    except KeyError:
        raise ValueError(f"unknown OAuth provider {provider_id!r}") from None


# -- which app registration to use ----------------------------------------------------------
@dataclass(frozen=True)
class ClientSettings:
    """The app registration (client) mailwizard signs in as. It belongs to the organisation
    or the ERP vendor, never to mailwizard itself."""

    client_id: str
    client_secret: str = field(default="", repr=False)
    tenant: str = ""

    def __post_init__(self) -> None:
        register_secret(self.client_secret)


def env_var_names(provider_id: str) -> dict[str, str]:
    """The environment variables that configure a provider's client, e.g. for "google":
    {"client_id": "MAILWIZARD_GOOGLE_CLIENT_ID", "client_secret": …, "tenant": …}."""
    prefix = "MAILWIZARD_" + re.sub(r"[^A-Z0-9]", "_", provider_id.upper()) + "_"
    return {k: prefix + k.upper() for k in ("client_id", "client_secret", "tenant")}


def client_settings(provider_id: str, *, answers: Mapping[str, Any] | None = None,
                    site: Mapping[str, Any] | None = None,
                    environ: Mapping[str, str] = os.environ) -> ClientSettings | None:
    """The client to sign in with, or None when none is configured (then show
    `not_configured_help`).

    Sources, first match wins: `answers` (what the user or an installer gave for this
    provider: {"client_id", "client_secret", "tenant"}), the environment
    (MAILWIZARD_<PROVIDER>_CLIENT_ID / _CLIENT_SECRET / _TENANT), then the site settings file
    ({"oauth": {"google": {"client_id": …, "client_secret": …},
    "microsoft": {"client_id": …, "tenant": …}}}).

    The source that gives the client ID also gives its secret: an ID and a secret from two
    different places would not belong together. A tenant is taken from the first source that
    names one, so a user can choose their organisation's tenant for a vendor's client ID."""
    _get_provider(provider_id)
    names = env_var_names(provider_id)
    site_table = {}
    if site:
        oauth = site.get("oauth")
        if isinstance(oauth, Mapping) and isinstance(oauth.get(provider_id), Mapping):
            site_table = oauth[provider_id]
    sources = [
        dict(answers or {}),
        {k: environ.get(v, "") for k, v in names.items()},
        dict(site_table),
    ]

    def text(source: Mapping[str, Any], key: str) -> str:
        value = source.get(key)
        return value.strip() if isinstance(value, str) else ""

    chosen = next((s for s in sources if text(s, "client_id")), None)
    if chosen is None:
        return None
    tenant = next((t for s in sources if (t := text(s, "tenant"))), "")
    if not _get_provider(provider_id).has_tenants:
        tenant = ""
    return ClientSettings(text(chosen, "client_id"), text(chosen, "client_secret"), tenant)


def not_configured_help(provider_id: str) -> str:
    """What an administrator must do before "Connect" can work, in plain words: what to
    register, where, and where to put the client ID."""
    p = _get_provider(provider_id)
    env = env_var_names(provider_id)
    if p.has_tenants:
        second = env["tenant"]
        keys = (f'[oauth.{p.id}]\nclient_id = "…"\n'
                'tenant = "yourcompany.onmicrosoft.com"')
        tenant_note = " " + _("The tenant is your organisation's directory ID or domain; "
                              "without one, mailwizard uses “{tenant}” (any work or school "
                              "account).").format(tenant=p.default_tenant)
    else:
        second = env["client_secret"]
        keys = f'[oauth.{p.id}]\nclient_id = "…"\nclient_secret = "…"'
        tenant_note = ""
    # Translators: {where} is the provider's admin console (from oauth.toml), {url} its address.
    first = _("Signing in with {provider} needs an app registration that belongs to your "
              "organisation or your ERP vendor; mailwizard does not come with one. Someone who "
              "manages your organisation's accounts registers it once in the {where} "
              "({url}):").format(provider=_text(p.name), where=_text(p.register_where),
                                 url=p.register_url)
    # Translators: {variable1} and {variable2} are names of environment variables.
    then = _("Then give the client ID to mailwizard, either in the environment variables "
             "{variable1} and {variable2}, or in the site settings file:").format(
        variable1=env["client_id"], variable2=second)
    return f"{first}\n\n{_text(p.register_help)}\n\n{then}\n\n{keys}\n{tenant_note}".rstrip()


def _text(text: str) -> str:
    """A sentence of oauth.toml in the user's language ("" stays "")."""
    return _(text) if text else ""


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


def __getattr__(name: str):
    # AuthorizationFlow lives in core/oauth/signin.py (which imports this module): exported
    # here on first use, so `from mailwizard.core.oauth.flow import AuthorizationFlow` works.
    if name == "AuthorizationFlow":
        from mailwizard.core.oauth.signin import AuthorizationFlow

        return AuthorizationFlow
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
