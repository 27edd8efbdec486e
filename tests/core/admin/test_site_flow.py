"""The site file's decisions in the wizard's flow (hidden services, locks, start values),
driven with no QApplication."""

from __future__ import annotations

from pathlib import Path

from mailwizard.core.flow import (FlowState, Step, WizardFlow, apply_site, fix_allowed,
                                  missing, preset_profile, visible_services)
from mailwizard.core.profile import Profile, Security, ServiceType
from mailwizard.core.providers import load_catalogue
from mailwizard.core.admin.site import parse_site_config

SITE = Path("/etc/xdg/mailwizard/site.toml")


def state_for(data: dict) -> FlowState:
    state = FlowState()
    apply_site(state, parse_site_config(data, SITE))
    return state


def test_no_site_file_leaves_the_flow_as_it_was():
    state = FlowState()
    apply_site(state, parse_site_config({}))
    assert visible_services(state) == list(ServiceType)
    assert state.service is None and state.provider_id == "" and state.profile == Profile()


def test_hidden_services_are_not_offered_and_cannot_be_chosen():
    state = state_for({"hidden_services": ["oauth", "exchange"]})
    assert visible_services(state) == [ServiceType.SMTP]
    state.service = ServiceType.EXCHANGE
    assert missing(Step.SERVICE, state) == ["this kind of service is turned off by your "
                                            "administrator"]
    state.service = ServiceType.SMTP
    assert missing(Step.SERVICE, state) == []
    locked = state_for({"defaults": {"service": "exchange"}, "locked": ["service"]})
    assert visible_services(locked) == [ServiceType.EXCHANGE]
    assert locked.service is ServiceType.EXCHANGE


def test_start_values_from_the_site_file():
    state = state_for({"provider": "microsoft-365", "recipients_per_day": 700,
                       "defaults": {"from_address": "accounts@riverside.example.org",
                                    "display_name": "Riverside Society"}})
    assert state.service is ServiceType.SMTP and state.provider_id == "microsoft-365"
    assert state.email == "accounts@riverside.example.org"
    assert state.recipients_per_day == 700
    flow = WizardFlow(state)
    assert flow.go_next() is Step.PROVIDER and flow.go_next() is Step.ACCOUNT
    profile = preset_profile(state, load_catalogue()["microsoft-365"])
    assert profile.host == "smtp.office365.com"
    assert profile.from_address == "accounts@riverside.example.org"
    assert profile.display_name == "Riverside Society"


def test_locked_fields_hold_and_block_next_when_changed():
    state = state_for({"provider": "custom", "locked": ["host", "port"],
                       "defaults": {"host": "relay.riverside.example.org", "port": 25,
                                    "security": "starttls"}})
    profile = preset_profile(state, load_catalogue()["custom"])
    assert (profile.host, profile.port) == ("relay.riverside.example.org", 25)
    state.profile = profile.with_changes(username="a@riverside.example.org",
                                         from_address="a@riverside.example.org", port=587)
    state.email, state.secret = "a@riverside.example.org", "pw"
    needs = missing(Step.ACCOUNT, state)
    assert needs == [f"port: locked to “25” by your administrator in {SITE}; leave it out, "
                     "or ask IT to change it"]
    state.profile = state.site.enforce_locks(state.profile)
    assert missing(Step.ACCOUNT, state) == []
    assert not fix_allowed(state, {"port": 465, "security": "tls"})
    assert fix_allowed(state, {"security": "tls"})
    assert fix_allowed(state, {"pinned_sha256": "ab" * 32})


def test_a_locked_provider_must_stay():
    state = state_for({"provider": "gmail", "locked": ["provider"]})
    assert missing(Step.PROVIDER, state) == []
    state.provider_id = "yahoo"
    assert missing(Step.PROVIDER, state) == ["the provider is set by your administrator"]


def test_start_over_returns_to_the_site_values():
    state = state_for({"provider": "gmail", "defaults": {"security": "tls", "port": 465}})
    state.profile = Profile(host="x", security=Security.STARTTLS)
    state.provider_id, state.email = "yahoo", "me@yahoo.com"
    apply_site(state, state.site)
    assert state.provider_id == "gmail" and state.email == ""
    assert (state.profile.port, state.profile.security) == (465, Security.TLS)
