"""The rule "a secret belongs to the server and user it was typed for", driven through the
flow with no Qt: the journeys of issue 22 (a Gmail app password must never follow the user
to an own server; the test message follows the address) and the saved-settings path."""

from __future__ import annotations

import pytest

from mailwizard.core.flow import (FlowState, Resume, Step, WizardFlow, account_of, apply_fix,
                                  bind_secret, message_recipient, missing, secret_owner,
                                  settle_secret, stored_secret_allowed, type_secret)
from mailwizard.core.profile import Profile, ServiceType

GMAIL = "pat.office@gmail.com"
APP_PASSWORD = "abcd efgh ijkl mnop"
OWN = "pat@riverside-society.example"


def gmail_profile(address=GMAIL) -> Profile:
    return Profile(host="smtp.gmail.com", port=587, username=address, from_address=address,
                   provider_id="gmail")


def own_profile(address=OWN, host="mail.riverside-society.example", port=587) -> Profile:
    return Profile(host=host, port=port, username=address, from_address=address,
                   provider_id="custom")


def at_gmail_account() -> WizardFlow:
    """Service → provider (Gmail) → account, with the app password typed."""
    flow = WizardFlow(FlowState())
    flow.state.service = ServiceType.SMTP
    flow.go_next()
    flow.state.email, flow.state.provider_id = GMAIL, "gmail"
    flow.go_next()
    flow.state.profile = gmail_profile()
    type_secret(flow.state, APP_PASSWORD)
    assert flow.current is Step.ACCOUNT and not missing(Step.ACCOUNT, flow.state)
    return flow


def test_the_password_typed_for_gmail_is_cleared_when_the_user_goes_back_to_an_own_server():
    flow = at_gmail_account()
    flow.go_back()  # to the provider: the password now belongs to the Gmail account
    assert flow.state.secret == APP_PASSWORD  # kept while nothing changed
    assert flow.state.secret_owner == secret_owner(gmail_profile())
    flow.state.email, flow.state.provider_id = OWN, "custom"
    flow.go_next()  # another address: cleared on the way in
    assert flow.state.secret == "" and flow.state.secret_cleared
    flow.state.profile = own_profile()  # what the account page fills in
    assert not settle_secret(flow.state)  # nothing left to clear
    assert any(m.startswith("password:") for m in missing(Step.ACCOUNT, flow.state))


@pytest.mark.parametrize("change", [
    dict(host="smtp.other.example"), dict(port=465), dict(username="someone.else@gmail.com"),
    dict(provider_id="google-workspace"), dict(service=ServiceType.EXCHANGE)])
def test_each_part_of_the_account_counts(change):
    flow = at_gmail_account()
    flow.go_next()  # to the test step: bound
    flow.go_back()
    flow.state.profile = flow.state.profile.with_changes(**change)
    assert settle_secret(flow.state)
    assert flow.state.secret == "" and flow.state.secret_cleared


def test_a_changed_address_alone_clears_it_too():
    flow = at_gmail_account()
    flow.go_back()
    flow.state.email = "pat.home@gmail.com"
    flow.go_next()
    assert flow.state.secret == "" and flow.state.secret_cleared


def test_nothing_changed_keeps_the_password_and_says_nothing():
    flow = at_gmail_account()
    flow.go_back()
    flow.go_next()
    flow.go_next()
    assert flow.state.secret == APP_PASSWORD and not flow.state.secret_cleared


def test_fields_typed_on_the_same_visit_as_the_password_belong_to_it():
    """Own server: the password box comes first, the server name after it on the page."""
    flow = WizardFlow(FlowState(service=ServiceType.SMTP))
    flow.go_next()
    flow.state.email, flow.state.provider_id = OWN, "custom"
    flow.go_next()
    flow.state.profile = own_profile(host="")
    type_secret(flow.state, "pw")
    flow.state.profile = own_profile()  # the server typed after the password
    assert not settle_secret(flow.state)
    flow.go_next()
    assert flow.state.secret == "pw"
    assert flow.state.secret_owner == account_of(flow.state)


