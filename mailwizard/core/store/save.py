"""Saving a validated profile: the secret into the keyring, the settings into the config file.

Order matters: the settings must have passed a real check first; then the secret is replaced
(the old one is kept until the config is written, and restored if that write fails); the
config file is written last, atomically; then the check's record, as the caller built it,
is kept as the last check (core/store/lastcheck.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Protocol

from mailwizard.core.i18n import _
from mailwizard.core.store.config import SavedSettings, default_config_path, write_config
from mailwizard.core.profile import AuthMethod, Profile
from mailwizard.core.store.secrets import SecretRef, SecretReplacement, check_available


class _Certificate(Protocol):
    sha256: str


class CheckOutcome(Protocol):
    """What saving reads of a check's result (core/checks/result.py's CheckResult): whether
    these settings passed, and what the settings file notes of how."""

    ok: bool
    profile: Profile
    test_message_to: str
    tls_version: str
    auth_mechanism: str
    #: a refresh token the provider rotated during the check (kept instead of the old one)
    rotated_secret: str

    @property
    def certificate(self) -> _Certificate | None: ...


class NotValidated(Exception):
    """Refused: the settings did not pass a check in this run."""


@dataclass
class SavePlan:
    """What will be stored where — shown to the user before anything is written."""

    config_path: Path
    secret: SecretRef | None
    profile_name: str

    def describe(self) -> list[str]:
        lines = [_("Settings file: {path}").format(path=self.config_path)]
        if self.secret and self.secret.kind == "refresh_token":
            lines.append(_("Sign-in (refresh token): {where}").format(
                where=self.secret.describe()))
        elif self.secret:
            lines.append(_("Password: {where}").format(where=self.secret.describe()))
        else:
            lines.append(_("Password: none (this server takes no login)"))
        return lines


def plan_save(profile: Profile, config_path: Path | None = None,
              profile_name: str = "default") -> SavePlan:
    from mailwizard.core.profile import FieldError, ProfileError, check_profile_name

    problem = check_profile_name(profile_name)
    if problem:
        raise ProfileError([FieldError("profile_name", problem)])
    if profile.auth is AuthMethod.PASSWORD:
        secret: SecretRef | None = SecretRef(profile_name)
    elif profile.auth is AuthMethod.OAUTH2:
        secret = SecretRef(profile_name, "refresh_token")
    else:
        secret = None
    return SavePlan(Path(config_path) if config_path else default_config_path(), secret,
                    profile_name)


def validation_summary(result: CheckOutcome | None) -> dict:
    if result is None:
        return {"validated_at": None, "untested": True}
    return {
        "validated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "test_message_to": result.test_message_to or None,
        "tls_version": result.tls_version or None,
        "certificate_sha256": result.certificate.sha256 if result.certificate else None,
        "auth_mechanism": result.auth_mechanism or None,
    }


def save_settings(profile: Profile, secret: str | None, result: CheckOutcome | None, *,
                  config_path: Path | None = None, profile_name: str = "default",
                  allow_untested: bool = False, replace_damaged: bool = False,
                  last_check: Mapping[str, Any] | None = None) -> SavePlan:
    """Store a profile that passed `result`. Raises NotValidated, SecretStoreUnavailable or
    ConfigError; on any of them nothing is left half-written. Then `last_check`, the check's
    record as the face built it (core/admin/report.py's saved_check_record, naming who saved:
    "save", "apply", "wizard"), is kept as the last check beside the settings file, so the
    ERP can show when the settings last worked."""
    if result is None and not allow_untested:
        raise NotValidated(_("The settings have not been tested; nothing was saved."))
    if result is not None and (not result.ok or result.profile != profile):
        raise NotValidated(_("These settings did not pass the test; nothing was saved."))
    plan = plan_save(profile, config_path, profile_name)
    settings = SavedSettings(profile=profile, secret=plan.secret, profile_name=profile_name,
                             validation=validation_summary(result))
    # A refresh during the check may have rotated the refresh token: keep the new one.
    rotated = getattr(result, "rotated_secret", "") if result is not None else ""
    if rotated and profile.auth is AuthMethod.OAUTH2:
        secret = rotated
    if plan.secret is None:
        write_config(settings, plan.config_path, replace_damaged=replace_damaged)
    else:
        if not secret:
            raise NotValidated(_("No password or sign-in was given; nothing was saved."))
        check_available()
        with SecretReplacement(plan.secret, secret):
            write_config(settings, plan.config_path, replace_damaged=replace_damaged)
    if last_check is not None:
        _record(plan.config_path, last_check)
    return plan


def _record(config_path: Path, last_check: Mapping[str, Any]) -> None:
    import logging

    from mailwizard.core.store.lastcheck import record_last_check

    try:
        record_last_check(config_path, last_check)
    except OSError as exc:  # the settings are saved; only the record is missing
        logging.getLogger(__name__).warning("the check was not recorded: %s", exc)
