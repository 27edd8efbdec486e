"""A connected (OAuth) account after sign-in: the profile built from it, fresh access tokens
from the stored refresh token (re-storing a rotated one), and the short-lived access token
cache that `mailwizard token` uses. The browser sign-in itself is core/oauth.py.

Secrets in the keyring, never in a file: "<profile>/refresh_token" and, as a cache,
"<profile>/access_token" (the token and its expiry time, as JSON).
"""

from __future__ import annotations

import json
import os
import re
import time
from typing import Any, Mapping

from mailwizard.core.i18n import _
from mailwizard.core.oauth.flow import (ClientSettings, OAuthError, OAuthProvider, Tokens,
                                   client_settings, load_oauth_providers, refresh_tokens)
from mailwizard.core.profile import AuthMethod, Profile, Security, ServiceType
from mailwizard.core.redact import register_secret
from mailwizard.core.store.secrets import SecretRef, get_secret, set_secret

#: An access token this close to its expiry is not handed out any more.
MIN_LIFETIME = 300.0

#: Microsoft's consumer mail domains (Outlook.com, Hotmail, Live, MSN): personal Microsoft
#: accounts, which sign in only through the "consumers" or "common" tenant —
#: "organizations" or a company's tenant refuses them (AADSTS50020; shared/PROVIDERS.md).
_PERSONAL_MICROSOFT = re.compile(r"(outlook|hotmail|live|msn|windowslive|passport)"
                                 r"(\.[a-z]{2,3}){1,2}")


def is_personal_microsoft(email: str) -> bool:
    domain = email.rpartition("@")[2].strip().lower()
    return bool(_PERSONAL_MICROSOFT.fullmatch(domain))


def tenant_for_account(email: str, configured: str = "") -> str:
    """The Microsoft tenant to sign `email` in with: a personal account (Outlook.com,
    Hotmail, Live) uses "consumers" (or "common" when that is configured, which takes
    both); a work or school account keeps the configured tenant."""
    if is_personal_microsoft(email):
        return configured if configured.strip().lower() in ("common", "consumers") \
            else "consumers"
    return configured


def provider_for(profile: Profile) -> OAuthProvider:
    """The sign-in service of a profile, at the token address the profile was saved with."""
    provider = load_oauth_providers()[profile.oauth_provider]
    if provider.has_tenants:
        provider = provider.for_tenant(profile.oauth_tenant)
    if profile.token_endpoint and profile.token_endpoint != provider.token_url:
        provider = provider.with_endpoints(provider.authorize_url, profile.token_endpoint)
    return provider


def client_for(provider_id: str, *, site: Mapping[str, Any] | None = None,
               answers: Mapping[str, Any] | None = None,
               environ: Mapping[str, str] = os.environ) -> ClientSettings:
    """The configured client (answers, environment, the site file's settings handed in by
    the face that read it); OAuthError("not_configured") with what to register and where to
    put it when there is none."""
    client = client_settings(provider_id, answers=answers, site=site, environ=environ)
    if client is None:
        from mailwizard.core.oauth.flow import _error

        raise _error("not_configured", load_oauth_providers()[provider_id])
    return client


def configured_client(profile: Profile, site: Mapping[str, Any] | None
                      ) -> ClientSettings | None:
    """The client a connected profile refreshes its token with (environment, else the site
    file's settings handed in by the face); None for a profile that does not sign in with
    OAuth, or when none is configured (a refresh then says what to set up)."""
    if profile.auth is not AuthMethod.OAUTH2 \
            or profile.oauth_provider not in load_oauth_providers():
        return None
    return client_settings(profile.oauth_provider, site=site)


def connected_profile(provider: OAuthProvider, email: str, *, display_name: str = "",
                      tenant: str = "", cafile: str = "") -> Profile:
    """The profile for sending as `email` through the provider's SMTP server with XOAUTH2."""
    return Profile(
        service=ServiceType.OAUTH, auth=AuthMethod.OAUTH2, provider_id=f"oauth-{provider.id}",
        host=provider.smtp_host, port=int(provider.smtp_port),
        security=Security(provider.smtp_security), username=email, from_address=email,
        display_name=display_name, oauth_provider=provider.id,
        oauth_tenant=tenant if provider.has_tenants or provider.tenant else "",
        token_endpoint=provider.token_url, cafile=cafile)


def fresh_tokens(profile: Profile, refresh_token: str, *,
                 client: ClientSettings | None = None, timeout: float = 20) -> Tokens:
    """A new access token (and maybe a new refresh token) for a connected profile; `client`
    as the face found it (`configured_client`), else the environment's."""
    provider = provider_for(profile)
    client = client or client_for(profile.oauth_provider)
    # The tenant the sign-in used (saved in the profile) is the one its refresh token
    # belongs to: "consumers" for a personal account even when the client names a company's.
    if profile.oauth_tenant and profile.oauth_tenant != client.tenant:
        client = ClientSettings(client.client_id, client.client_secret, profile.oauth_tenant)
    tokens = refresh_tokens(provider, client, refresh_token, cafile=profile.cafile or None,
                            timeout=timeout)
    register_secret(tokens.access_token)
    register_secret(tokens.refresh_token)
    return tokens


def _cache_ref(ref: SecretRef) -> SecretRef:
    return SecretRef(ref.profile, "access_token", ref.service)


def access_token_for_saved(profile: Profile, ref: SecretRef, *,
                           client: ClientSettings | None = None,
                           force_refresh: bool = False) -> tuple[str, float]:
    """(access token, expiry as a Unix time) for a saved connected profile: the cached one
    while it has at least MIN_LIFETIME left, else a refreshed one. A rotated refresh token is
    stored again. Raises OAuthError (invalid_grant: sign in again) or SecretStoreUnavailable."""
    if not force_refresh:
        cached = get_secret(_cache_ref(ref))
        if cached:
            try:
                data = json.loads(cached)
                if float(data["expires_at"]) - time.time() > MIN_LIFETIME:
                    register_secret(data["access_token"])
                    return data["access_token"], float(data["expires_at"])
            except (ValueError, KeyError, TypeError):
                pass  # an unreadable cache entry is simply replaced
    refresh = get_secret(ref)
    if not refresh:
        raise OAuthError("invalid_grant", _("No saved sign-in was found for this profile."),
                         _("Open mailwizard and choose Connect to sign in again."))
    register_secret(refresh)
    tokens = fresh_tokens(profile, refresh, client=client)
    if tokens.refresh_token and tokens.refresh_token != refresh:
        set_secret(ref, tokens.refresh_token)
    expires_at = tokens.expires_at or (time.time() + 3600)
    set_secret(_cache_ref(ref), json.dumps({"access_token": tokens.access_token,
                                            "expires_at": expires_at}))
    return tokens.access_token, expires_at
