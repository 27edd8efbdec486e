"""What the administrator's site file sets, and what that means for a profile: the
pre-selected service and provider, [defaults] (applied under what the user types), locked
keys (held at the site's value) and hidden service types. `SiteConfig` is what the faces
(gui/, cli/) hand the wizard's flow as its SitePolicy. Finding, reading and checking the
file: core/admin/site.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
TYPE_CHECKING = False  # typing is for type checkers: not imported at run time (start-up)

from mailwizard.core.admin.filekeys import (EXCHANGE_ONLY, PROFILE_KEYS, SMTP_ONLY,
                                            key_for_field)
from mailwizard.core.i18n import _
from mailwizard.core.profile_types import FieldError, ServiceType

if TYPE_CHECKING:
    from typing import Any
    from mailwizard.core.profile import Profile  # read only when a profile is checked
    from mailwizard.core.providers import ProviderPreset

LOCKED_TOOLTIP = "Set by your administrator"
#: Locked keys a provider preset gives a value to (others need one under [defaults]).
PRESET_GIVES = ("service", "host", "port", "security", "auth")

#: Identity keys only fill empty fields; all other defaults replace a preset's value.
_FILL_ONLY = ("username", "from_address", "display_name")
#: Keys of [defaults] that are choices made before a profile exists, not profile fields.
_CHOICES = ("service", "provider", "region")


@dataclass
class SiteConfig:
    """What the site file sets. An empty SiteConfig (no file) changes nothing."""

    #: The file that was read; None when there is none.
    path: Path | None = None
    #: Where the file was looked for (the folder, or the file named by env/option).
    searched: Path | None = None
    provider: str = ""
    #: [defaults], in file-key names (trust_sha256, allow_exchange_online), values checked.
    defaults: dict[str, Any] = field(default_factory=dict)
    locked: tuple[str, ...] = ()
    hidden_services: tuple[str, ...] = ()
    #: [oauth.<provider>] tables as written (client_id, client_secret, tenant …).
    oauth: dict[str, dict[str, str]] = field(default_factory=dict)
    config_path: Path | None = None
    #: Expected recipients per day (limit warnings); 0 when not set.
    recipients_per_day: int = 0
    #: The language of the wizard and the command line ("hi", "en"…; core/i18n.py), unless
    #: --lang or MAILWIZARD_LANG says otherwise; "" follows the system.
    language: str = ""
    #: The whole parsed file, for code that reads its own sections (OAuth client settings);
    #: with a vendor file, the vendor's settings with the site file's over them.
    raw: dict[str, Any] = field(default_factory=dict)
    #: The ERP vendor's file that was read under the site file (None: none).
    vendor_path: Path | None = None

    # -- questions ---------------------------------------------------------------------
    @property
    def exists(self) -> bool:
        """Whether there are site settings (read from a file, or given as data)."""
        return self.path is not None or bool(self.raw)

    @property
    def where(self) -> str:
        """The file, in messages: its path, or 'the site file'."""
        return str(self.path) if self.path else \
            str(self.vendor_path) if self.vendor_path else _("the site file")

    def is_locked(self, key: str) -> bool:
        return key_for_field(key) in self.locked

    def is_hidden(self, service: ServiceType | str) -> bool:
        return ServiceType(service).value in self.hidden_services

    @property
    def service(self) -> ServiceType | None:
        """The service type the site pre-selects: [defaults] service, else its provider's."""
        if "service" in self.defaults:
            return ServiceType(self.defaults["service"])
        preset = self.preset()
        return preset.service if preset else None

    def preset(self) -> ProviderPreset | None:
        if not self.provider:
            return None
        from mailwizard.core.providers import load_catalogue

        return load_catalogue().get(self.provider)

    # -- profiles ----------------------------------------------------------------------
    def apply_defaults(self, profile: Profile) -> Profile:
        """`profile` with the site's [defaults] applied: server settings replace what is
        there (a preset's), the identity fields (from_address, username, display_name) only
        fill empty ones. The service type and provider are choices, not changed here."""
        changes: dict[str, Any] = {}
        for key, value in self.defaults.items():
            spec = PROFILE_KEYS[key]
            if key in _CHOICES or spec.field is None:
                continue
            if key in _FILL_ONLY and getattr(profile, spec.field):
                continue
            changes[spec.field] = value
        return profile.with_changes(**changes) if changes else profile

    def locked_value(self, key: str) -> Any:
        """The value a locked key is held at: [defaults], else the site provider's preset."""
        key = key_for_field(key)
        if key == "provider":
            return self.provider
        if key in self.defaults:
            return self.defaults[key]
        preset = self.preset()
        if preset is not None and key in PRESET_GIVES:
            if key == "host":
                return preset.host_for(self.defaults.get("region"))
            value = getattr(preset.profile_for(""), PROFILE_KEYS[key].field)
            return getattr(value, "value", value)
        return None

    def locked_violations(self, profile_or_changes: Profile | dict[str, Any]
                          ) -> list[FieldError]:
        """Each locked key that `profile_or_changes` sets to another value than the site's,
        as a FieldError (field = the file key) naming the site file. A dict may use file
        keys or Profile field names; a Profile is checked on the keys its service uses."""
        from mailwizard.core.profile import Profile

        wanted: dict[str, Any] = {}
        if isinstance(profile_or_changes, Profile):
            # Compared in the form profiles are checked and saved in: an Exchange login
            # "it" with domain COMPANY is the same as COMPANY\it.
            p = profile_or_changes.normalised()
            site_p = self.enforce_locks(p).normalised()
            skip = EXCHANGE_ONLY if p.service is not ServiceType.EXCHANGE else SMTP_ONLY
            values = {}
            for key in self.locked:
                spec = PROFILE_KEYS[key]
                if key in skip or spec.field is None:
                    continue
                values[key] = getattr(p, spec.field)
                if key not in ("service", "provider"):
                    wanted[key] = getattr(site_p, spec.field)
        else:
            values = {key_for_field(k): v for k, v in profile_or_changes.items()}
        errors = []
        for key, value in values.items():
            if key not in self.locked:
                continue
            want = wanted.get(key, self.locked_value(key))
            if not _same(key, value, want):
                errors.append(FieldError(key, _(
                    "locked to “{value}” by your administrator in {file}; leave it out, or "
                    "ask IT to change it").format(value=_text(want), file=self.where)))
        return errors

    def enforce_locks(self, profile: Profile) -> Profile:
        """`profile` with every locked key it uses set to the site's value."""
        changes = {}
        for key in self.locked:
            spec = PROFILE_KEYS[key]
            if spec.field is None or key in ("service", "provider"):
                continue
            want = self.locked_value(key)
            if want is not None and not _same(key, getattr(profile, spec.field), want):
                changes[spec.field] = want
        return profile.with_changes(**changes) if changes else profile

    # -- for people --------------------------------------------------------------------
    def describe(self) -> list[str]:
        """What the site file sets, one line each (OAuth client secrets masked)."""
        if not self.exists:
            return [_("no site file (looked in {folder})").format(folder=self.searched)
                    if self.searched else _("no site file")]
        lines = [_("file: {path}").format(path=self.path) if self.path else
                 _("no site file; the vendor's settings only") if self.vendor_path else
                 _("given as data, not from a file")]
        if self.vendor_path:
            lines.append(_("vendor file (under the site file): {path}").format(
                path=self.vendor_path))
        if self.provider:
            lines.append(_("provider: {id}").format(id=self.provider))
        for key, value in self.defaults.items():
            lines.append(_("default {key}: {value}").format(key=key, value=_text(value)))
        if self.locked:
            lines.append(_("locked: {keys}").format(keys=", ".join(self.locked)))
        if self.hidden_services:
            lines.append(_("hidden services: {services}").format(
                services=", ".join(self.hidden_services)))
        if self.config_path:
            lines.append(_("config path: {path}").format(path=self.config_path))
        if self.recipients_per_day:
            lines.append(_("recipients per day: {n}").format(n=self.recipients_per_day))
        if self.language:
            lines.append(_("language: {code}").format(code=self.language))
        for provider, table in self.oauth.items():
            shown = ", ".join(f"{k} = {'********' if 'secret' in k else v}"
                              for k, v in table.items())
            lines.append(f"oauth.{provider}: {shown}")
        return lines


def _text(value: Any) -> str:
    return str(getattr(value, "value", value)).lower() if isinstance(value, bool) else \
        str(getattr(value, "value", value))


def _same(key: str, value: Any, want: Any) -> bool:
    value, want = getattr(value, "value", value), getattr(want, "value", want)
    if key == "host":
        return str(value).strip().rstrip(".").lower() == str(want).strip().rstrip(".").lower()
    if key == "trust_sha256":
        from mailwizard.core.profile import normalise_fingerprint

        return normalise_fingerprint(str(value)) == normalise_fingerprint(str(want))
    if key == "timeout":
        return float(value) == float(want)
    if isinstance(want, str) and isinstance(value, str):
        return value.strip() == want.strip()
    return value == want
