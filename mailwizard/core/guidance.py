"""What the guidance panel says for a provider, as plain data (the GUI only lays it out):
whether an app password is needed and why, the numbered steps with the provider's own links,
the daily limit with a warning for the user's mailing size, best practice, policy warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

from mailwizard.core.i18n import N_, _, ngettext
from mailwizard.core.providers import ProviderPreset

#: Why a provider needs a secret other than the account password ({name}: the provider).
#: Marked N_(): build_guidance() translates them.
SECRET_WHY = {
    "app_password": N_("{name} does not accept your normal password from programs like this "
                       "one. You create a separate app password for it instead: if it ever "
                       "leaks, you delete just that one, and your account stays safe."),
    "api_key": N_("{name} signs in programs with an API key, not your account password."),
    "smtp_key": N_("{name} gives you a separate SMTP key for sending; it is not your account "
                   "password and not the API key."),
    "smtp_password": N_("{name} gives you separate SMTP credentials for sending; they are not "
                        "the password you use to sign in to the website."),
    "password": "",
}

#: Marked N_(): build_guidance() translates them.
BEST_PRACTICE = (
    N_("Send from a dedicated address on your organisation's own domain, such as "
       "accounts@your-society.org or no-reply@your-society.org — not a manager's personal "
       "address, so that nothing breaks when people change."),
    N_("The From address should be the address you sign in with. Many providers refuse or "
       "mark as spam mail whose From address is another one."),
)


def _data(text: str) -> str:
    """A sentence marked N_() here in the user's language; "" stays "" (gettext would give
    the catalogue's header for it)."""
    return _(text) if text else text


@dataclass
class Link:
    text: str
    url: str


@dataclass
class Guidance:
    title: str
    summary: str
    secret_label: str
    needs_special_secret: bool
    why_special_secret: str
    two_step_required: bool
    steps: list[Link] = field(default_factory=list)  # text + optional url, in order
    links: list[Link] = field(default_factory=list)
    limit_text: str = ""
    limit_warning: str = ""
    limit_unverified: bool = False
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    best_practice: tuple[str, ...] = BEST_PRACTICE
    unverified_settings: bool = False


_LINK_TITLES = {
    "app_password": N_("Create an app password"),
    "two_step": N_("Turn on 2-Step Verification"),
    # Translators: {name} is the provider, e.g. "Gmail's sending settings"
    "smtp_settings": N_("{name}'s sending settings"),
    "policy": N_("{name}'s policy page"),
    "sandbox": N_("Ask {name} for production access (leave the sandbox)"),
}


def limit_warning(provider: ProviderPreset, recipients_per_day: int) -> str:
    """A warning when the user mails more people a day than the provider allows."""
    if not provider.limit or recipients_per_day <= 0:
        return ""
    limit = provider.limit.daily_recipients
    if recipients_per_day <= limit:
        if recipients_per_day >= 0.8 * limit:
            return ngettext(
                "About {n} person a day is close to {provider}'s limit of about {limit}. A "
                "mailing that grows will be cut off part-way.",
                "About {n} people a day is close to {provider}'s limit of about {limit}. A "
                "mailing that grows will be cut off part-way.",
                recipients_per_day).format(n=recipients_per_day, provider=provider.name,
                                           limit=limit)
        return ""
    return ngettext(
        "You mail about {n} person, but {provider} allows about {limit} recipients a day. "
        "Mailings will stop part-way and the rest will fail. Use a professional sending "
        "service (for example Amazon SES, Brevo, Mailgun or SendGrid) or your organisation's "
        "own mail server.",
        "You mail about {n} people, but {provider} allows about {limit} recipients a day. "
        "Mailings will stop part-way and the rest will fail. Use a professional sending "
        "service (for example Amazon SES, Brevo, Mailgun or SendGrid) or your organisation's "
        "own mail server.",
        recipients_per_day).format(n=recipients_per_day, provider=provider.name, limit=limit)


def build_guidance(provider: ProviderPreset, recipients_per_day: int = 0) -> Guidance:
    kind = provider.secret_kind
    # Everything a person reads comes out in the user's language: the texts here are
    # translated now; the provider's own (resources/providers.toml) come translated from the
    # preset (core/providers.py), so they are not translated twice.
    g = Guidance(
        title=provider.name,
        summary=provider.summary,
        secret_label=provider.secret_label,
        needs_special_secret=kind != "password",
        why_special_secret=_data(SECRET_WHY.get(kind, "")).format(name=provider.name),
        two_step_required=provider.two_step_required,
        steps=[Link(s.text, s.link) for s in provider.steps],
        links=[Link(_data(_LINK_TITLES[k]).format(name=provider.name) if k in _LINK_TITLES
                    else k, url)
               for k, url in provider.help.items() if url],
        notes=list(provider.notes),
        warnings=[w.text for w in provider.warnings],
        best_practice=tuple(_data(t) for t in BEST_PRACTICE),
        unverified_settings=provider.server_fact.unverified,
    )
    if provider.limit:
        g.limit_text = provider.limit.text
        g.limit_unverified = provider.limit.fact.unverified
        g.limit_warning = limit_warning(provider, recipients_per_day)
    return g
