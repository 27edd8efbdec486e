"""What the SMTP diagnosis table (diagnosis/smtp_rules.py) computes beyond the failure's own
facts: the facts its rules ask for by name, the handlers that hand a failure to another table
(Exchange, certificates, resources/replies.toml), and the placeholders, help links and
suggestions that depend on the provider or the profile."""

from __future__ import annotations

import functools
from typing import Any

from mailwizard.core.diagnosis.certificates import diagnose_certificate
from mailwizard.core.diagnosis.common import (
    GOOGLE_APP_PASSWORDS, M365_SMTP_AUTH_HELP, Diagnosis, _suggest)
from mailwizard.core.diagnosis.rules import Facts
from mailwizard.core.profile import Security


class SmtpFacts(Facts):
    """The facts the SMTP rules compute beyond the failure's own."""

    @functools.cached_property
    def fixed_provider_host(self) -> bool:
        """The provider has one server name (not one per region or domain)."""
        provider = self.provider
        return bool(provider and provider.host and "{" not in provider.host)

    @functools.cached_property
    def two_step_required(self) -> bool:
        return bool(self.provider and self.provider.two_step_required)

    @functools.cached_property
    def secret_is_a_key(self) -> bool:
        """The provider signs in with a key or a separate SMTP password, not the account's."""
        return bool(self.provider and self.provider.secret_kind in (
            "api_key", "smtp_key", "smtp_password"))

    @functools.cached_property
    def oauth_brand(self) -> str:
        """The company the OAuth sign-in belongs to, by name ("" when it is neither)."""
        return {"google": "Google", "microsoft": "Microsoft"}.get(self.profile.oauth_provider, "")

    @functools.cached_property
    def tls_port(self) -> int | None:
        """The provider's port for SSL/TLS, or the usual one (None: it has none)."""
        provider = self.provider
        if provider:
            for ep in provider.endpoints:
                if ep.security is Security.TLS:
                    return ep.port
            return None  # e.g. Microsoft 365 has no SSL/TLS port at all
        return 465


# -- handlers: where another table or the check's own words decide ---------------------------

def by_exchange(d: Diagnosis, facts: Facts) -> bool:
    """An Exchange (EWS) check: its own half of the diagnosis fills `d`."""
    from mailwizard.core.diagnosis.ews import diagnose_ews

    diagnose_ews(d, facts.failure, facts.profile)
    return True


def known_reply(d: Diagnosis, facts: Facts, text: str) -> bool:
    """Fill `d` from resources/replies.toml when the reply is one recognised there."""
    from mailwizard.core.diagnosis.replies import load_replies

    f, p = facts.failure, facts.profile
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


def by_oauth_failure(d: Diagnosis, facts: Facts) -> bool:
    """The sign-in code already said it in words; a server's reply may be known better."""
    f = facts.failure
    d.code = f.kind
    d.cause, d.fix, d.help_url = f.message, f.fix, f.help_url
    d.server_reply = f.reply
    if f.kind == "oauth_server":  # not classified by the sign-in code: known words?
        known_reply(d, facts, f"{f.reply} {f.message}")
    return True


def by_known_reply(d: Diagnosis, facts: Facts) -> bool:
    """A server's reply that resources/replies.toml knows by its words."""
    return known_reply(d, facts, f"{facts.failure.code} {facts.failure.reply}")


def by_certificate(d: Diagnosis, facts: Facts) -> bool:
    """A refused or changed certificate (diagnosis/common.py), a name from it offered."""
    p = facts.profile
    return diagnose_certificate(d, facts.failure, p.host, "mail server", "under Advanced",
                                lambda name: _suggest(d, p, host=name))


# -- computed placeholders, help links and suggestions -----------------------------------------

def provider_host_placeholder(facts: Facts) -> dict[str, Any]:
    return {"host": facts.provider.host_for()}


def provider_host_change(facts: Facts) -> dict[str, Any]:
    return {"host": facts.provider.host}


def refused_port_change(facts: Facts) -> dict[str, Any] | None:
    """The provider's usual port when this is none of its ports; else 587 with STARTTLS when
    the port is neither 587 nor 465."""
    provider, port = facts.provider, facts.profile.port
    if provider and not provider.endpoint_for(port):
        ep = provider.default_endpoint
        return {"port": ep.port, "security": ep.security}
    if port not in (587, 465):
        return {"port": 587, "security": Security.STARTTLS}
    return None


def submission_if_port_25(facts: Facts) -> dict[str, Any] | None:
    return {"port": 587, "security": Security.STARTTLS} if facts.profile.port == 25 else None


def tls_port_placeholder(facts: Facts) -> dict[str, Any] | None:
    return {"port": facts.tls_port} if facts.tls_port else None


def tls_port_change(facts: Facts) -> dict[str, Any] | None:
    return {"port": facts.tls_port, "security": Security.TLS} if facts.tls_port else None


def tls_if_greeting_on_tls_port(facts: Facts) -> dict[str, Any] | None:
    p = facts.profile
    if (facts.failure.stage == "greeting" and p.security is Security.STARTTLS
            and p.port in (465, 2465)):
        return {"security": Security.TLS}
    return None


def from_login(facts: Facts) -> dict[str, Any] | None:
    username = facts.profile.username
    return {"from_address": username} if "@" in username else None


def oauth_brand(facts: Facts) -> dict[str, Any]:
    return {"provider": facts.oauth_brand}


def secret_words(facts: Facts) -> dict[str, Any]:
    provider = facts.provider
    return {"secret": provider.secret_label, "hint": provider.username_hint}


def app_password_page(facts: Facts) -> str:
    """The provider's app-password page (Google's when it is Google), else its SMTP help."""
    return (facts.help("app_password") or (GOOGLE_APP_PASSWORDS if facts.google else "")
            or facts.help("smtp_settings"))


def m365_or_settings(facts: Facts) -> str:
    return M365_SMTP_AUTH_HELP if facts.microsoft else facts.help("smtp_settings")
