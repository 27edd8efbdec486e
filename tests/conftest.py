"""Shared fixtures: certificates from a throw-away CA, real SMTP servers on loopback, and the
real Secret Service (gnome-keyring) when the test command provides it."""

from __future__ import annotations

import os

# Qt needs this before any Qt import; without a display pytest would die with "Aborted".
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No administrator's site file on this machine (/etc/xdg/mailwizard) may change what the
# tests see; tests that want one name it (MAILWIZARD_SITE_CONFIG, --site-config).
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

os.environ["XDG_CONFIG_DIRS"] = tempfile.mkdtemp(prefix="mailwizard-test-xdg-")
atexit.register(shutil.rmtree, os.environ["XDG_CONFIG_DIRS"], True)
os.environ.pop("MAILWIZARD_SITE_CONFIG", None)
# Discovery never asks the machine's real DNS from a test (a wizard test that types an address
# on an unknown domain would start one): a loopback port where nothing answers, unless a test
# names its own dnsmasq.
os.environ["MAILWIZARD_DNS_SERVER"] = "127.0.0.1:9"
# The tests' language is English unless a test chooses another (the machine's locale is not
# the tests' business); the catalogues are compiled from the .po files as they are now.
os.environ["MAILWIZARD_LANG"] = "en"
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "packaging" / "backend"))
import catalogues  # noqa: E402

catalogues.compile_all()
sys.path.pop(0)

import re
import ssl
import sys
from pathlib import Path

import pytest
import trustme

sys.path.insert(0, str(Path(__file__).parent))
# The core's tests sit in folders named like the core's (tests/core/checks/ for
# mailwizard/core/checks/ …); the helper modules beside them (gui/walk.py …) are importable by
# name. What tests share lives in tests/support/ (`from support.cli import mailwizard`): no test
# module imports another (tests/test_suite_rules.py).
for _folder in sorted(Path(__file__).parent.glob("*/*/")):
    if _folder.name != "__pycache__":
        sys.path.append(str(_folder))
for _folder in ("core", "gui"):
    sys.path.append(str(Path(__file__).parent / _folder))

from servers import (RawServer, Recorder, closed_port, free_port,  # noqa: E402
                     start_smtp_server)
from support.fixtures import (hindi, hindi_wizard, wizard_language, world,  # noqa: E402,F401
                              worlds)

from mailwizard.core.profile import Profile  # noqa: E402
from mailwizard.core.redact import forget_all_secrets  # noqa: E402

USER = "office@society.example.org"
PASSWORD = "correct horse battery staple"


def missing(msg: str) -> None:
    """A part the test needs is missing: under the test command (scripts/test.sh, which
    provides root, the tools and the Secret Service) a failure naming it, elsewhere a skip
    that names it."""
    if os.environ.get("MAILWIZARD_TEST_SECRET_SERVICE") == "1":  # set by scripts/test.sh
        pytest.fail(msg + " (scripts/test.sh provides it)", pytrace=False)
    pytest.skip(msg)


def pytest_addoption(parser):
    parser.addoption("--reverse", action="store_true",
                     help="run the tests in reverse order (each must stand alone)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--reverse"):
        items.reverse()


