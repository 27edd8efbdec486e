"""Answer files for unattended set-up (`mailwizard apply --answers FILE`), and the one way a
profile is made from keys — an answer file's or the command line's — on top of a provider
preset and the site file's defaults and locks.

An answer file never holds the password: it names an environment variable with
`password_env`, or the password comes on standard input. A `password` key is refused.
The format is published as resources/answers.schema.json and described in
docs/INTEGRATION.md.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
TYPE_CHECKING = False  # typing is for type checkers: not imported at run time (start-up)

from mailwizard.core.admin.filekeys import (EXCHANGE_ONLY, PROFILE_KEYS, SMTP_ONLY, KeySpec,
                                      SettingsFileError, check_value, describe_value,
                                      expected_found, read_mapping, unknown_key)
from mailwizard.core.i18n import N_, _
from mailwizard.core.profile import (FieldError, Profile, ProfileError, ServiceType,
                                     default_ews_url)
from mailwizard.core.admin.site import SiteConfig

if TYPE_CHECKING:
    from typing import Any, Mapping
    from mailwizard.core.providers import ProviderPreset

#: Keys of an answer file besides the profile keys.
RUN_KEYS: dict[str, KeySpec] = {k.name: k for k in (
    KeySpec("send_test_to", "text", N_('the address to send a real test message to, e.g. '
                                       '"it@example.org"')),
    KeySpec("profile_name", "text", N_('a name of letters, digits, ".", "_" or "-" (at most '
                                       '64), e.g. "default"; it names the keyring entry '
                                       '"<profile_name>/password"')),
    KeySpec("config_path", "text", N_("the full path of the settings file to write, e.g. "
                                      '"C:\\\\ERP\\\\mail-settings.json"')),
    KeySpec("discover", "boolean", N_("true to find the server settings from from_address "
                                      "(as `mailwizard discover` does) where the file gives "
                                      "none")),
    KeySpec("password_env", "text", N_("the NAME of an environment variable that holds the "
                                       'password, e.g. "MAILWIZARD_PASSWORD" (letters, '
                                       'digits and _)')),
)}
ANSWER_KEYS = (*PROFILE_KEYS, *RUN_KEYS)

#: Keys that would put a secret into the file: refused, whatever their value.
SECRET_KEYS = ("password", "passwd", "pass", "pwd", "secret", "app_password", "api_key",
               "token", "access_token", "refresh_token", "client_secret")
SECRET_REFUSED = N_("refused: an answer file must never hold a password or other secret. "
                    "Put the password in an environment variable and name that variable with "
                    "password_env = \"MAILWIZARD_PASSWORD\", or give it on standard input "
                    "with --password-stdin")

_PROFILE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class AnswersError(SettingsFileError):
    """An answer file that cannot be used; names the file, the key and the expected value."""


@dataclass
class Answers:
    path: Path | None = None
    #: The profile keys the file gives (file-key names, values checked).
    values: dict[str, Any] = field(default_factory=dict)
    send_test_to: str = ""
    profile_name: str = ""
    config_path: Path | None = None
    password_env: str = ""
    discover: bool = False


def load_answers(path: Path | str) -> Answers:
    try:
        data = read_mapping(Path(path), "answer file")
    except SettingsFileError as exc:
        raise AnswersError(exc.path, exc.key, exc.message) from None
    return parse_answers(data, Path(path))


def parse_answers(data: Mapping[str, Any], path: Path | None = None) -> Answers:
    """Answers from a parsed file, every key checked: unknown keys (with the closest known
    one), wrong types (with the type found), secrets (refused)."""
    answers = Answers(path=path)
    for key, value in data.items():
        if key.lower() in SECRET_KEYS:
            raise AnswersError(path, key, _(SECRET_REFUSED))
        spec = PROFILE_KEYS.get(key) or RUN_KEYS.get(key)
        if spec is None:
            exc = unknown_key(key, ANSWER_KEYS, path=path)
            raise AnswersError(path, exc.key, exc.message)
        try:
            value = check_value(spec, value, path=path)
        except SettingsFileError as exc:
            raise AnswersError(exc.path, exc.key, exc.message) from None
        if key in PROFILE_KEYS:
            answers.values[key] = value
        elif key == "profile_name":
            if not _PROFILE_NAME.match(value):
                raise AnswersError(path, key, expected_found(spec.expects,
                                                             describe_value(value)))
            answers.profile_name = value
        elif key == "password_env":
            if not _ENV_NAME.match(value):
                raise AnswersError(path, key, expected_found(
                    spec.expects, describe_value(value)) + " "
                    + _("(the variable's name, not the password)"))
            answers.password_env = value
        elif key == "config_path":
            expanded = Path(os.path.expandvars(os.path.expanduser(value)))
            if not value or not expanded.is_absolute():
                raise AnswersError(path, key, expected_found(
                    spec.expects, describe_value(value)) + " " + _("(not a full path)"))
            answers.config_path = expanded
        elif key == "send_test_to":
            answers.send_test_to = value
        elif key == "discover":
            answers.discover = value
    return answers


def password_from_env(answers: Answers, environ: Mapping[str, str] | None = None) -> str:
    """The password from the variable `password_env` names; AnswersError when it is not set
    or empty (the message names the variable, never a value)."""
    environ = os.environ if environ is None else environ
    name = answers.password_env
    if not name:
        raise AnswersError(answers.path, "password_env",
                           _("no password: name an environment variable that holds it with "
                             "password_env = \"MAILWIZARD_PASSWORD\", or give it on standard "
                             "input with --password-stdin"))
    value = environ.get(name, "")
    if not value:
        raise AnswersError(answers.path, "password_env",
                           _("the environment variable {name} is not set or is empty; set "
                             "it to the password before running mailwizard apply").format(
                               name=name))
    return value


# -- profile from keys ---------------------------------------------------------------------

def _preset(provider_id: str) -> ProviderPreset:
    from mailwizard.core.providers import load_catalogue

    catalogue = load_catalogue()
    provider = catalogue.get(provider_id)
    if provider is None:
        import difflib

        ids = [p.id for p in catalogue]
        close = difflib.get_close_matches(str(provider_id).lower(), ids, n=1, cutoff=0.6)
        if close:
            message = _("no preset called “{id}”; did you mean “{close}”? see `mailwizard "
                        "providers` for the ids")
        else:
            message = _("no preset called “{id}”; see `mailwizard providers` for the ids")
        raise ProfileError([FieldError("provider", message.format(
            id=provider_id, close=close[0] if close else ""))])
    return provider


def connect_only_message(provider: ProviderPreset) -> str:
    """Why a Connect-only preset (Outlook.com) cannot be set up with a password."""
    who = {"microsoft": "Microsoft", "google": "Google"}.get(provider.oauth, provider.oauth)
    return _("{provider} accounts no longer accept a password here, not even an app "
             "password: only Connect (sign in with {company}) works. Open the wizard "
             "(`mailwizard gui`) and choose Connect").format(provider=provider.name,
                                                             company=who)


def compose_profile(values: Mapping[str, Any], site: SiteConfig | None = None
                    ) -> tuple[Profile, ProviderPreset | None]:
    """The profile that `values` (file-key names: host, port, trust_sha256 …) make on top
    of the provider preset and the site defaults, and the preset (for the diagnosis).

    Raises ProfileError for keys that do not fit together (Exchange keys for SMTP, an
    unknown preset or region) and for locked keys set to another value; the caller checks
    the profile itself (profile.errors())."""
    site = site or SiteConfig()
    errors = site.locked_violations(dict(values))
    if errors:
        raise ProfileError(errors)

    service = values.get("service")
    provider: ProviderPreset | None = None
    if values.get("provider"):
        provider = _preset(values["provider"])
        if service and provider.service.value != service:
            raise ProfileError([FieldError("provider", _(
                "“{id}” is a preset for {service}, not {other}").format(
                    id=provider.id, service=provider.service.value, other=service))])
    elif site.provider:
        site_preset = site.preset()
        if site_preset is not None and service in (None, site_preset.service.value):
            provider = site_preset
    if provider is not None and provider.connect_only and "provider" in values:
        raise ProfileError([FieldError("provider", connect_only_message(provider))])
    if service is None:
        service = provider.service.value if provider else \
            (site.service.value if site.service else ServiceType.SMTP.value)

    if service == ServiceType.EXCHANGE.value:
        profile = _exchange_profile(values, site, provider)
    else:
        profile, provider = _smtp_profile(values, site, provider)
    errors = [e for e in site.locked_violations(profile)
              if e.field not in values]  # the ones set above are reported already
    if errors:
        raise ProfileError(errors)
    return profile, provider


def _field_changes(values: Mapping[str, Any], skip: tuple[str, ...]) -> dict[str, Any]:
    changes = {}
    for key, value in values.items():
        spec = PROFILE_KEYS[key]
        if key in skip or key == "service" or spec.field is None or value is None:
            continue
        changes[spec.field] = value
    return changes


def _exchange_profile(values, site: SiteConfig, provider) -> Profile:
    wrong = [FieldError(k, _("not used for Exchange (it is reached through its EWS "
                             "address)"))
             for k in SMTP_ONLY if k in values and k not in ("provider", "auth")]
    if "provider" in values and (provider is None or
                                 provider.service is not ServiceType.EXCHANGE):
        wrong.insert(0, FieldError("provider", _("not used for Exchange")))
    if "auth" in values:
        wrong.append(FieldError("auth", _("“{value}” is not used for Exchange: Exchange signs "
                                          "in with ntlm or basic").format(
                                              value=values["auth"])))
    if wrong:
        raise ProfileError(wrong)
    base = Profile(service=ServiceType.EXCHANGE, provider_id="exchange")  # as the wizard does
    if provider is not None:
        base = base.with_changes(provider_id=provider.id)
    profile = site.apply_defaults(base)
    profile = profile.with_changes(**_field_changes(values, SMTP_ONLY))
    if not profile.from_address and profile.username.count("@") == 1:
        profile = profile.with_changes(from_address=profile.username)
    if not profile.ews_url:
        profile = profile.with_changes(ews_url=default_ews_url(profile.from_address))
    return profile.normalised()


def _smtp_profile(values, site: SiteConfig, provider):
    wrong = [FieldError(k, _("only used with service exchange")) for k in EXCHANGE_ONLY
             if k in values]
    if wrong:
        raise ProfileError(wrong)
    region = values.get("region") or site.defaults.get("region")
    if provider is not None and provider.needs_region and region and \
            region not in provider.regions:
        raise ProfileError([FieldError("region", _(
            "{provider} has no region “{region}”; expected one of {regions}").format(
                provider=provider.name, region=region,
                regions=", ".join(provider.regions)))])
    email = values.get("from_address") or site.defaults.get("from_address") or ""
    if provider is not None:
        profile = provider.profile_for(email, region=region or None)
    else:
        profile = Profile()  # the address's provider, if any, is found for a diagnosis only
    profile = site.apply_defaults(profile)
    changes = _field_changes(values, EXCHANGE_ONLY + ("provider", "region"))
    if "username" not in changes and not profile.username:
        sender = changes.get("from_address") or profile.from_address
        if sender and (provider is None or provider.username_rule == "email"):
            changes["username"] = sender
    if "from_address" not in changes and not profile.from_address:
        # as the wizard does: a user name that is an address is the From address too
        login = str(changes.get("username") or profile.username or "").strip()
        if login.count("@") == 1 and not login.startswith("@") and not login.endswith("@"):
            changes["from_address"] = login
            if provider is None:
                from mailwizard.core.providers import load_catalogue

                provider = load_catalogue().match_email(login)  # for the diagnosis only
    try:
        profile = Profile(**{**profile.to_dict(), **changes})
    except ValueError as exc:
        raise ProfileError([FieldError("settings", str(exc))]) from None
    return profile, provider
