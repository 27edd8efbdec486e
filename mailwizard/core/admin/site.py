"""The administrator's site file: defaults, locked fields and hidden service types for every
user of a computer, read by the wizard and the command line alike.

Where: `site.toml` (or `site.json`) in the platform's site config folder — /etc/xdg/mailwizard
on Linux (the first of $XDG_CONFIG_DIRS), C:\\ProgramData\\mailwizard on Windows,
/Library/Application Support/mailwizard on macOS — or the file named by MAILWIZARD_SITE_CONFIG
or `--site-config`. No file means no site settings. The format is published as
resources/site.schema.json and described in docs/INTEGRATION.md.

Order of precedence for a profile: provider preset < site [defaults] < what the user types
(or an answer file says), except for locked keys, which keep the site's value.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
TYPE_CHECKING = False  # typing is for type checkers: not imported at run time (start-up)

from mailwizard.core.admin.filekeys import (EXCHANGE_ONLY, PROFILE_KEYS, SMTP_ONLY,
                                      SettingsFileError, check_value, closest, describe_value,
                                      key_for_field, read_mapping, unknown_key)
from mailwizard.core.i18n import _
from mailwizard.core.store.paths import xdg_config_dir
from mailwizard.core.profile import FieldError, Profile, ServiceType, normalise_fingerprint

if TYPE_CHECKING:
    from typing import Any
    from mailwizard.core.providers import ProviderPreset

SITE_ENV = "MAILWIZARD_SITE_CONFIG"
#: The ERP vendor's file, baked into its bundle at packaging time (mailwizard/vendor/
#: vendor.toml beside the package; MAILWIZARD_VENDOR_FILE names another): the same format as
#: a site file, read first, so that the administrator's site file overrides it.
VENDOR_ENV = "MAILWIZARD_VENDOR_FILE"
VENDOR_FILENAME = "vendor.toml"
SITE_FILENAMES = ("site.toml", "site.json")
LOCKED_TOOLTIP = "Set by your administrator"

#: Top-level keys of a site file.
SITE_KEYS = ("provider", "defaults", "locked", "hidden_services", "oauth", "config_path",
             "recipients_per_day", "discovery", "language", "daily_check")
#: Keys that may be locked: the profile keys (provider and region included).
LOCKABLE = tuple(PROFILE_KEYS)
#: Locked keys a provider preset gives a value to (others need one under [defaults]).
PRESET_GIVES = ("service", "host", "port", "security", "auth")
SERVICE_NAMES = tuple(s.value for s in ServiceType)

#: Identity keys only fill empty fields; all other defaults replace a preset's value.
_FILL_ONLY = ("username", "from_address", "display_name")
#: Keys of [defaults] that are choices made before a profile exists, not profile fields.
_CHOICES = ("service", "provider", "region")


class SiteConfigError(SettingsFileError):
    """The site file cannot be used; the message names the file, the key and what is
    expected."""


def default_site_dir() -> Path:
    """The platform's folder for the site file (see the module docstring)."""
    if sys.platform == "darwin":
        # Fixed, not platformdirs' guess: a Homebrew Python would otherwise look in
        # $(brew --prefix)/share, which no administrator would think of.
        return Path("/Library/Application Support/mailwizard")
    if sys.platform.startswith("linux"):
        return Path(xdg_config_dir(site=True)) / "mailwizard"
    from platformdirs import site_config_dir

    return Path(site_config_dir("mailwizard", appauthor=False))


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
        return normalise_fingerprint(str(value)) == normalise_fingerprint(str(want))
    if key == "timeout":
        return float(value) == float(want)
    if isinstance(want, str) and isinstance(value, str):
        return value.strip() == want.strip()
    return value == want


def site_file_path(path: Path | str | None = None) -> tuple[Path | None, Path]:
    """(the site file to read or None, where it was looked for): `path`, else
    $MAILWIZARD_SITE_CONFIG, else site.toml / site.json in the platform's folder."""
    explicit = path or os.environ.get(SITE_ENV)
    if explicit:
        p = Path(explicit).expanduser()
        return p, p
    folder = default_site_dir()
    for name in SITE_FILENAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate, folder
    return None, folder


