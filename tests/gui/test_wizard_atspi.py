"""The wizard the way a screen reader sees it: through the real AT-SPI bus (Debian's
at-spi2-core) in a private D-Bus session and a real X server (Xvfb), read over D-Bus by
tests/gui/atspi_probe.py. On every page: no focusable control without a name, combo boxes
labelled by their label, links exposed as links, the test's outcome as an alert."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.xserver import x_server

HERE = Path(__file__).resolve().parent
PAGES = ["service", "provider", "account-gmail", "account-own-server", "validate-ready",
         "validate-failed", "validate-ok", "exchange", "connect"]


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    for tool in ("dbus-run-session", "/usr/libexec/at-spi-bus-launcher"):
        if not shutil.which(tool) and not os.path.exists(tool):
            pytest.fail(f"{tool} is missing: scripts/test.sh installs it")
    tmp = tmp_path_factory.mktemp("atspi")
    out = tmp / "seen.json"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DBUS_", "QT_", "AT_SPI", "DISPLAY", "WAYLAND", "XAUTHORITY"))}
    env.update(QT_QPA_PLATFORM="xcb", PROBE_TMP=str(tmp), HOME=str(tmp),
               PYTHONPATH=os.pathsep.join([str(HERE.parent), env.get("PYTHONPATH", "")]))
    with x_server(tmp) as display:  # tests/support/xserver.py: why not xvfb-run -a
        run = subprocess.run(
            ["dbus-run-session", "--", sys.executable, str(HERE / "atspi_probe.py"), str(out)],
            env={**env, **display}, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0 and out.exists(), run.stderr[-3000:]
    return json.loads(out.read_text())


def test_every_page_was_read_through_the_bus(seen):
    assert list(seen) == PAGES
    assert all(seen[p]["nodes"] > 10 for p in PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_no_focusable_control_without_a_name(seen, page):
    assert seen[page]["unnamed"] == []


def test_combo_boxes_are_labelled_by_their_label(seen):
    combos = dict(seen["account-own-server"]["combos"])
    assert combos["Secure from the start, usually port 465 (SSL/TLS, “Always On”)"] == ["Security:"]
    assert combos["With user name and password"] == ["Sign in:"]
    assert [labels for _, labels in seen["exchange"]["combos"]] == [["Sign-in method:"]]


def test_links_are_links(seen):
    assert {"Open the page for step 1", "Open the page for step 2",
            "Create an app password"} <= set(seen["account-gmail"]["links"])
    assert seen["exchange"]["links"] == ["Microsoft: sign-in methods for EWS"]
    assert seen["service"]["links"] == ["For IT: how to set up sign-in"]


def test_the_outcome_is_an_alert_with_its_explanation(seen):
    assert seen["validate-ready"]["alerts"] == []
    assert seen["validate-failed"]["alerts"] == ["The test failed."]
    assert "STARTTLS" in seen["validate-failed"]["described"]["The test failed."]
    assert seen["validate-ok"]["alerts"] == ["Your settings work."]


def test_choice_hints_are_descriptions(seen):
    described = seen["service"]["described"]
    assert "own mail server" in described["Web mail / SMTP server"]
    assert "not set up sign-in" in described["Connect an email service (Google, Microsoft)"]
