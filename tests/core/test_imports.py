"""The core is Qt-free and light: importing it, or running `mailwizard --version`, must not
pull in Qt, exchangelib, OAuth or DNS libraries."""

from __future__ import annotations

import os
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
        "profile", "providers", "checks.smtp", "diagnosis", "store.secrets", "store.config",
        "store.save", "redact", "exitcodes", "deliverability.check", "deliverability.model",
        "deliverability.knowledge", "admin.schedule", "admin.notify"))
    assert loaded_after(imports + "\nimport mailwizard.cli") == ""


def test_discovery_modules_import_no_dns_library_until_they_ask():
    imports = "\n".join(f"import mailwizard.core.discovery.{m}" for m in (
        "run", "sources", "probe", "autoconfig", "mx", "rank", "net", "https", "dns"))
    assert loaded_after(imports + "\nimport mailwizard.cli.discover") == ""


def test_a_preset_domain_is_discovered_without_loading_dns():
    code = ("from mailwizard.core.discovery.run import Discovery\n"
            "assert Discovery('a@gmail.com').run().best.host == 'smtp.gmail.com'")
    assert loaded_after(code) == ""


def test_a_domain_of_the_kept_list_is_discovered_without_dns_or_the_suffix_list():
    code = ("from mailwizard.core.discovery.run import Discovery\n"
            "assert Discovery('a@zohomail.in').run().best.host == 'smtp.zoho.in'\n"
            "assert Discovery('a@cox.net').run().best.host == 'smtp.mail.yahoo.com'\n"
            "import sys; assert 'publicsuffixlist' not in sys.modules")
    assert loaded_after(code) == ""


def test_commands_that_do_not_discover_never_load_the_kept_list():
    code = ("import sys, runpy\nsys.argv=['mailwizard','providers']\n"
            "try:\n    runpy.run_module('mailwizard', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "assert 'mailwizard.core.discovery.snapshot' not in sys.modules\n"
            "assert 'publicsuffixlist' not in sys.modules\n")
    assert loaded_after(code) == ""


#: What `mailwizard discover ADDRESS --no-online` needs no part of when the address's domain
#: is a preset or on the kept list (issue 25): the TOML parser (the presets are read from
#: their compiled JSON), the profile model (and with it nothing builds a Profile), typing,
#: the online and MX sources' own modules; for a preset, the kept list too.
NOT_FOR_A_KNOWN_DOMAIN = ("tomllib", "typing", "mailwizard.core.profile",
                          "mailwizard.core.discovery.autoconfig", "mailwizard.core.discovery.mx",
                          "mailwizard.core.discovery.https", "mailwizard.core.discovery.dns",
                          "publicsuffixlist")

DISCOVER = """
import runpy, sys
sys.argv = ['mailwizard', 'discover', {address!r}, '--no-online', '--json']
try:
    runpy.run_module('mailwizard', run_name='__main__')
except SystemExit as exc:
    assert exc.code == 0, exc.code
watched = {watched!r}
print('LOADED:' + ','.join(m for m in watched if m in sys.modules))
"""


def discover_loads(address: str, watched: tuple[str, ...]) -> set[str]:
    code = DISCOVER.format(address=address, watched=watched)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    return set(filter(None, out.rsplit("LOADED:", 1)[1].strip().split(",")))


def test_discovering_a_preset_domain_loads_no_toml_profile_list_or_other_source():
    snapshot = "mailwizard.core.discovery.snapshot"
    assert discover_loads("billing@gmail.com", NOT_FOR_A_KNOWN_DOMAIN + (snapshot,)) == set()


def test_discovering_a_domain_of_the_kept_list_loads_the_list_but_no_toml_or_profile():
    snapshot = "mailwizard.core.discovery.snapshot"
    # Yahoo! JAPAN: no preset, on Thunderbird's list
    assert discover_loads("billing@yahoo.co.jp", NOT_FOR_A_KNOWN_DOMAIN + (snapshot,)) == \
        {snapshot}


