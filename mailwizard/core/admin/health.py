"""Re-checking saved settings with their stored secret (`mailwizard check`, e.g. from a
scheduled task, so that an expired password is found before invoices fail).

The last check, remembered next to the settings file, is the store's (core/store/lastcheck.py;
its names are re-exported here for the command line and the daily check).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import _
from mailwizard.core.store.config import SavedSettings
from mailwizard.core.store.lastcheck import (LAST_CHECK_SUFFIX, last_check_path,  # noqa: F401
                                             read_last_check, record_last_check)
from mailwizard.core.profile import AuthMethod

if TYPE_CHECKING:
    from mailwizard.core.diagnosis.smtp import Diagnosis
    from mailwizard.core.checks.smtp import CheckResult


class MissingSecret(LookupError):
    """The saved settings need a secret and the keyring has none for them."""


def secret_for_saved(saved: SavedSettings) -> str | None:
    """The secret the saved profile signs in with, from the keyring: None when it needs none
    (a relay without login). Raises SecretStoreUnavailable (no usable keyring) or
    MissingSecret (no entry). Every face that checks saved settings asks here, so that other
    kinds of sign-in (an OAuth refresh token turned into an access token) plug in at one
    place."""
    if saved.profile.auth is AuthMethod.NONE or saved.secret is None:
        return None
    from mailwizard.core.store.secrets import get_secret

    value = get_secret(saved.secret)
    if not value:
        raise MissingSecret(_(
            "No password is stored for profile “{name}” (keyring entry “{entry}” of "
            "“{service}”). Save it again: open the wizard and choose “My password changed”, "
            "or run `mailwizard save` or `mailwizard apply`.").format(
                name=saved.profile_name, entry=saved.secret.username,
                service=saved.secret.service))
    return value


def check_saved(saved: SavedSettings, *, send_test_to: str | None = None,
                progress: Callable[[str, str, float], None] | None = None,
                site: Mapping[str, Any] | None = None
                ) -> tuple[CheckResult, Diagnosis | None, int]:
    """Run the real check for saved settings with their stored secret: (result, diagnosis,
    exit code). The secret errors of secret_for_saved are raised before any connection.
    `site`: the site file's settings the face read (a connected account's client ID)."""
    from mailwizard.core.checks import make_check

    import os

    from mailwizard.core.profile import ServiceType

    secret = secret_for_saved(saved)
    options: dict[str, Any] = {}
    if os.environ.get("MAILWIZARD_DNS_SERVER") and saved.profile.service is not \
            ServiceType.EXCHANGE:
        # closed networks and tests: the server's name is looked up where discovery looks
        from mailwizard.core.discovery.dns import resolver_for_checks

        options["resolve"] = resolver_for_checks()
    if saved.profile.service is ServiceType.OAUTH:  # for a refresh of its token
        from mailwizard.core.oauth.account import configured_client

        options["client"] = configured_client(saved.profile, site)
    check = make_check(saved.profile, secret, send_test_to=send_test_to, progress=progress,
                       **options)
    result = check.run()
    # A connected (OAuth) account: the check refreshed the token with the stored refresh
    # token; a provider that rotates it (Microsoft) has just given a new one to keep.
    if result.rotated_secret:
        from mailwizard.core.store.secrets import set_secret

        set_secret(saved.secret, result.rotated_secret)
    if result.ok:
        return result, None, ec.OK
    from mailwizard.core.diagnosis.smtp import diagnose  # only on failure: not on every check
    from mailwizard.core.providers import load_catalogue

    provider = load_catalogue().get(saved.profile.provider_id)
    diagnosis = diagnose(result.failure, saved.profile, provider)
    return result, diagnosis, ec.for_stage(result.failure.stage, result.failure.kind)


def password_changed_advice(profile, provider=None, config_path: Path | None = None, *,
                            failed: bool = False) -> str:
    """What to do when the saved password stops working (check) or a new one was refused
    (save's password-changed path): the one command that stores a new password and keeps
    every other setting, and — for Google — that a password change cancels app passwords."""
    from mailwizard.core.diagnosis.smtp import GOOGLE_APP_PASSWORDS

    where = f" --config {config_path}" if config_path else ""
    command = f"mailwizard save{where} --password-stdin"
    google = bool(provider and provider.id in ("gmail", "google-workspace")) or \
        profile.host.lower() in ("smtp.gmail.com",)
    if failed:
        first = _("The password you gave was not accepted either.")
        if google:
            then = _("Google cancels every app password when the Google account password "
                     "changes: create a new app password at {url} (not your Google password) "
                     "and store it with `{command}` again; nothing was changed until a "
                     "password passes the test.")
        else:
            then = _("Check it (Caps Lock, the right account) and run `{command}` again; "
                     "nothing was changed until a password passes the test.")
        return first + " " + then.format(url=GOOGLE_APP_PASSWORDS, command=command)
    first = _("The saved password no longer works: it may have been changed or have expired.")
    if google:
        then = _("Google cancels every app password when the Google account password changes: "
                 "create a new app password at {url} (not your Google password) and store it "
                 "with `{command}` (the password on the first line of standard input; every "
                 "other setting is kept and the password is replaced only if the test "
                 "passes), or open the wizard and choose “My password changed”.")
    else:
        then = _("Store the new one with `{command}` (the password on the first line of "
                 "standard input; every other setting is kept and the password is replaced "
                 "only if the test passes), or open the wizard and choose “My password "
                 "changed”.")
    return first + " " + then.format(url=GOOGLE_APP_PASSWORDS, command=command)