def load_site_config(path: Path | str | None = None) -> SiteConfig:
    """Read the site file (see site_file_path). No file in the platform's folder: an empty
    SiteConfig. A file named explicitly (argument or MAILWIZARD_SITE_CONFIG) must exist. A bad
    file: SiteConfigError naming the key and the expected value."""
    file, searched = site_file_path(path)
    vendor = vendor_file_path()
    vendor_data: dict[str, Any] = {}
    if vendor is not None:
        vendor_data = _read(vendor, "vendor file")
        parse_site_config(vendor_data, vendor)  # its own mistakes name it
    if file is None:
        if vendor is None:
            return SiteConfig(searched=searched)
        site = parse_site_config(vendor_data, None)
        site.searched, site.vendor_path = searched, vendor
        return site
    data = _read(file, "site file")
    site = parse_site_config(merge_vendor(vendor_data, data) if vendor else data, file)
    site.vendor_path = vendor
    return site


def _read(file: Path, what: str) -> dict[str, Any]:
    try:
        return read_mapping(file, what)
    except SettingsFileError as exc:
        raise SiteConfigError(exc.path, exc.key, exc.message) from None


def vendor_file_path() -> Path | None:
    """The vendor file: $MAILWIZARD_VENDOR_FILE, else mailwizard/vendor/vendor.toml beside the
    installed package (where the bundle's spec puts it); None when there is none."""
    env = os.environ.get(VENDOR_ENV)
    if env:
        return Path(env).expanduser()
    import mailwizard

    candidate = Path(mailwizard.__file__).resolve().parent / "vendor" / VENDOR_FILENAME
    return candidate if candidate.is_file() else None


def merge_vendor(vendor: dict[str, Any], site: dict[str, Any]) -> dict[str, Any]:
    """The vendor's settings with the site file's over them: [defaults] key by key, each
    [oauth.<provider>] table as a whole (a client ID and its secret belong together), every
    other key replaced."""
    merged = dict(vendor)
    for key, value in site.items():
        if key in ("defaults", "oauth") and isinstance(value, dict) \
                and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def parse_site_config(data: dict[str, Any], path: Path | None = None) -> SiteConfig:
    """A SiteConfig from the parsed file, every key checked."""
    def fail(key: str, message: str) -> SiteConfigError:
        return SiteConfigError(path, key, message)

    for key in data:
        if key not in SITE_KEYS:
            exc = unknown_key(key, SITE_KEYS, path=path)
            raise SiteConfigError(path, exc.key, exc.message)
    site = SiteConfig(path=path, searched=path, raw=data)

    if "provider" in data:
        site.provider = _checked(PROFILE_KEYS["provider"], data["provider"], path, "")
        _check_provider(site.provider, path, "provider")

    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise fail("defaults", _("expected a table ([defaults] with keys such as host = "
                                 "\"smtp.example.com\"); found {found}").format(
                                     found=describe_value(defaults)))
    for key, value in defaults.items():
        if key not in PROFILE_KEYS:
            exc = unknown_key(key, PROFILE_KEYS, path=path, prefix="defaults.")
            raise SiteConfigError(path, exc.key, exc.message)
        site.defaults[key] = _checked(PROFILE_KEYS[key], value, path, "defaults.")
    if "provider" in site.defaults:
        raise fail("defaults.provider", _("the provider is set at the top of the file: "
                                          "provider = \"{id}\"").format(
                                              id=site.defaults["provider"]))
    if site.service is not None and site.provider:
        preset = site.preset()
        if preset is not None and preset.service is not site.service:
            raise fail("defaults.service", _(
                "provider “{id}” is a {service} preset; expected service = \"{service}\" or "
                "no service").format(id=site.provider, service=preset.service.value))

    site.locked = tuple(_string_list(data, "locked", LOCKABLE, path))
    for key in site.locked:
        if key == "provider" and not site.provider:
            raise fail("locked", _("“provider” is locked but the file sets no provider; add "
                                   "provider = \"…\" at the top"))
        if key != "provider" and key not in site.defaults and not (
                site.provider and key in PRESET_GIVES):
            if key in PRESET_GIVES:
                message = _("“{key}” is locked but the file gives it no value; add {key} = … "
                            "under [defaults] (or set a provider)")
            else:
                message = _("“{key}” is locked but the file gives it no value; add {key} = … "
                            "under [defaults]")
            raise fail("locked", message.format(key=key))

    site.hidden_services = tuple(_string_list(data, "hidden_services", SERVICE_NAMES, path))
    visible = [s for s in SERVICE_NAMES if s not in site.hidden_services]
    if not visible:
        raise fail("hidden_services", _("every kind of service is hidden; leave at least one "
                                        "of {services}").format(
                                            services=", ".join(f"“{s}”" for s in SERVICE_NAMES)))
    if site.service is not None and site.service.value in site.hidden_services:
        raise fail("hidden_services", _("the pre-selected service “{service}” is hidden"
                                        ).format(service=site.service.value))

    oauth = data.get("oauth", {})
    if not isinstance(oauth, dict):
        raise fail("oauth", _("expected tables such as [oauth.google] with client_id = "
                              "\"…\"; found {found}").format(found=describe_value(oauth)))
    for provider, table in oauth.items():
        if not isinstance(table, dict):
            raise fail(f"oauth.{provider}", _(
                "expected a table ([oauth.{provider}] with client_id = \"…\"); found {found}"
            ).format(provider=provider, found=describe_value(table)))
        for k, v in table.items():
            if not isinstance(v, str):
                raise fail(f"oauth.{provider}.{k}", _("expected text; found {found}").format(
                    found=describe_value(v)))
        site.oauth[provider] = dict(table)

    if "config_path" in data:
        raw = data["config_path"]
        if not isinstance(raw, str) or not raw.strip():
            raise fail("config_path", _(
                "expected the full path of the settings file as text, e.g. "
                "\"C:\\\\ERP\\\\mail-settings.json\"; found {found}").format(
                    found=describe_value(raw)))
        expanded = Path(os.path.expandvars(os.path.expanduser(raw.strip())))
        if not expanded.is_absolute():
            raise fail("config_path", _("expected a full path (from the root of a drive); "
                                        "found “{value}”").format(value=raw))
        site.config_path = expanded

    if "discovery" in data:  # checked by its own module (core/admin/discovery_site.py)
        from mailwizard.core.admin.discovery_site import check_site_table

        check_site_table(data["discovery"], fail)
    if "daily_check" in data:  # checked by its own module (core/admin/daily.py)
        from mailwizard.core.admin.daily import check_site_table as check_daily

        check_daily(data["daily_check"], fail)
    if "recipients_per_day" in data:
        v = data["recipients_per_day"]
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise fail("recipients_per_day", _("expected a whole number of people (0 or "
                                               "more), without quotes; found {found}").format(
                                                   found=describe_value(v)))
        site.recipients_per_day = v
    if "language" in data:
        from mailwizard.core.i18n import normalise

        v = data["language"]
        if not isinstance(v, str) or not normalise(v):
            raise fail("language", _("expected a language code such as \"hi\" or \"en\", "
                                     "in quotes; found {found}").format(
                                         found=describe_value(v)))
        site.language = normalise(v)
    return site


