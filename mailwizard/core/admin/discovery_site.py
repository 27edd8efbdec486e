"""The site file's `[discovery]` table: whether online look-ups (the domain's autoconfig
address and the ISPDB, which learn the domain) are allowed, and which ISPDB to ask.

    [discovery]
    online = false                                   # default true
    ispdb_url = "https://ispdb.example.org/v1.1/"    # default Thunderbird's
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing only for type checkers (start-up of `discover`)
if TYPE_CHECKING:
    from typing import Any

from mailwizard.core.i18n import _

KEYS = ("online", "ispdb_url")


def check_site_table(table: Any, fail) -> dict[str, Any]:
    """The checked table; `fail(key, message)` makes the site file's error."""
    from mailwizard.core.admin.filekeys import closest, describe_value

    if not isinstance(table, dict):
        raise fail("discovery", _("expected a table ([discovery] with online = false or "
                                  "ispdb_url = \"https://…\"); found {found}").format(
            found=describe_value(table)))
    for key, value in table.items():
        if key not in KEYS:
            near = closest(key, KEYS)
            raise fail(f"discovery.{key}", _("unknown key; did you mean “{near}”?").format(
                near=near) if near else _("unknown key"))
        if key == "online" and not isinstance(value, bool):
            raise fail("discovery.online", _("expected true or false; found {found}").format(
                found=describe_value(value)))
        if key == "ispdb_url" and (not isinstance(value, str) or
                                   not value.startswith("https://")):
            raise fail("discovery.ispdb_url", _("expected an https:// address, e.g. "
                                                "{example}; found {found}").format(
                example='"https://autoconfig.thunderbird.net/v1.1/"',
                found=describe_value(value)))
    return dict(table)


def site_discovery(site) -> tuple[bool, str]:
    """(online look-ups allowed, ISPDB address or "") from a SiteConfig (or None)."""
    table = (site.raw.get("discovery") if site is not None else None) or {}
    return bool(table.get("online", True)), str(table.get("ispdb_url", ""))
