"""Checks of a setting's text on its own, before any profile exists (the command line checks
every option with them first): control characters, and the profile name's form."""

from __future__ import annotations

import re

from mailwizard.core.i18n import _

#: resources/config.schema.json's profile_name: it names the keyring entry "<name>/password".
_PROFILE_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}\Z")


def check_profile_name(name: object) -> str | None:
    """What is wrong with a profile name, or None."""
    if not isinstance(name, str) or not _PROFILE_NAME.match(name):
        return _('use 1 to 64 letters, digits, ".", "_" or "-", e.g. "default" (it names the '
                 'keyring entry "<name>/password")')
    return None


def has_control_chars(text: str) -> bool:
    """C0/C1 control characters and DEL (line breaks included): never valid in a setting."""
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)
