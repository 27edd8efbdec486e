"""The five crash signatures the fuzzer found (issue 24, item 10), each now the documented
settings error naming the field or the path, never "unexpected internal error" (exit 1):
header-breaking text in a saved setting fed to `send`; a From address of another JSON type;
`save --config` with a path longer than the system allows; `check` on a file with an unknown
key holding text where a number is read. Real processes, a real loopback SMTP relay."""

from __future__ import annotations

import json
from functools import partial

import pytest
from support.cli import NULL_KEYRING, mailwizard

from mailwizard.core import exitcodes as ec
from mailwizard.core.checks.outgoing import MessageError, prepare
from mailwizard.core.profile import Profile

FROM = "office@society.example.org"
MESSAGE = "To: member@example.org\r\nSubject: Invoice\r\n\r\nYour invoice.\r\n"


def settings(port: int, **profile) -> dict:
    """A relay without login on loopback (nothing read from a keyring)."""
    return {"schema_version": 1, "profile_name": "default",
            "profile": {"service": "smtp", "provider_id": "", "host": "127.0.0.1", "port": port,
                        "security": "none", "auth": "none", "username": "",
                        "from_address": FROM, "display_name": "Accounts", **profile},
            "secret": None, "validation": {}}


run = partial(mailwizard, env=NULL_KEYRING)


def written(tmp_path, doc) -> str:
    path = tmp_path / "mail-settings.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


@pytest.fixture
def relay(smtp_server):
    return smtp_server("plain", auth_require_tls=False)


def test_the_relay_really_sends_a_clean_file(relay, tmp_path):
    """The baseline: the same file without the damage is sent (so a refusal below is the
    damage's, not the set-up's)."""
    p = run("send", "--config", written(tmp_path, settings(relay.port)), stdin=MESSAGE)
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert len(relay.recorder.messages) == 1


@pytest.mark.parametrize("field", ["display_name", "from_address", "username", "host"])
@pytest.mark.parametrize("text", ["Accounts\nBcc: spy@evil.example", "a\r\nX-Injected: 1",
                                  "x\u2028y", "a\rb", "\x00"])
def test_header_breaking_text_in_a_setting_is_the_settings_error(relay, tmp_path, field, text):
    value = (FROM if field == "from_address" else "Accounts") + text
    p = run("send", "--config", written(tmp_path, settings(relay.port, **{field: value})),
            "--json", stdin=MESSAGE)
    assert p.returncode == ec.CONFIG_ERROR, p.stdout + p.stderr
    out = json.loads(p.stdout)
    assert out["kind"] == "config_file" and f"profile.{field}" in out["message"]
    assert "line break" in out["message"] and "internal error" not in p.stderr
    assert relay.recorder.messages == []


@pytest.mark.parametrize("value", [["office@example.org"], 587, None, True, {"a": 1}])
def test_a_from_address_of_another_type_is_the_settings_error(relay, tmp_path, value):
    p = run("send", "--config", written(tmp_path, settings(relay.port, from_address=value)),
            stdin=MESSAGE)
    assert p.returncode == ec.CONFIG_ERROR, p.stdout + p.stderr
    assert "profile.from_address" in p.stderr and "internal error" not in p.stderr
    assert relay.recorder.messages == []


@pytest.mark.parametrize("path", ["/tmp/" + "a" * 300, "/tmp/" + "a/" * 2100 + "m.json"])
@pytest.mark.parametrize("command", ["save", "check", "show", "send"])
def test_a_path_longer_than_the_system_allows_names_the_option(path, command):
    extra = ["--host", "127.0.0.1", "--username", FROM, "--password-stdin"] \
        if command == "save" else []
    p = run(command, "--config", path, *extra, "--json", stdin="secret\n")
    assert p.returncode == ec.INVALID_SETTINGS, p.stdout[:500] + p.stderr[:500]
    out = json.loads(p.stdout)
    assert out["message"].startswith("--config: this path is longer than this system allows")


@pytest.mark.parametrize("key, value", [("timeout", "oauth"),
                                        ("timeout", "https://login.example.org/token"),
                                        ("oauth", "https://x"), ("retries", [1, 2])])
def test_unknown_keys_are_ignored_as_the_schema_says(relay, tmp_path, key, value):
    doc = settings(relay.port)
    doc["profile"][key] = value
    path = written(tmp_path, doc)
    p = run("check", "--config", path)
    assert p.returncode == ec.OK, p.stdout + p.stderr
    p = run("send", "--config", path, stdin=MESSAGE)
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert len(relay.recorder.messages) == 1


@pytest.mark.parametrize("changes", [{"display_name": "A\nBcc: spy@evil.example"},
                                     {"from_address": "a@b.org\nX: 1"}])
def test_prepare_itself_refuses_a_profile_that_cannot_make_a_from_header(changes):
    """Behind the schema, prepare() holds too (a profile built by another face)."""
    profile = Profile(host="127.0.0.1", port=25, security="none", auth="none", username="",
                      from_address=FROM, display_name="Accounts").with_changes(**changes)
    with pytest.raises(MessageError):
        prepare(MESSAGE.encode(), profile)
