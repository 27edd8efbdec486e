"""docs/INTEGRATION.md is the contract with the host ERP: its runnable example sends through a
loopback server with the password from the real keyring, the Secret Service lookup it shows
works, and its exit-code table is the code's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from conftest import PASSWORD, USER
from support.cli import mailwizard

from mailwizard.core.exitcodes import DESCRIPTIONS
from mailwizard.core.store.save import save_settings
from mailwizard.core.checks.smtp import run_check

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "erp_send.py"


def saved(tmp_path, profile, password=PASSWORD) -> tuple[Path, str]:
    """Settings saved the way the wizard saves them (a passed check, keyring, config)."""
    cfg, name = tmp_path / "mail-settings.json", f"erp{uuid.uuid4().hex[:8]}"
    result = run_check(profile, password)
    assert result.ok, result.failure
    save_settings(profile, password, result, config_path=cfg, profile_name=name)
    return cfg, name


def erp_send(cfg: Path, *extra: str):
    env = {k: v for k, v in os.environ.items() if k != "MAILWIZARD_CONFIG"}
    to = [] if "--to" in extra else ["--to", USER]
    return subprocess.run([sys.executable, str(EXAMPLE), "--config", str(cfg), *to,
                           "--subject", "Invoice 42", *extra], capture_output=True, text=True,
                          timeout=60, env=env)


@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_the_example_sends_with_the_saved_settings(smtp_server, make_profile, tmp_path, mode,
                                                   secret_service):
    srv = smtp_server(mode)
    cfg, _ = saved(tmp_path, make_profile(srv, security=mode))
    p = erp_send(cfg, "--body", "Grüße from the ERP")
    assert p.returncode == 0, p.stdout + p.stderr
    [msg] = srv.recorder.messages
    assert msg.message["Subject"] == "Invoice 42"
    assert msg.message["From"] == f"Riverside Society <{USER}>"
    assert "Grüße" in msg.message.get_content()
    assert srv.recorder.logins[-1] == USER


#: Recipients as an ERP might hand them over: what `mailwizard send` refuses, the example must
#: refuse too (issue 24: "not an address" went out as RCPT TO:<not> and "sent", exit 0).
RECIPIENTS = ["not an address", "a@b@example.org", "<>", '"a b"@example.org',
              "undisclosed-recipients:;", "member", "member@", "@example.org",
              "member@example.org", "Member <member@example.org>, treasurer@example.org",
              "Member <member@example.org"]


def test_the_example_refuses_exactly_what_mailwizard_send_refuses(smtp_server, make_profile,
                                                                  tmp_path, secret_service):
    srv = smtp_server("starttls")
    cfg, _ = saved(tmp_path, make_profile(srv))
    env = {k: v for k, v in os.environ.items() if k != "MAILWIZARD_CONFIG"}
    for to in RECIPIENTS:
        before = len(srv.recorder.messages)
        tool = mailwizard("send", "--config", str(cfg), environ=env,
                          stdin=f"To: {to}\r\nSubject: Invoice\r\n\r\nx\r\n")
        by_tool = srv.recorder.messages[before:]
        p = erp_send(cfg, "--to", to)
        by_example = srv.recorder.messages[before + len(by_tool):]
        assert (p.returncode == 0) == (tool.returncode == 0), (to, p.stderr, tool.stderr)
        if tool.returncode:
            assert p.returncode == 3 and "not sent" in p.stderr, (to, p.stderr)
            assert "sent to" not in p.stdout and by_example == [] and by_tool == []
        else:
            assert [m.rcpt_tos for m in by_example] == [m.rcpt_tos for m in by_tool], to


@pytest.mark.parametrize("to", ["member@example.org\r\nBcc: spy@evil.example",
                                "member@example.org\nX-Injected: 1", "a\u2028b@example.org"])
def test_the_example_refuses_a_recipient_with_a_line_break(smtp_server, make_profile, tmp_path,
                                                           secret_service, to):
    srv = smtp_server("starttls")
    cfg, _ = saved(tmp_path, make_profile(srv))
    logins = len(srv.recorder.commands_auth)
    p = erp_send(cfg, "--to", to)
    assert p.returncode == 3 and "line break" in p.stderr
    assert srv.recorder.messages == [] and len(srv.recorder.commands_auth) == logins


def test_the_example_says_which_recipient_the_server_refused(smtp_server, make_profile,
                                                             tmp_path, secret_service):
    srv = smtp_server("starttls")
    cfg, _ = saved(tmp_path, make_profile(srv))
    srv.recorder.reply_to_rcpt = "550 5.1.1 No such user here"
    p = erp_send(cfg, "--to", "gone@example.org")
    assert p.returncode == 26 and "gone@example.org" in p.stderr and "sent to" not in p.stdout


def test_the_example_logs_in_once_and_fails_cleanly_with_a_changed_password(
        smtp_server, make_profile, tmp_path, secret_service):
    srv = smtp_server("starttls")
    cfg, _ = saved(tmp_path, make_profile(srv))
    srv.recorder.users[USER] = "changed"
    before = len(srv.recorder.commands_auth)
    p = erp_send(cfg)
    # its own exit code (mailwizard's 24) and what to do, without the password
    assert p.returncode == 24 and "sending failed" in p.stderr and PASSWORD not in p.stderr
    assert "refused the saved password" in p.stderr and "--password-stdin" in p.stderr
    assert len(srv.recorder.commands_auth) == before + 1  # one AUTH, no retries
    assert srv.recorder.messages == []


def test_the_example_honours_a_pinned_certificate(smtp_server, make_profile, tmp_path,
                                                 untrusted_ctx, secret_service):
    srv = smtp_server("starttls", ctx=untrusted_ctx)
    probe = run_check(make_profile(srv), PASSWORD)
    pin = probe.failure.certificate.sha256  # what "Trust this certificate" stores
    cfg, _ = saved(tmp_path, make_profile(srv, pinned_sha256=pin))
    assert erp_send(cfg).returncode == 0
    assert len(srv.recorder.messages) == 1


def test_the_example_refuses_an_untrusted_certificate(smtp_server, make_profile, tmp_path,
                                                      untrusted_ctx, secret_service):
    srv = smtp_server("starttls")
    cfg, _ = saved(tmp_path, make_profile(srv))
    evil = smtp_server("starttls", ctx=untrusted_ctx)  # someone else's certificate
    text = cfg.read_text().replace(f'"port": {srv.port}', f'"port": {evil.port}')
    cfg.write_text(text)
    p = erp_send(cfg)
    assert p.returncode == 1 and "certificate" in p.stderr.lower()
    assert evil.recorder.commands_auth == []


def test_secret_tool_lookup_as_documented(smtp_server, make_profile, tmp_path,
                                          secret_service):
    if shutil.which("secret-tool") is None:
        msg = "secret-tool (Debian package libsecret-tools) is not installed"
        if os.environ.get("MAILWIZARD_TEST_SECRET_SERVICE") == "1":
            pytest.fail(msg + "; scripts/test.sh installs it")
        pytest.skip(msg)
    srv = smtp_server("starttls")
    _, name = saved(tmp_path, make_profile(srv))
    p = subprocess.run(["secret-tool", "lookup", "service", "mailwizard", "username",
                        f"{name}/password"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and p.stdout == PASSWORD


def test_the_docs_exit_code_table_is_the_code():
    docs = (ROOT / "docs" / "INTEGRATION.md").read_text(encoding="utf-8")
    table = docs.split("<!-- exit-codes:start -->")[1].split("<!-- exit-codes:end -->")[0]
    found = {}
    for row in table.strip().splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if cells[0].isdigit():
            found[int(cells[0])] = cells[1]
    assert found == DESCRIPTIONS


def test_the_docs_name_every_command_and_key():
    from mailwizard.core.admin.answers import ANSWER_KEYS
    from mailwizard.core.admin.site import SITE_KEYS

    docs = (ROOT / "docs" / "INTEGRATION.md").read_text(encoding="utf-8")
    for word in ("mailwizard apply", "mailwizard check", "mailwizard report",
                 "show --json", "mailwizard token", "mailwizard send", "## OAuth (Connect)"):
        assert word in docs, word
    for key in (*ANSWER_KEYS, *SITE_KEYS):
        assert f"`{key}`" in docs, key


def test_the_example_explains_a_missing_or_damaged_settings_file(tmp_path):
    p = erp_send(tmp_path / "nothing-here.json")
    assert p.returncode == 4 and "no email settings at" in p.stderr
    assert "Traceback" not in p.stderr
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"schema_version": 1, "profile": ')
    p = erp_send(damaged)
    assert p.returncode == 4 and "cannot be read" in p.stderr and "Traceback" not in p.stderr


def _plaintext_keyring(tmp_path: Path) -> dict:
    """A stand-in for keyrings.alt's PlaintextKeyring (never installed here): the same
    module and class name, storing in a plain file, found through PYTHONPATH."""
    pkg = tmp_path / "fake" / "keyrings" / "alt"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "file.py").write_text(
        "from keyring.backend import KeyringBackend\n"
        "class PlaintextKeyring(KeyringBackend):\n"
        "    priority = 0.5\n"
        "    def get_password(self, service, username):\n"
        "        return 'read from a plain file'\n"
        "    def set_password(self, service, username, password):\n"
        "        pass\n"
        "    def delete_password(self, service, username):\n"
        "        pass\n")
    return {"PYTHONPATH": str(tmp_path / "fake"),
            "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"}


@pytest.mark.parametrize("keyring_kind", ["none", "plaintext"])
def test_the_example_refuses_a_missing_or_plaintext_keyring(smtp_server, make_profile,
                                                            tmp_path, keyring_kind,
                                                            secret_service):
    srv = smtp_server("starttls")
    cfg, _ = saved(tmp_path, make_profile(srv))
    before = len(srv.recorder.commands_auth)
    env = {k: v for k, v in os.environ.items() if k != "MAILWIZARD_CONFIG"}
    env.update({"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
               if keyring_kind == "none" else _plaintext_keyring(tmp_path))
    p = subprocess.run([sys.executable, str(EXAMPLE), "--config", str(cfg), "--to", USER],
                       capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 5, p.stdout + p.stderr
    assert "keyring" in p.stderr and "Traceback" not in p.stderr
    assert "keyrings.alt package" not in p.stderr and "install" not in p.stderr.lower()
    if keyring_kind == "plaintext":
        assert "plain file" in p.stderr
    assert len(srv.recorder.commands_auth) == before and srv.recorder.messages == []


def test_the_example_explains_a_missing_stored_password(smtp_server, make_profile, tmp_path,
                                                        secret_service):
    import json

    import keyring

    srv = smtp_server("starttls")
    cfg, name = saved(tmp_path, make_profile(srv))
    keyring.delete_password("mailwizard", f"{name}/password")
    p = erp_send(cfg)
    assert p.returncode == 5 and "no password in the keyring" in p.stderr
    assert json.loads(cfg.read_text())["secret"]["username"] == f"{name}/password"
