"""The wizard's flow as plain data: which step follows which, and what each step needs before
Next is allowed. No Qt here; the Qt wizard attaches one page to each step and asks this module.

`NAVIGATION[step]["next"]` is a step or a function of the state; `FlowState` is everything the
user has chosen so far; `WizardFlow` keeps a history stack for Back.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Union

from mailwizard.core.i18n import _
from mailwizard.core.profile import AuthMethod, FieldError, Profile, ServiceType, check_email

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mailwizard.core.providers import ProviderPreset


class Step(enum.IntEnum):
    RESUME = 0  # only when saved settings exist
    SERVICE = 1
    PROVIDER = 2
    ACCOUNT = 3
    VALIDATE = 4
    SAVE = 5
    DONE = 6
    EXCHANGE = 7  # the Exchange (EWS) account, instead of PROVIDER + ACCOUNT
    CONNECT = 8  # sign in with Google or Microsoft (OAuth), instead of PROVIDER + ACCOUNT


class Resume(str, enum.Enum):
    PASSWORD_CHANGED = "password_changed"
    CHANGE_SETTINGS = "change_settings"
    START_OVER = "start_over"


#: Service types the user can pick now; the others are shown disabled with this reason.
SERVICE_AVAILABILITY: dict[ServiceType, str | None] = {
    ServiceType.SMTP: None,
    ServiceType.EXCHANGE: None,
    ServiceType.OAUTH: None,
}


class SitePolicy(Protocol):
    """What the flow asks of the administrator's site file: start values, locked fields and
    hidden service types. The faces (gui/, cli/) read the file and hand it in
    (core/admin/sitepolicy.py's SiteConfig is one); `NoSite` is the flow without one."""

    provider: str
    defaults: Mapping[str, Any]
    recipients_per_day: int

    @property
    def service(self) -> ServiceType | None: ...

    def preset(self) -> ProviderPreset | None: ...

    def is_locked(self, key: str) -> bool: ...

    def locked_value(self, key: str) -> Any: ...

    def is_hidden(self, service: ServiceType | str) -> bool: ...

    def apply_defaults(self, profile: Profile) -> Profile: ...

    def enforce_locks(self, profile: Profile) -> Profile: ...

    def locked_violations(self, profile_or_changes: Profile | dict[str, Any]
                          ) -> list[FieldError]: ...


@dataclass(frozen=True)
class NoSite:
    """No site file: nothing pre-selected, locked or hidden; profiles pass unchanged."""

    provider: str = ""
    defaults: Mapping[str, Any] = field(default_factory=dict)
    recipients_per_day: int = 0
    service: ServiceType | None = None

    def preset(self) -> None:
        return None

    def is_locked(self, key: str) -> bool:
        return False

    def locked_value(self, key: str) -> Any:
        return None

    def is_hidden(self, service: ServiceType | str) -> bool:
        return False

    def apply_defaults(self, profile: Profile) -> Profile:
        return profile

    def enforce_locks(self, profile: Profile) -> Profile:
        return profile

    def locked_violations(self, profile_or_changes: Profile | dict[str, Any]
                          ) -> list[FieldError]:
        return []


@dataclass
class FlowState:
    """What the user has chosen; pages write it, the flow reads it."""

    has_saved_settings: bool = False
    resume: Resume | None = None
    service: ServiceType | None = None
    provider_id: str = ""
    #: The preset whose values fill the profile; a different provider_id means "fill again".
    preset_applied: str = ""
    region: str = ""
    email: str = ""
    profile: Profile = field(default_factory=Profile)
    # Held in memory only for this run; never written anywhere but the keyring, never in a repr.
    #: the password, or for a connected (OAuth) account the refresh token
    secret: str = field(default="", repr=False)
    #: a connected account's access token from the sign-in, for the check (never saved)
    access_token: str = field(default="", repr=False)
    recipients_per_day: int = 0
    #: "Change settings" with the saved password: it is read from the keyring at check time.
    use_stored_secret: bool = False
    validated: bool = False  # a check with exactly these settings passed in this run
    save_untested: bool = False  # the user explicitly chose to save without a passed check
    saved: bool = False
    #: The administrator's site file: defaults, locked fields, hidden service types.
    site: SitePolicy = field(default_factory=NoSite, repr=False)
    #: The server and user the typed secret was typed for (None while it is being typed on
    #: its page: it is bound when that page is left). See `settle_secret`.
    secret_owner: "SecretOwner | None" = None
    #: The account of the saved settings, whose stored password "Keep the saved password"
    #: uses (None without saved settings).
    saved_owner: "SecretOwner | None" = None
    #: A typed secret was cleared because the server or user changed: the page says so
    #: until a new one is typed.
    secret_cleared: bool = False
    #: The test message's recipient as the user typed it; empty: it follows the address.
    test_to: str = ""

    @property
    def secret_only(self) -> bool:
        """The “my password changed” path: everything but the secret is kept."""
        return self.resume is Resume.PASSWORD_CHANGED

    def invalidate(self) -> None:
        """Any change to settings or secret means the last check no longer counts."""
        self.validated = False
        self.saved = False


@dataclass(frozen=True)
class SecretOwner:
    """Who a secret belongs to: the server and user it was typed for. A password typed for
    one provider must never be sent to another server, nor for another user or address."""

    service: str
    provider: str
    host: str
    port: int
    username: str
    address: str


def secret_owner(profile: Profile, address: str = "") -> SecretOwner:
    """The account `profile` signs in to (`address`: the email address typed, if any)."""
    host, port = profile.host, int(profile.port)
    provider = profile.provider_id
    if profile.service is ServiceType.EXCHANGE:
        from urllib.parse import urlsplit

        url = urlsplit(profile.ews_url.strip())
        host, port = url.hostname or "", url.port or (443 if url.scheme != "http" else 80)
    elif profile.service is ServiceType.OAUTH:
        # a sign-in belongs to its provider (Google, Microsoft), whose servers it uses; no
        # page lets the user name another server for it
        provider, host, port = profile.oauth_provider, "", 0
    return SecretOwner(profile.service.value, provider or "", host.strip().lower().rstrip("."),
                       port, profile.username.strip().lower(),
                       (address or profile.from_address).strip().lower())


def account_of(state: FlowState) -> SecretOwner:
    """The account the state describes now."""
    return secret_owner(state.profile, state.email)


def type_secret(state: FlowState, secret: str) -> None:
    """The user typed a secret on its page: it belongs to the account that page shows when
    it is left (`bind_secret`), so the fields around it may still change meanwhile."""
    if secret != state.secret:
        state.secret = secret
        state.secret_owner = None
        state.invalidate()
    if secret:
        state.secret_cleared = False


def bind_secret(state: FlowState) -> None:
    """The secret now belongs to the account as it is (a page with the secret is left, a
    sign-in finished, a password typed again on the test page)."""
    state.secret_owner = account_of(state) if state.secret else None


def settle_secret(state: FlowState) -> bool:
    """The rule: a secret belongs to the server and user it was typed for. When the
    provider, server, port, user name or address changed since, the typed secret (and a
    sign-in's tokens) is cleared, `secret_cleared` set so that the page says so, and the
    saved password is not offered either. Returns whether a typed secret was cleared."""
    now = account_of(state)
    if state.use_stored_secret and state.saved_owner != now:
        state.use_stored_secret = False
        state.invalidate()
    if not (state.secret or state.access_token) or state.secret_owner is None \
            or state.secret_owner == now:
        return False
    state.secret = state.access_token = ""
    state.secret_owner = None
    state.secret_cleared = True
    state.invalidate()
    return True


def stored_secret_allowed(state: FlowState) -> bool:
    """Whether the saved password may be used: only for the saved server and user."""
    return state.saved_owner is not None and state.saved_owner == account_of(state)


def apply_fix(state: FlowState, changes: dict) -> bool:
    """A fix the test page suggested (port, security, From address …) and the user
    accepted. The same server keeps the typed password; a fix that names another server
    (a certificate's name, the provider's server) clears it like any other change, so the
    password is typed again for that server. Returns whether the password (typed or saved)
    can no longer be used."""
    before = account_of(state)
    state.profile = state.profile.with_changes(**changes)
    state.invalidate()
    after = account_of(state)
    if (after.host, after.username, after.address) == (before.host, before.username,
                                                        before.address):
        if state.secret_owner == before:
            state.secret_owner = after
        if state.use_stored_secret and state.saved_owner == before:
            state.saved_owner = after
        return False
    had = bool(state.secret) or state.use_stored_secret
    settle_secret(state)
    return had and not (state.secret or state.use_stored_secret)


def message_recipient(state: FlowState) -> str:
    """Where the test message goes: the recipient the user typed, else the address (it
    follows the address when that changes)."""
    return state.test_to or state.profile.from_address or state.email


def apply_site(state: FlowState, site: SitePolicy) -> None:
    """Fill the state with the site file's start values: the pre-selected service and
    provider, the [defaults] (locked keys at their values), the From address and the
    recipients per day. Used at start-up and by “Start over”."""
    state.site = site
    service = site.service
    state.service = service if service in visible_services(state) else None
    preset = site.preset()
    state.provider_id = preset.id if preset and preset.service is ServiceType.SMTP else ""
    state.preset_applied = ""
    state.region = site.defaults.get("region", "")
    state.profile = site.enforce_locks(site.apply_defaults(
        Profile(service=service or ServiceType.SMTP)))
    state.email = state.profile.from_address
    state.recipients_per_day = site.recipients_per_day


def visible_services(state: FlowState) -> list[ServiceType]:
    """The service types the service step shows: all but those the site hides (only the
    locked one when the site locks the service)."""
    site = state.site
    if site.is_locked("service"):
        return [ServiceType(site.locked_value("service"))]
    return [s for s in ServiceType if not site.is_hidden(s)]


def preset_profile(state: FlowState, provider) -> Profile:
    """The profile a provider's preset gives, with the site's defaults on top and locked keys
    at the site's values (the display name the user typed is kept)."""
    profile = provider.profile_for(state.email, region=state.region or None,
                                   display_name=state.profile.display_name)
    return state.site.enforce_locks(state.site.apply_defaults(profile))


def fix_allowed(state: FlowState, changes: dict) -> bool:
    """Whether a suggested change (the diagnosis's fix, a certificate to trust) leaves the
    site's locked fields alone."""
    return not state.site.locked_violations(changes)


_OWN_STEP = {ServiceType.EXCHANGE: Step.EXCHANGE, ServiceType.OAUTH: Step.CONNECT}


def _account_step(state: FlowState) -> Step:
    return _OWN_STEP.get(state.service, Step.ACCOUNT)


def _after_resume(state: FlowState) -> Step:
    if state.resume is Resume.PASSWORD_CHANGED:
        return _account_step(state)
    return Step.SERVICE


def _after_service(state: FlowState) -> Step:
    return _OWN_STEP.get(state.service, Step.PROVIDER)


def _missing_connect(state: FlowState) -> list[str]:
    if state.profile.auth is not AuthMethod.OAUTH2 or not (state.secret
                                                           or state.use_stored_secret):
        return [_("sign in with your email provider")]
    return [f"{e.field}: {e.message}" for e in state.profile.errors()]


def _missing_resume(state: FlowState) -> list[str]:
    return [] if state.resume else [_("choose what you want to do")]


def _missing_service(state: FlowState) -> list[str]:
    if state.service is None:
        return [_("choose a kind of email service")]
    if state.service not in visible_services(state):
        return [_("this kind of service is turned off by your administrator")]
    if SERVICE_AVAILABILITY.get(state.service):
        return [_("this kind of service is not available yet")]
    return []


def _missing_provider(state: FlowState) -> list[str]:
    if state.site.is_locked("provider") and state.provider_id != state.site.provider:
        return [_("the provider is set by your administrator")]
    if state.provider_id:
        from mailwizard.core.providers import load_catalogue

        preset = load_catalogue().get(state.provider_id)
        if preset is not None and preset.connect_only:
            return [_("{provider} works only with Connect: go back and choose Connect "
                      "(sign in with your email provider)").format(provider=preset.name)]
    return [] if state.provider_id else [_("choose your email provider")]


def _missing_account(state: FlowState) -> list[str]:
    missing = [f"{e.field}: {e.message}" for e in state.profile.errors()]
    missing += [f"{e.field}: {e.message}" for e in state.site.locked_violations(state.profile)]
    if not state.secret_only:
        _norm, err = check_email(state.email, "email")
        if err:
            missing.append(str(err))
    if state.profile.auth is AuthMethod.PASSWORD and not state.secret \
            and not state.use_stored_secret:
        # "field: what to do", like a FieldError: the wizard names the field in its words
        missing.append(str(FieldError("password", _("enter the password"))))
    return missing


def _missing_validation(state: FlowState) -> list[str]:
    if state.validated or state.save_untested:
        return []
    return [_("test the settings (or choose to save without testing)")]


def _missing_save(state: FlowState) -> list[str]:
    return [] if state.saved else [_("save the settings")]


Next = Union[Step, Callable[[FlowState], Step], None]

#: The navigation map. "needs" lists what is missing before Next/Finish is allowed.
NAVIGATION: dict[Step, dict] = {
    Step.RESUME: {"next": _after_resume, "needs": _missing_resume},
    Step.SERVICE: {"next": _after_service, "needs": _missing_service},
    Step.PROVIDER: {"next": Step.ACCOUNT, "needs": _missing_provider},
    Step.ACCOUNT: {"next": Step.VALIDATE, "needs": _missing_account},
    Step.EXCHANGE: {"next": Step.VALIDATE, "needs": _missing_account},
    Step.CONNECT: {"next": Step.VALIDATE, "needs": _missing_connect},
    Step.VALIDATE: {"next": Step.SAVE, "needs": _missing_validation},
    # The save step is a commit step: once saved, there is no way back into the settings.
    Step.SAVE: {"next": Step.DONE, "needs": _missing_save, "commit": True},
    Step.DONE: {"next": None, "needs": lambda s: [], "last": True},
}


def first_step(state: FlowState) -> Step:
    if state.has_saved_settings and state.resume is not None:
        return next_step(Step.RESUME, state)  # chosen before the wizard opened
    return Step.RESUME if state.has_saved_settings else Step.SERVICE


def next_step(step: Step, state: FlowState) -> Step | None:
    """Which step follows `step` for this state. Pure: no side effects (Qt calls nextId()
    whenever it likes, e.g. to decide between Next and Finish)."""
    nxt = NAVIGATION[step]["next"]
    return nxt(state) if callable(nxt) else nxt


def missing(step: Step, state: FlowState) -> list[str]:
    """What is still needed on this step before the user may go on (empty when complete)."""
    return NAVIGATION[step]["needs"](state)


def is_commit(step: Step) -> bool:
    return bool(NAVIGATION[step].get("commit"))


#: Steps where a secret is typed (or signed in for); leaving one binds the secret.
SECRET_STEPS = frozenset({Step.ACCOUNT, Step.EXCHANGE, Step.CONNECT})


def moved(state: FlowState, left: Step | None, entered: Step) -> None:
    """A face moved from step `left` to `entered`: a secret typed on `left` now belongs to
    the account as it is; any secret that no longer matches its account is cleared."""
    settle_secret(state)
    if left in SECRET_STEPS and state.secret_owner is None:
        bind_secret(state)


class WizardFlow:
    """A walk through the steps with a history stack for Back (used by tests and by any
    face that is not QWizard, which keeps its own history)."""

    def __init__(self, state: FlowState):
        self.state = state
        self.history: list[Step] = [first_step(state)]

    @property
    def current(self) -> Step:
        return self.history[-1]

    def can_go_next(self) -> bool:
        return not missing(self.current, self.state) and next_step(self.current,
                                                                   self.state) is not None

    def go_next(self) -> Step:
        needs = missing(self.current, self.state)
        if needs:
            raise ValueError("; ".join(needs))
        nxt = next_step(self.current, self.state)
        if nxt is None:
            raise ValueError("this is the last step")
        self.history.append(nxt)
        moved(self.state, self.history[-2], nxt)
        return nxt

    def can_go_back(self) -> bool:
        if len(self.history) < 2:
            return False
        # Nothing before a finished commit step can be changed any more.
        return not any(is_commit(s) and self.state.saved for s in self.history[:-1])

    def go_back(self) -> Step:
        if not self.can_go_back():
            raise ValueError("cannot go back from here")
        left = self.history.pop()
        moved(self.state, left, self.current)
        return self.current
