"""What the wizard does with a discovered candidate, without Qt: which preset it selects and
which server settings it fills (the user can still change everything)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mailwizard.core.discovery.candidate import Candidate
    from mailwizard.core.flow import FlowState

CUSTOM = "custom"


def apply_candidate(state: FlowState, candidate: Candidate, catalogue) -> str:
    """Select the candidate's preset (or "Other / my own server") and fill its server
    settings into the state; returns the provider id chosen. Keys the site file locks keep
    their values. A candidate that needs the user's yes must not come here before it."""
    from mailwizard.core.flow import preset_profile  # the wizard's; `discover` needs none

    provider = catalogue.get(candidate.provider_id) if candidate.provider_id else None
    if provider is None:
        provider = catalogue.get(CUSTOM)
    state.provider_id = provider.id
    profile = preset_profile(state, provider)
    changes = {"host": candidate.host, "port": candidate.port,
               "security": candidate.security}
    if candidate.username and provider.username_rule == "email":
        changes["username"] = candidate.username
    changes = {k: v for k, v in changes.items() if not state.site.is_locked(k)}
    state.profile = state.site.enforce_locks(profile.with_changes(**changes))
    state.preset_applied = provider.id
    state.invalidate()
    return provider.id



def sign_in_note(candidate: Candidate, catalogue) -> str:
    """Words for a candidate that must not lead to a password box, or "": a server that
    takes only OAuth2 sign-in (Connect, or plainly that mailwizard cannot do it for this
    provider yet), or one listed without encryption (a password never goes in clear)."""
    from mailwizard.core.i18n import _
    from mailwizard.core.profile_types import Security

    preset = catalogue.get(candidate.provider_id) if candidate.provider_id else None
    name = candidate.provider_name or (preset.name if preset else candidate.host)
    if candidate.oauth_only:
        company = {"google": "Google", "microsoft": "Microsoft"}.get(
            preset.oauth if preset else "", "")
        if company:
            return _("{provider} only lets programs send after you sign in with {company}, "
                     "not with a password. On the wizard’s first page, choose “Connect an "
                     "email service” and sign in with {company}.").format(provider=name,
                                                                          company=company)
        return _("{provider} only lets programs send after you sign in on its own web page "
                 "(OAuth), not with a password, and mailwizard cannot do that for {provider} "
                 "yet. Ask {provider} or your IT company for another way to send, such as a "
                 "sending service.").format(provider=name)
    if candidate.security is Security.NONE:
        return _("{provider} lists only an unencrypted connection to {host} (port {port}), "
                 "and we found no encrypted one there. mailwizard never sends a password "
                 "without encryption: ask {provider} for an encrypted way to send (SSL/TLS "
                 "or STARTTLS), or use a sending service.").format(
            provider=name, host=candidate.host, port=candidate.port)
    return ""
