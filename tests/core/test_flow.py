"""The wizard's flow is plain data: driven here with no QApplication."""

from __future__ import annotations

import sys

import pytest

from mailwizard.core.flow import (FlowState, Resume, Step, WizardFlow, missing, next_step)
from mailwizard.core.guidance import build_guidance
from mailwizard.core.profile import Profile, ServiceType
from mailwizard.core.providers import load_catalogue


def ready_account(state: FlowState) -> None:
    state.email = "office@example.org"
    state.profile = Profile(host="smtp.example.org", username="office@example.org",
                            from_address="office@example.org")
    state.secret = "pw"


def test_no_qt_is_imported_by_the_flow():
    import subprocess
    code = ("import sys, mailwizard.core.flow, mailwizard.core.guidance\n"
            "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_new_user_walks_all_steps_and_each_step_says_what_is_missing():
    flow = WizardFlow(FlowState())
    assert flow.current is Step.SERVICE and not flow.can_go_next()
    assert missing(Step.SERVICE, flow.state) == ["choose a kind of email service"]
    flow.state.service = ServiceType.SMTP
    assert flow.go_next() is Step.PROVIDER
    with pytest.raises(ValueError, match="provider"):
        flow.go_next()
    flow.state.provider_id = "gmail"
    assert flow.go_next() is Step.ACCOUNT
    assert any("password" in m for m in missing(Step.ACCOUNT, flow.state))
    ready_account(flow.state)
    assert flow.go_next() is Step.VALIDATE
    assert not flow.can_go_next()  # not tested yet
    flow.state.validated = True
    assert flow.go_next() is Step.SAVE
    assert not flow.can_go_next()
    flow.state.saved = True
    assert flow.go_next() is Step.DONE
    assert next_step(Step.DONE, flow.state) is None and not flow.can_go_next()
    assert not flow.can_go_back()  # nothing before a finished save can be changed


def test_save_without_testing_only_when_chosen_explicitly():
    state = FlowState()
    assert missing(Step.VALIDATE, state)
    state.save_untested = True
    assert missing(Step.VALIDATE, state) == []


def test_every_service_type_can_be_chosen_and_has_its_own_next_step():
    expected = {ServiceType.SMTP: Step.PROVIDER, ServiceType.EXCHANGE: Step.EXCHANGE,
                ServiceType.OAUTH: Step.CONNECT}
    for service, step in expected.items():
        state = FlowState(service=service)
        assert missing(Step.SERVICE, state) == []
        assert next_step(Step.SERVICE, state) is step


def test_connect_needs_a_sign_in_before_validation():
    from mailwizard.core.profile import Profile

    state = FlowState(service=ServiceType.OAUTH)
    assert missing(Step.CONNECT, state) == ["sign in with your email provider"]
    state.profile = Profile(service="oauth", auth="oauth2", host="smtp.gmail.com",
                            username="a@example.org", from_address="a@example.org",
                            oauth_provider="google",
                            token_endpoint="https://oauth2.googleapis.com/token")
    assert missing(Step.CONNECT, state) == ["sign in with your email provider"]
    state.secret = "refresh"
    assert missing(Step.CONNECT, state) == []
    assert next_step(Step.CONNECT, state) is Step.VALIDATE
    state.resume = Resume.PASSWORD_CHANGED
    assert next_step(Step.RESUME, state) is Step.CONNECT


def test_exchange_goes_from_service_to_its_own_account_step_and_on_to_validation():
    from mailwizard.core.profile import Profile

    state = FlowState(service=ServiceType.EXCHANGE)
    flow = WizardFlow(state)
    assert flow.go_next() is Step.EXCHANGE
    state.profile = Profile(service="exchange")  # what the Exchange page starts from
    assert not flow.can_go_next()
    assert any(m.startswith("ews_url") for m in missing(Step.EXCHANGE, state))
    state.profile = Profile(service="exchange", ews_url="mail.example.org", username="jsmith",
                            domain="EXAMPLE", from_address="jsmith@example.org")
    state.email = "jsmith@example.org"
    assert missing(Step.EXCHANGE, state) == ["password: enter the password"]
    state.secret = "pw"
    assert flow.go_next() is Step.VALIDATE
    assert flow.go_back() is Step.EXCHANGE and flow.go_back() is Step.SERVICE


def test_password_changed_on_a_saved_exchange_profile_goes_to_the_exchange_step():
    state = FlowState(has_saved_settings=True, service=ServiceType.EXCHANGE,
                      resume=Resume.PASSWORD_CHANGED)
    assert next_step(Step.RESUME, state) is Step.EXCHANGE


def test_saved_settings_start_with_a_choice_and_password_changed_skips_to_account():
    state = FlowState(has_saved_settings=True)
    flow = WizardFlow(state)
    assert flow.current is Step.RESUME and not flow.can_go_next()
    state.resume = Resume.PASSWORD_CHANGED
    assert next_step(Step.RESUME, state) is Step.ACCOUNT
    state.resume = Resume.CHANGE_SETTINGS
    assert next_step(Step.RESUME, state) is Step.SERVICE
    state.resume = Resume.START_OVER
    assert next_step(Step.RESUME, state) is Step.SERVICE


def test_password_changed_needs_only_the_password():
    state = FlowState(has_saved_settings=True, resume=Resume.PASSWORD_CHANGED)
    state.profile = Profile(host="smtp.example.org", username="u",
                            from_address="office@example.org")
    assert missing(Step.ACCOUNT, state) == ["password: enter the password"]
    state.secret = "new"
    assert missing(Step.ACCOUNT, state) == []


def test_keeping_the_stored_password_needs_no_typing():
    state = FlowState(has_saved_settings=True, resume=Resume.CHANGE_SETTINGS)
    ready_account(state)
    state.secret = ""
    state.use_stored_secret = True
    assert missing(Step.ACCOUNT, state) == []


def test_next_step_and_missing_have_no_side_effects():
    import dataclasses
    state = FlowState(has_saved_settings=True, resume=Resume.CHANGE_SETTINGS,
                      email="Office@EXAMPLE.org", secret="pw")
    state.profile = Profile(host="smtp.example.org", port="587", username="u",
                            from_address="Office@EXAMPLE.org")
    before = dataclasses.asdict(state)  # secret included, unlike repr
    for step in Step:
        next_step(step, state)
        missing(step, state)
    assert dataclasses.asdict(state) == before


def test_back_walks_the_history():
    flow = WizardFlow(FlowState(service=ServiceType.SMTP))
    flow.go_next()
    assert flow.go_back() is Step.SERVICE
    with pytest.raises(ValueError):
        flow.go_back()


def test_gmail_guidance_has_app_password_steps_links_and_the_limit_warning():
    gmail = load_catalogue()["gmail"]
    g = build_guidance(gmail, recipients_per_day=600)
    assert g.needs_special_secret and g.two_step_required and g.secret_label == "App password"
    assert "normal password" in g.why_special_secret
    assert any("2-Step Verification" in s.text for s in g.steps)
    assert any(s.url == "https://myaccount.google.com/apppasswords" for s in g.steps)
    assert "600" in g.limit_warning and "500" in g.limit_warning
    assert build_guidance(gmail, 100).limit_warning == ""
    assert "close to" in build_guidance(gmail, 450).limit_warning


def test_microsoft_365_guidance_warns_about_password_sign_in_ending():
    g = build_guidance(load_catalogue()["microsoft-365"])
    assert any("December 2026" in w for w in g.warnings)