def test_help_without_a_site_file_imports_no_site_reader_or_dataclasses(tmp_path):
    """No site or vendor file: no site language to read, so the site file's reader (and the
    dataclasses it is made of) is not imported to learn that."""
    code = ("import io, runpy, sys\nsys.argv = ['mailwizard', 'validate', '--help']\n"
            "sys.stdout = io.StringIO()\n"
            "try:\n    runpy.run_module('mailwizard', run_name='__main__')\n"
            "except SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
            "sys.stdout = sys.__stdout__\n"
            "assert 'mailwizard.core.admin.site' not in sys.modules\n"
            "assert 'dataclasses' not in sys.modules\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAILWIZARD_SITE_CONFIG", "MAILWIZARD_VENDOR_FILE", "MAILWIZARD_LANG")}
    env["XDG_CONFIG_DIRS"] = str(tmp_path)  # an empty site folder
    out = subprocess.run([sys.executable, "-c", code + PROBE.format(imports="", heavy=HEAVY)],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.rsplit("LOADED:", 1)[1].strip() == ""


def test_the_exit_codes_do_not_import_the_profile_model():
    code = ("import sys\nimport mailwizard.core.exitcodes\n"
            "assert 'mailwizard.core.profile' not in sys.modules\n"
            "assert 'dataclasses' not in sys.modules\n")
    assert loaded_after(code) == ""


def test_version_command_imports_nothing_heavy():
    code = ("import sys, runpy\nsys.argv=['mailwizard','--version']\n"
            "try:\n    runpy.run_module('mailwizard', run_name='__main__')\n"
            "except SystemExit:\n    pass\n")
    assert loaded_after(code) == ""


#: What a `mailwizard validate` that works needs no part of (issue 15): the diagnosis is for a
#: failure, the provider data for a named preset, the answer-file reader and email-validator
#: (plain addresses are checked without it) for other paths.
NOT_ON_SUCCESS = ("mailwizard.core.diagnosis.smtp", "mailwizard.core.diagnosis.ews",
                  "mailwizard.core.providers", "mailwizard.core.oauth.flow", "tomllib",
                  "email_validator",
                  # English reads no catalogue (importlib.resources: ≈ 17 ms with zipfile,
                  # tempfile; gettext's catalogue classes are argparse's anyway)
                  "importlib.resources") + (("platformdirs",) if sys.platform.startswith("linux")
                                        else ())  # Linux: the XDG folders without it

VALIDATE = """
import runpy, sys
sys.argv = ['mailwizard', *{argv!r}]
try:
    runpy.run_module('mailwizard', run_name='__main__')
except SystemExit as exc:
    code = exc.code
watched = {watched!r}
print('LOADED:' + ','.join(m for m in watched if m in sys.modules) + ':EXIT:' + str(code))
"""


def validate_loads(argv: list[str], stdin: str) -> tuple[set[str], str]:
    code = VALIDATE.format(argv=argv, watched=NOT_ON_SUCCESS + HEAVY)
    out = subprocess.run([sys.executable, "-c", code], input=stdin, capture_output=True,
                         text=True, timeout=60).stdout
    loaded, _, exit_code = out.rsplit("LOADED:", 1)[1].strip().partition(":EXIT:")
    return set(filter(None, loaded.split(","))), exit_code


def test_a_working_validate_loads_no_diagnosis_provider_data_or_answer_reader(smtp_server,
                                                                              ca_file):
    from conftest import PASSWORD, USER

    srv = smtp_server("starttls")
    args = ["validate", "--host", srv.host, "--port", str(srv.port), "--security", "starttls",
            "--username", USER, "--from", USER, "--cafile", ca_file, "--timeout", "5",
            "--password-stdin", "--send-test-to", USER]
    loaded, code = validate_loads(args, PASSWORD + "\n")
    assert (loaded, code) == (set(), "0")
    assert len(srv.recorder.messages) == 1

    # the same probe sees the diagnosis and the provider data load when the check fails
    loaded, code = validate_loads(args, "wrong password\n")
    assert code != "0"
    assert {"mailwizard.core.diagnosis.smtp", "mailwizard.core.providers"} <= loaded


def test_plain_addresses_are_checked_without_email_validator():
    code = ("from mailwizard.core.profile import check_email\n"
            "assert check_email(' Office@Society.Example.ORG ', 'f') == "
            "('Office@society.example.org', None)\n"
            "import sys\nassert 'email_validator' not in sys.modules\n"
            "assert check_email('bücher@example.org', 'f')[1] is None\n"
            "assert 'email_validator' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_run_that_logs_nothing_does_not_import_logging():
    """The log (logging with traceback and textwrap, and the redaction filter: ≈ 5 ms) is set
    up when something imports logging: finding a kept list's domain offline, listing the
    presets and a command's help never do."""
    for argv in (["discover", "user@yahoo.co.jp", "--no-online", "--json"], ["providers"],
                 ["check", "--help"]):
        code = VALIDATE.format(argv=argv, watched=("logging", "traceback"))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=60, env={k: v for k, v in os.environ.items()
                                              if k != "MAILWIZARD_DNS_SERVER"}).stdout
        assert out.rsplit("LOADED:", 1)[1].strip() == ":EXIT:0", (argv, out[-300:])


LOGS_MIDWAY = """
import sys
from mailwizard.cli import app
assert 'logging' not in sys.modules

def providers(args):  # a command whose work imports logging (keyring, exchangelib, ours)
    import logging
    from mailwizard.core.redact import register_secret

    register_secret('hunter2')
    logging.getLogger('keyring.backend').warning('tried %s', 'hunter2')
    logging.getLogger('keyring.backend').info('chatter')
    logging.getLogger('mailwizard.core.x').info('ours, %s', 'hunter2')
    return 0

app.cmd_providers = providers
code = app.main(sys.argv[1:])
assert not [f for f in sys.meta_path if type(f).__name__ == '_AfterImport'], sys.meta_path
sys.exit(code)
"""


def test_a_log_set_up_when_logging_is_first_imported_is_the_same_log():
    """Imported midway through a command, logging shows records as it always did: other
    packages' from warnings, mailwizard's at --debug's level, each with its level and logger,
    secrets masked; and the import hook is gone after the run."""
    def run(*argv):
        return subprocess.run([sys.executable, "-c", LOGS_MIDWAY, *argv], capture_output=True,
                              text=True, timeout=60)

    plain = run("providers")
    assert plain.returncode == 0, plain.stderr
    assert plain.stderr == "WARNING keyring.backend: tried ********\n"
    debug = run("--debug", "providers")
    assert debug.returncode == 0, debug.stderr
    assert "WARNING keyring.backend: tried ********\nINFO mailwizard.core.x: ours, ********\n" \
        in debug.stderr
    assert "chatter" not in debug.stderr and "hunter2" not in debug.stderr
