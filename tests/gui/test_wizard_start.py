"""Start-up: the first page is shown before anything the later pages need is loaded, and before
PySide6 sets up what it does not need yet (benchmarks/bench_gui.py measures the time against a
bare QWizard; this holds what the measurements pointed to). A real wizard process, up to the
first turn of its event loop after the window is shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import QTimer
from mailwizard.gui.app import make_application, create_wizard
app = make_application([])
w = create_wizard({config!r})
w.show()
def shown():
    print(json.dumps({{"modules": sorted(sys.modules), "current": w.currentId(),
                      # set up by PySide6 yet (looking does not set them up)?
                      "qt_namespace": "Qt" in vars(QtCore),
                      "every_widget_class": "QFileDialog" in vars(QtWidgets)}}))
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""

#: what only later pages use: their modules, the checks, discovery, sign-in, provider data,
#: the keyring and the network libraries
LATER = ("mailwizard.gui.pages.account", "mailwizard.gui.pages.validate",
         "mailwizard.gui.pages.save", "mailwizard.gui.pages.exchange",
         "mailwizard.gui.pages.connect", "mailwizard.gui.widgets", "mailwizard.gui.discovery",
         "mailwizard.gui.deliverability_panel", "mailwizard.core.providers",
         "mailwizard.core.checks", "mailwizard.core.diagnosis", "mailwizard.core.discovery",
         "mailwizard.core.oauth", "mailwizard.core.deliverability", "keyring", "exchangelib",
         "dns", "smtplib", "requests", "oauthlib", "msal")


def first_page_shown(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MAILWIZARD_", "LANG", "LC_", "LANGUAGE"))}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               MAILWIZARD_SITE_CONFIG=str(tmp_path / "no-site.toml"))
    code = PROBE.format(config=str(tmp_path / "no-such-dir" / "config.toml"))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=60)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_first_page_loads_nothing_the_later_pages_need(tmp_path):
    seen = first_page_shown(tmp_path)
    assert seen["current"] == 1  # the kind of service
    loaded = [m for m in seen["modules"] if any(m == x or m.startswith(x + ".") for x in LATER)]
    assert loaded == []


def test_the_first_page_is_shown_before_pyside6_sets_up_what_it_does_not_use(tmp_path):
    """The Qt namespace (97 enum types at once) and every widget class (which PySide6 goes
    through to find the type of a widget Qt made, such as a scroll area's viewport) are set
    up when a later page needs them."""
    seen = first_page_shown(tmp_path)
    assert (seen["qt_namespace"], seen["every_widget_class"]) == (False, False)
