"""The provider catalogue (resources/providers.toml) as plain objects, and matching an email
address to a preset.

The facts are authored in resources/providers.toml; the program reads them as compiled by
scripts/compile_providers.py into resources/providers.json (the same tables: JSON is read in
≈ 0.2 ms, the TOML with tomllib in ≈ 10 ms; a test fails when the JSON is stale).

The texts a person reads (a provider's name, summary, notes, hints, secret label, steps,
policy warnings and limit) are kept in English as resources/providers.toml has them (the
``*_en`` fields) and are translated each time they are read (``summary``, ``notes``, ``text``
…), so a preset follows the language chosen after import and every later switch; callers show
them as they get them (no second ``_()``). Ids, hosts, links, sources and dates are never
translated."""

from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass, field

from mailwizard.core.i18n import N_, _
from mailwizard.core.profile_types import SECURITY_WORDS, AuthMethod, Security, ServiceType
from mailwizard.core.resources import read_resource_bytes

TYPE_CHECKING = False  # typing, and the profile model only when a preset fills a profile
if TYPE_CHECKING:
    from typing import Any
    from mailwizard.core.profile import Profile


def _text(english: str) -> str:
    """`english` in the user's language ("" stays "": gettext would give the catalogue's
    header for it)."""
    return _(english) if english else english


@dataclass(frozen=True)
class Endpoint:
    port: int
    security: Security

    def label(self) -> str:
        return f"{self.port} {_text(SECURITY_WORDS[self.security])}"


@dataclass(frozen=True)
class Fact:
    """Where a group of facts was read, and when."""

    source: str
    verified: str
    unverified: bool = False


@dataclass(frozen=True)
class GuidanceStep:
    text_en: str
    link: str = ""

    @property
    def text(self) -> str:
        return _text(self.text_en)


@dataclass(frozen=True)
class PolicyWarning:
    id: str
    text_en: str
    source: str
    verified: str

    @property
    def text(self) -> str:
        return _text(self.text_en)


@dataclass(frozen=True)
class SendingLimit:
    daily_recipients: int
    text_en: str
    fact: Fact

    @property
    def text(self) -> str:
        return _text(self.text_en)


@dataclass(frozen=True)
class ProviderPreset:
    id: str
    name_en: str
    service: ServiceType
    summary_en: str
    domains: tuple[str, ...]
    host: str
    endpoints: tuple[Endpoint, ...]
    server_fact: Fact
    auth: AuthMethod
    username_rule: str  # "email", "literal", "provider", "domain_user"
    username_value: str
    username_hint_en: str
    secret_kind: str  # "password", "app_password", "api_key", "smtp_key", "smtp_password"
    secret_label_en: str
    secret_hint_en: str
    two_step_required: bool
    login_fact: Fact
    help: dict[str, str]
    limit: SendingLimit | None
    steps: tuple[GuidanceStep, ...]
    warnings: tuple[PolicyWarning, ...]
    notes_en: tuple[str, ...]
    regions: tuple[str, ...] = ()
    default_region: str = ""
    alternatives: tuple[str, ...] = ()
    #: the server of a regional domain (zoho.in -> smtp.zoho.in), when it is not `host`
    domain_hosts: dict[str, str] = field(default_factory=dict)
    oauth: str = ""
    #: no password or app password works: only Connect (OAuth) with `oauth` signs in
    connect_only: bool = False
    order: int = 1000
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    # --- the texts in the user's language ---------------------------------------------------
    @property
    def name(self) -> str:
        """The provider's name; a description in parentheses is translated, the brand not."""
        return _text(self.name_en)

    @property
    def summary(self) -> str:
        return _text(self.summary_en)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(_text(n) for n in self.notes_en)

    @property
    def username_hint(self) -> str:
        return _text(self.username_hint_en)

    @property
    def secret_label(self) -> str:
        return _text(self.secret_label_en)

    @property
    def secret_hint(self) -> str:
        return _text(self.secret_hint_en)

    # --- the settings ---------------------------------------------------------------------------
    @property
    def needs_region(self) -> bool:
        return "{region}" in self.host

    @property
    def default_endpoint(self) -> Endpoint:
        return self.endpoints[0]

    def host_for(self, region: str | None = None) -> str:
        if self.needs_region:
            return self.host.replace("{region}", region or self.default_region)
        return self.host

    def host_for_email(self, email: str, region: str | None = None) -> str:
        """The server for this address: its regional domain's own (user@zoho.in ->
        smtp.zoho.in), else as host_for."""
        domain = email.rpartition("@")[2].lower().rstrip(".")
        if not region and domain in self.domain_hosts:
            return self.domain_hosts[domain]
        return self.host_for(region)

    def username_for(self, email: str) -> str:
        """Pre-fill the user name the way this provider expects it."""
        if self.username_rule == "email":
            return email
        if self.username_rule == "literal":
            return self.username_value
        return ""

    def endpoint_for(self, port: int) -> Endpoint | None:
        return next((e for e in self.endpoints if e.port == port), None)

    def matches_domain(self, domain: str) -> bool:
        domain = domain.lower().rstrip(".")
        return any(fnmatch.fnmatchcase(domain, pattern.lower()) for pattern in self.domains)

    def profile_for(self, email: str = "", *, region: str | None = None,
                    display_name: str = "") -> Profile:
        """A profile pre-filled from this preset (the user can still change everything)."""
        from mailwizard.core.profile import Profile

        ep = self.default_endpoint
        return Profile(
            host=self.host_for_email(email, region), port=ep.port, security=ep.security, auth=self.auth,
            username=self.username_for(email), from_address=email,
            display_name=display_name, service=self.service, provider_id=self.id)