def test_a_new_password_typed_after_the_clearing_hides_the_notice():
    flow = at_gmail_account()
    flow.go_back()
    flow.state.email = OWN
    flow.go_next()
    assert flow.state.secret_cleared
    type_secret(flow.state, "the own server's password")
    assert not flow.state.secret_cleared


def test_a_fix_on_the_same_server_keeps_the_password_another_server_clears_it():
    flow = at_gmail_account()
    flow.go_next()
    assert not apply_fix(flow.state, {"port": 465, "security": "tls"})
    assert flow.state.secret == APP_PASSWORD
    flow.go_back()
    flow.go_next()  # the fixed port is the account now
    assert flow.state.secret == APP_PASSWORD
    # a certificate's name as the server: the password is typed again for that server
    assert apply_fix(flow.state, {"host": "mail.someone-else.example"})
    assert flow.state.secret == "" and flow.state.secret_cleared


def test_a_sign_in_token_belongs_to_its_provider_and_address():
    state = FlowState(service=ServiceType.OAUTH, email=GMAIL)
    state.profile = Profile(service=ServiceType.OAUTH, auth="oauth2", oauth_provider="google",
                            host="smtp.gmail.com", username=GMAIL, from_address=GMAIL)
    state.secret, state.access_token = "refresh", "access"
    bind_secret(state)
    state.profile = state.profile.with_changes(oauth_provider="microsoft",
                                               host="smtp.office365.com")
    assert settle_secret(state)
    assert state.secret == state.access_token == ""


def test_exchange_owner_is_the_ews_server():
    a = secret_owner(Profile(service=ServiceType.EXCHANGE, username="pat",
                             ews_url="https://mail.a.example/EWS/Exchange.asmx"))
    b = secret_owner(Profile(service=ServiceType.EXCHANGE, username="pat",
                             ews_url="https://MAIL.A.example/EWS/Exchange.asmx"))
    c = secret_owner(Profile(service=ServiceType.EXCHANGE, username="pat",
                             ews_url="https://mail.b.example/EWS/Exchange.asmx"))
    assert a == b and a != c and a.port == 443


def test_the_saved_password_only_for_the_saved_server_user_port_and_address():
    saved = own_profile()
    for change in (dict(host="smtp.other.example"), dict(port=465),
                   dict(username="other@riverside-society.example"),
                   dict(provider_id="gmail")):
        state = FlowState(has_saved_settings=True, resume=Resume.CHANGE_SETTINGS,
                          profile=saved.with_changes(), email=OWN,
                          saved_owner=secret_owner(saved), use_stored_secret=True)
        assert stored_secret_allowed(state)
        state.profile = saved.with_changes(**change)
        assert not stored_secret_allowed(state), change
        settle_secret(state)
        assert not state.use_stored_secret, change
    state = FlowState(profile=saved.with_changes(), email="new@riverside-society.example",
                      saved_owner=secret_owner(saved))
    assert not stored_secret_allowed(state)  # another address


def test_password_changed_then_start_over_does_not_carry_the_new_password_along():
    saved = own_profile()
    state = FlowState(has_saved_settings=True, resume=Resume.PASSWORD_CHANGED,
                      profile=saved.with_changes(), email=OWN, service=ServiceType.SMTP,
                      provider_id="custom", saved_owner=secret_owner(saved))
    flow = WizardFlow(state)
    assert flow.current is Step.ACCOUNT
    type_secret(state, "new password")
    flow.history.insert(0, Step.RESUME)  # the resume page came first
    flow.go_back()
    state.resume = Resume.START_OVER
    state.profile, state.email, state.provider_id = Profile(), "", ""
    flow.go_next()
    assert state.secret == "" and state.secret_cleared


def test_the_test_message_follows_the_address_unless_typed():
    state = FlowState(email=GMAIL, profile=gmail_profile())
    assert message_recipient(state) == GMAIL
    state.email, state.profile = OWN, own_profile()
    assert message_recipient(state) == OWN
    state.test_to = "it@riverside-society.example"
    state.email, state.profile = GMAIL, gmail_profile()
    assert message_recipient(state) == "it@riverside-society.example"