def pytest_runtest_setup(item):
    for mark in item.iter_markers("needs_root"):
        if os.geteuid() != 0:
            missing("needs root: " + (mark.args[0] if mark.args else "privileged ports"))
    for mark in item.iter_markers("needs_tool"):
        name, package = mark.args
        if shutil.which(name) is None:
            missing(f"needs the program {name} (Debian package {package}), not found on PATH")


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_file(ca, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("ca") / "test-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def _server_ctx(cert) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    return ctx


@pytest.fixture(scope="session")
def server_ctx(ca) -> ssl.SSLContext:
    return _server_ctx(ca.issue_cert("localhost", "127.0.0.1"))


@pytest.fixture(scope="session")
def untrusted_ctx() -> ssl.SSLContext:
    """A certificate from a CA the client was never told about."""
    return _server_ctx(trustme.CA().issue_cert("localhost", "127.0.0.1"))


@pytest.fixture(scope="session")
def mismatch_ctx(ca) -> ssl.SSLContext:
    """Trusted CA, but issued for another name than the one the client dials."""
    return _server_ctx(ca.issue_cert("mail.other.test"))


@pytest.fixture
def smtp_server(server_ctx):
    """Factory: start_server(mode="starttls"|"tls"|"plain", **recorder_script)."""
    started = []

    def start(mode="starttls", ctx=None, auth_require_tls=True, auth_exclude=None,
              smtputf8=None, **script):
        rec = Recorder(users={USER: PASSWORD}, **script)
        srv = start_smtp_server(mode=mode, cert_ctx=ctx or (server_ctx if mode != "plain"
                                                             else None),
                                recorder=rec, auth_require_tls=auth_require_tls,
                                auth_exclude=auth_exclude, smtputf8=smtputf8)
        started.append(srv)
        return srv

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def ews_server(server_ctx):
    """Factory: a loopback EWS endpoint (tests/ews_server.py) speaking to the real
    exchangelib; start(ctx=..., **EwsState fields)."""
    from ews_server import EwsServer, EwsState

    started = []

    def start(ctx=None, **state):
        srv = EwsServer(ctx or server_ctx, EwsState(**state))
        started.append(srv)
        return srv

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def raw_server():
    started = []

    def start(behaviour):
        srv = RawServer(behaviour)
        started.append(srv)
        return srv

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def make_profile(ca_file):
    def make(server=None, **changes) -> Profile:
        base = dict(host="127.0.0.1", port=server.port if server else closed_port(),
                    security="starttls", username=USER, from_address=USER,
                    display_name="Riverside Society", cafile=ca_file, timeout=5.0)
        base.update(changes)
        return Profile(**base)

    return make


@pytest.fixture(autouse=True)
def _fresh_redaction():
    yield
    forget_all_secrets()


_LANGUAGE_VARIABLES = ("MAILWIZARD_LANG", "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")


@pytest.fixture(autouse=True)
def _language_restored():
    """Whatever a test does to the language (i18n.set_language, the language variables), the
    next test starts in the language and environment the session chose, even after a failure
    half-way through a switch."""
    from mailwizard.core import i18n

    before = i18n.language()
    env = {k: os.environ.get(k) for k in _LANGUAGE_VARIABLES}
    yield
    for k, v in env.items():
        if v is None:
            os.environ.pop(k, None)
        elif os.environ.get(k) != v:
            os.environ[k] = v
    if i18n.language() != before:
        i18n.set_language(before)


#: Profile names the wizard saves under without being asked (the first profile's name):
#: cleared before and after every test that uses the Secret Service, so that no test passes on
#: an entry an earlier test wrote.
SHARED_PROFILES = ("default",)
SECRET_KINDS = ("password", "refresh_token")


def _clear_shared_profiles(keyring) -> None:
    from keyring.errors import PasswordDeleteError

    for profile in SHARED_PROFILES:
        for kind in SECRET_KINDS:
            try:
                keyring.delete_password("mailwizard", f"{profile}/{kind}")
            except PasswordDeleteError:
                pass


@pytest.fixture
def secret_service():
    """The real Secret Service, with the shared profile's entries cleared before and after the
    test. The test command (scripts/test.sh) starts gnome-keyring under dbus-run-session and
    sets MAILWIZARD_TEST_SECRET_SERVICE=1: there a missing service is a failure, not a skip."""
    import keyring

    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if "SecretService" not in name:
        msg = (f"needs the Secret Service (gnome-keyring under dbus-run-session); keyring "
               f"backend here is {name}. Run scripts/test.sh.")
        if os.environ.get("MAILWIZARD_TEST_SECRET_SERVICE") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    _clear_shared_profiles(keyring)
    try:
        yield backend
    finally:
        _clear_shared_profiles(keyring)


def _script_languages() -> list[str]:
    """The languages with a catalogue (resources/locale/*.po) whose script is known
    (i18n.SCRIPTS: hi, mr Devanagari; ta Tamil): the walks without English run in each."""
    from mailwizard.core.i18n import SCRIPTS

    locale = Path(__file__).parents[1] / "resources" / "locale"
    return sorted(p.stem for p in locale.glob("*.po") if p.stem in SCRIPTS)


#: e.g. ["hi"] today; ["hi", "mr", "ta"] once mr.po and ta.po are in resources/locale
SCRIPT_LANGUAGES = _script_languages()
#: a letter of each script
SCRIPT_LETTER = {"Devanagari": re.compile(r"[\u0900-\u097F]"),
                 "Tamil": re.compile(r"[\u0B80-\u0BFF]")}


__all__ = ["USER", "PASSWORD", "free_port", "SCRIPT_LANGUAGES", "SCRIPT_LETTER"]


@pytest.fixture
def wizard(qtbot, tmp_path):
    """Factory: wizard(config=None, site_config=None) -> a shown MailWizard. Without either,
    the settings file is a fresh one in tmp_path; with a site file and no config, the site
    file decides where settings go. (Qt is imported only by tests that use this.)"""
    from mailwizard.core.flow import Step
    from mailwizard.gui.app import create_wizard, make_application

    make_application([])
    made = []

    def make(config=None, site_config=None):
        if config is None and site_config is None:
            config = tmp_path / "mail-settings.json"
        w = create_wizard(config, site_config=site_config)
        w.pages[Step.VALIDATE].greeting_wait = 0.3
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        made.append(w)
        return w

    yield make
    for w in made:
        w.done(0)