def _fact(table: dict[str, Any]) -> Fact:
    return Fact(source=table.get("source", ""), verified=table.get("verified", ""),
                unverified=bool(table.get("unverified", False)))


def _preset(d: dict[str, Any]) -> ProviderPreset:
    server, login = d["server"], d["login"]
    limit = None
    if "limit" in d:
        limit = SendingLimit(int(d["limit"]["daily_recipients"]), d["limit"]["text"],
                             _fact(d["limit"]))
    return ProviderPreset(
        id=d["id"], name_en=d["name"], service=ServiceType(d.get("service", "smtp")),
        summary_en=d.get("summary", ""), domains=tuple(d.get("domains", ())),
        host=server.get("host", ""),
        endpoints=tuple(Endpoint(int(e["port"]), Security(e["security"]))
                        for e in server["endpoints"]),
        server_fact=_fact(server), auth=AuthMethod(login.get("auth", "password")),
        username_rule=login.get("username", "email"),
        username_value=login.get("username_value", ""),
        username_hint_en=login.get("username_hint", ""),
        secret_kind=login.get("secret", "password"),
        # Translators: the default label of the secret's box, when the provider names none.
        secret_label_en=login.get("secret_label", N_("Password")),
        secret_hint_en=login.get("secret_hint", ""),
        two_step_required=bool(login.get("two_step_required", False)),
        login_fact=_fact(login), help=dict(d.get("help", {})), limit=limit,
        steps=tuple(GuidanceStep(s["text"], s.get("link", "")) for s in d.get("steps", ())),
        warnings=tuple(PolicyWarning(w["id"], w["text"], w.get("source", ""),
                                     w.get("verified", "")) for w in d.get("warnings", ())),
        notes_en=tuple(d.get("notes", ())), regions=tuple(server.get("regions", ())),
        default_region=server.get("default_region", ""),
        alternatives=tuple(server.get("alternatives", ())),
        domain_hosts={k.lower(): v for k, v in server.get("domain_hosts", {}).items()},
        oauth=d.get("oauth", ""),
        connect_only=bool(login.get("connect_only", False)),
        order=int(d.get("order", 1000)), raw=d)


@dataclass(frozen=True)
class Catalogue:
    providers: tuple[ProviderPreset, ...]

    def __iter__(self):
        return iter(self.providers)

    def __len__(self) -> int:
        return len(self.providers)

    def get(self, provider_id: str) -> ProviderPreset | None:
        return next((p for p in self.providers if p.id == provider_id), None)

    def __getitem__(self, provider_id: str) -> ProviderPreset:
        p = self.get(provider_id)
        if p is None:
            raise KeyError(provider_id)
        return p

    def match_email(self, email: str) -> ProviderPreset | None:
        """The preset an address's domain selects, or None (custom domains can't be told
        from the address alone)."""
        _, at, domain = email.strip().rpartition("@")
        if not at or not domain:
            return None
        domain = domain.lower().rstrip(".")
        exact, wildcards = self._domain_index
        found = exact.get(domain)
        for p, pattern in wildcards:  # few (outlook.*, hotmail.*), in the presets' order
            if found is not None and p.order >= found.order:
                break
            if pattern.match(domain):
                return p
        return found

    @functools.cached_property
    def _domain_index(self):
        """Plain domains in a dictionary (a look-up does not grow with the list), and for
        each preset with wildcard domains one compiled pattern, in the presets' order."""
        import re

        exact: dict[str, ProviderPreset] = {}
        wild = []
        for p in self.providers:
            globs = [d.lower() for d in p.domains if any(ch in d for ch in "*?[")]
            for d in p.domains:
                if d.lower() not in globs:
                    exact.setdefault(d.lower(), p)
            if globs:
                wild.append((p, re.compile("|".join(fnmatch.translate(g) for g in globs))))
        return exact, tuple(wild)

    def search(self, text: str) -> list[ProviderPreset]:
        """Presets whose name (in English or the user's language), id, host or domains contain
        the text (case-insensitive); names that start with it first, then names that contain
        it, then the rest."""
        t = text.strip().lower()
        if not t:
            return list(self.providers)

        def rank(p: ProviderPreset) -> int | None:
            names = {p.name_en.lower(), p.name.lower()}
            if any(name.startswith(t) for name in names):
                return 0
            if any(t in name for name in names) or t in p.id:
                return 1
            if t in p.host.lower() or any(t in d for d in p.domains):
                return 2
            return None

        ranked = [(r, i, p) for i, p in enumerate(self.providers) if (r := rank(p)) is not None]
        return [p for _, _, p in sorted(ranked, key=lambda x: (x[0], x[1]))]


@functools.lru_cache(maxsize=1)
def provider_data() -> dict[str, Any]:
    """The tables of resources/providers.toml (presets, MX patterns), read once from their
    compiled form, resources/providers.json."""
    import json

    return json.loads(read_resource_bytes("providers.json"))["data"]


@functools.lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The presets, read once: they keep the English texts and translate them when read, so
    the cache is the same in every language."""
    data = provider_data()
    presets = sorted((_preset(d) for d in data["provider"]), key=lambda p: (p.order, p.name_en))
    return Catalogue(tuple(presets))
