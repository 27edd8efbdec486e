"""Saving a validated profile: the secret into the keyring, the settings into the config file.

Order matters: the settings must have passed a real check first; then the secret is replaced
(the old one is kept until the config is written, and restored if that write fails); the
config file is written last, atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from mailwizard.core.i18n import _
from mailwizard.core.store.config import SavedSettings, default_config_path, write_config
from mailwizard.core.profile import AuthMethod, Profile
from mailwizard.core.store.secrets import SecretRef, SecretReplacement, check_available

if TYPE_CHECKING:  # the GUI's save page loads this module at start-up: keep smtplib out
    from mailwizard.core.checks.smtp import CheckResult


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


def validation_summary(result: CheckResult | None) -> dict:
    if result is None:
        return {"validated_at": None, "untested": True}
    return {
        "validated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "test_message_to": result.test_message_to or None,
        "tls_version": result.tls_version or None,
        "certificate_sha256": result.certificate.sha256 if result.certificate else None,
        "auth_mechanism": result.auth_mechanism or None,
    }


def save_settings(profile: Profile, secret: str | None, result: CheckResult | None, *,
                  config_path: Path | None = None, profile_name: str = "default",
                  allow_untested: bool = False, replace_damaged: bool = False,
                  command: str = "save") -> SavePlan:
    """Store a profile that passed `result`. Raises NotValidated, SecretStoreUnavailable or
    ConfigError; on any of them nothing is left half-written. Then the check is recorded as
    the last check beside the settings file (core/health.py), `command` naming who saved
    ("save", "apply", "wizard"), so the ERP can show when the settings last worked."""
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
    if result is not None:
        _record(plan.config_path, result, command)
    return plan


def _record(config_path: Path, result: CheckResult, command: str) -> None:
    import logging

    from mailwizard.core import exitcodes as ec
    from mailwizard.core.admin.health import record_last_check
    from mailwizard.core.admin.report import check_record

    try:
        record_last_check(config_path, check_record(result, None, exit_code=ec.OK,
                                                    command=command))
    except OSError as exc:  # the settings are saved; only the record is missing
        logging.getLogger(__name__).warning("the check was not recorded: %s", exc)
