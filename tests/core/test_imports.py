"""The core is Qt-free and light: importing it, or running `mailwizard --version`, must not
pull in Qt, exchangelib, OAuth or DNS libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("PySide6", "shiboken6", "exchangelib", "dns", "oauthlib", "requests_oauthlib",
         "authlib", "msal", "google_auth_oauthlib", "requests")

PROBE = """
import sys
{imports}
heavy = {heavy!r}
loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)
print('LOADED:' + ','.join(loaded))
"""


def loaded_after(imports: str) -> str:
    code = PROBE.format(imports=imports, heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return out.rsplit("LOADED:", 1)[1].strip()


def test_core_imports_no_qt_exchange_oauth_or_dns():
    imports = "\n".join(f"import mailwizard.core.{m}" for m in (
        "profile", "providers", "smtp_check", "diagnosis", "secrets", "config", "save",
        "redact", "exitcodes", "deliverability.check", "deliverability.model",
        "deliverability.knowledge", "schedule", "notify"))
    assert loaded_after(imports + "\nimport mailwizard.cli") == ""


def test_discovery_modules_import_no_dns_library_until_they_ask():
    imports = "\n".join(f"import mailwizard.core.discovery.{m}" for m in (
        "run", "sources", "probe", "autoconfig", "mx", "rank", "net", "https", "dns"))
    assert loaded_after(imports + "\nimport mailwizard.cli_discover") == ""


def test_a_preset_domain_is_discovered_without_loading_dns():
    code = ("from mailwizard.core.discovery.run import Discovery\n"
            "assert Discovery('a@gmail.com').run().best.host == 'smtp.gmail.com'")
    assert loaded_after(code) == ""


def test_version_command_imports_nothing_heavy():
    code = ("import sys, runpy\nsys.argv=['mailwizard','--version']\n"
            "try:\n    runpy.run_module('mailwizard', run_name='__main__')\n"
            "except SystemExit:\n    pass\n")
    assert loaded_after(code) == ""
