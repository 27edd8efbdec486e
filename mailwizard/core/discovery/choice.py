"""What the wizard does with a discovered candidate, without Qt: which preset it selects and
which server settings it fills (the user can still change everything)."""

from __future__ import annotations

from mailwizard.core.discovery.candidate import Candidate
from mailwizard.core.flow import FlowState, preset_profile

CUSTOM = "custom"


def apply_candidate(state: FlowState, candidate: Candidate, catalogue) -> str:
    """Select the candidate's preset (or "Other / my own server") and fill its server
    settings into the state; returns the provider id chosen. Keys the site file locks keep
    their values. A candidate that needs the user's yes must not come here before it."""
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

