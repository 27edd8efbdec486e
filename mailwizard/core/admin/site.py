"""The administrator's site file: defaults, locked fields and hidden service types for every
user of a computer, read by the wizard and the command line alike — found, read and checked
here; what it sets is a SiteConfig (core/admin/sitepolicy.py, re-exported here).

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
from pathlib import Path
TYPE_CHECKING = False  # typing is for type checkers: not imported at run time (start-up)

from mailwizard.core.admin.filekeys import (PROFILE_KEYS, SettingsFileError, check_value,
                                            closest, describe_value, read_mapping, unknown_key)
from mailwizard.core.admin.sitefiles import (  # noqa: F401 (re-exported)
    SITE_ENV, SITE_FILENAMES, VENDOR_ENV, VENDOR_FILENAME, default_site_dir, site_file_path,
    site_files_exist, vendor_file_path)
from mailwizard.core.admin.sitepolicy import (LOCKED_TOOLTIP, PRESET_GIVES,  # noqa: F401
                                              SiteConfig)
from mailwizard.core.i18n import _
from mailwizard.core.profile_types import ServiceType

if TYPE_CHECKING:
    from typing import Any, Callable

#: Top-level keys of a site file.
SITE_KEYS = ("provider", "defaults", "locked", "hidden_services", "oauth", "config_path",
             "recipients_per_day", "discovery", "language", "daily_check")
#: Keys that may be locked: the profile keys (provider and region included).
LOCKABLE = tuple(PROFILE_KEYS)
SERVICE_NAMES = tuple(s.value for s in ServiceType)


class SiteConfigError(SettingsFileError):
    """The site file cannot be used; the message names the file, the key and what is
    expected."""


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


if TYPE_CHECKING:
    #: A mistake at a key, as the error to raise (parse_site_config's `fail`).
    Fail = Callable[[str, str], SiteConfigError]


def parse_site_config(data: dict[str, Any], path: Path | None = None) -> SiteConfig:
    """A SiteConfig from the parsed file, every key checked, section by section in this
    order (the first mistake found is the one reported)."""
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
    _read_defaults(site, data.get("defaults", {}), path, fail)
    site.locked = _locked_keys(site, data, path, fail)
    site.hidden_services = _hidden_services(site, data, path, fail)
    site.oauth = _oauth_tables(data.get("oauth", {}), fail)
    if "config_path" in data:
        site.config_path = _config_path(data["config_path"], fail)
    if "discovery" in data:  # checked by its own module (core/admin/discovery_site.py)
        from mailwizard.core.admin.discovery_site import check_site_table

        check_site_table(data["discovery"], fail)
    if "daily_check" in data:  # checked by its own module (core/admin/daily.py)
        from mailwizard.core.admin.daily import check_site_table as check_daily

        check_daily(data["daily_check"], fail)
    if "recipients_per_day" in data:
        site.recipients_per_day = _recipients_per_day(data["recipients_per_day"], fail)
    if "language" in data:
        site.language = _language(data["language"], fail)
    return site


def _read_defaults(site: SiteConfig, defaults: Any, path: Path | None, fail: Fail) -> None:
    """[defaults] into `site.defaults`, each value checked, and the service they pre-select
    matching the file's provider."""
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


def _locked_keys(site: SiteConfig, data: dict[str, Any], path: Path | None,
                 fail: Fail) -> tuple[str, ...]:
    """`locked`: each key must have a value to be held at ([defaults], or the provider's)."""
    locked = tuple(_string_list(data, "locked", LOCKABLE, path))
    for key in locked:
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
    return locked


def _hidden_services(site: SiteConfig, data: dict[str, Any], path: Path | None,
                     fail: Fail) -> tuple[str, ...]:
    """`hidden_services`: at least one kind stays, and never the pre-selected one."""
    hidden = tuple(_string_list(data, "hidden_services", SERVICE_NAMES, path))
    visible = [s for s in SERVICE_NAMES if s not in hidden]
    if not visible:
        raise fail("hidden_services", _("every kind of service is hidden; leave at least one "
                                        "of {services}").format(
                                            services=", ".join(f"“{s}”" for s in SERVICE_NAMES)))
    if site.service is not None and site.service.value in hidden:
        raise fail("hidden_services", _("the pre-selected service “{service}” is hidden"
                                        ).format(service=site.service.value))
    return hidden


def _oauth_tables(oauth: Any, fail: Fail) -> dict[str, dict[str, str]]:
    """[oauth.<provider>] tables of text (client_id, client_secret, tenant …), as written."""
    if not isinstance(oauth, dict):
        raise fail("oauth", _("expected tables such as [oauth.google] with client_id = "
                              "\"…\"; found {found}").format(found=describe_value(oauth)))
    tables = {}
    for provider, table in oauth.items():
        if not isinstance(table, dict):
            raise fail(f"oauth.{provider}", _(
                "expected a table ([oauth.{provider}] with client_id = \"…\"); found {found}"
            ).format(provider=provider, found=describe_value(table)))
        for k, v in table.items():
            if not isinstance(v, str):
                raise fail(f"oauth.{provider}.{k}", _("expected text; found {found}").format(
                    found=describe_value(v)))
        tables[provider] = dict(table)
    return tables


def _config_path(raw: Any, fail: Fail) -> Path:
    """`config_path`: a full path, ~ and environment variables expanded."""
    if not isinstance(raw, str) or not raw.strip():
        raise fail("config_path", _(
            "expected the full path of the settings file as text, e.g. "
            "\"C:\\\\ERP\\\\mail-settings.json\"; found {found}").format(
                found=describe_value(raw)))
    expanded = Path(os.path.expandvars(os.path.expanduser(raw.strip())))
    if not expanded.is_absolute():
        raise fail("config_path", _("expected a full path (from the root of a drive); "
                                    "found “{value}”").format(value=raw))
    return expanded


def _recipients_per_day(v: Any, fail: Fail) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise fail("recipients_per_day", _("expected a whole number of people (0 or "
                                           "more), without quotes; found {found}").format(
                                               found=describe_value(v)))
    return v


def _language(v: Any, fail: Fail) -> str:
    from mailwizard.core.i18n import normalise

    if not isinstance(v, str) or not normalise(v):
        raise fail("language", _("expected a language code such as \"hi\" or \"en\", "
                                 "in quotes; found {found}").format(found=describe_value(v)))
    return normalise(v)


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
    if not site_files_exist(path):
        return None
    try:
        return load_site_config(path).language or None
    except (SiteConfigError, OSError):
        return None