def _checked(spec, value, path, prefix):
    try:
        return check_value(spec, value, path=path, prefix=prefix)
    except SettingsFileError as exc:
        raise SiteConfigError(exc.path, exc.key, exc.message) from None


def _check_provider(provider_id: str, path: Path | None, key: str) -> None:
    from mailwizard.core.providers import load_catalogue

    ids = [p.id for p in load_catalogue()]
    if provider_id not in ids:
        close = closest(provider_id, ids)
        if close:
            message = _("no preset called “{id}”; did you mean “{close}”? Expected an id from "
                        "`mailwizard providers`: {ids}")
        else:
            message = _("no preset called “{id}”. Expected an id from `mailwizard providers`: "
                        "{ids}")
        raise SiteConfigError(path, key, message.format(id=provider_id, close=close,
                                                        ids=", ".join(ids)))


def _string_list(data: dict, key: str, allowed: tuple[str, ...], path) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SiteConfigError(path, key, _(
            "expected a list of names, e.g. {key} = [\"{example}\"]; found {found}").format(
                key=key, example=allowed[0], found=describe_value(value)))
    for v in value:
        if v not in allowed:
            close = closest(v, allowed)
            if close:
                message = _("“{value}” is not one of {names}; did you mean “{close}”?")
            else:
                message = _("“{value}” is not one of {names}")
            raise SiteConfigError(path, key, message.format(value=v, names=", ".join(allowed),
                                                            close=close))
    return list(dict.fromkeys(value))


def resolve_config_path(explicit: Path | str | None = None,
                        site: SiteConfig | None = None) -> Path:
    """Where the settings file is: `explicit` (--config), else MAILWIZARD_CONFIG, else the
    site file's config_path, else the per-user default."""
    from mailwizard.core.store.config import default_config_path

    if explicit:
        return Path(explicit)
    if not os.environ.get("MAILWIZARD_CONFIG") and site is not None and site.config_path:
        return site.config_path
    return default_config_path()


def site_language(path: str | None) -> str | None:
    """The site file's language, when there is a site file (for `i18n.setup`); a damaged one
    is reported by the command itself, in whatever language is in use then."""
    file, _searched = site_file_path(path)
    if file is None and vendor_file_path() is None:
        return None
    try:
        return load_site_config(path).language or None
    except (SiteConfigError, OSError):
        return None
