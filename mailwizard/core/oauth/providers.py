"""The sign-in services (resources/oauth.toml) and the app registration (client) an
organisation or ERP vendor gives mailwizard to sign in as; what an administrator must do when
there is none. Plain data: no network, no Qt."""

from __future__ import annotations

import functools
import os
import re
import sys
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from mailwizard.core.i18n import _
from mailwizard.core.oauth.errors import OAuthError
from mailwizard.core.redact import register_secret

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
