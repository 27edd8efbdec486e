"""The administrator's site file: where it is found, what it sets, and errors that name the
key and the expected value. No Qt, no network."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import pytest

from mailwizard.core.profile import Profile, Security, ServiceType
from mailwizard.core.resources import read_resource_bytes
from mailwizard.core.admin.site import (SiteConfig, SiteConfigError, default_site_dir,
                                  load_site_config, parse_site_config, resolve_config_path)

FULL = """
provider = "microsoft-365"
locked = ["host", "port", "security"]
hidden_services = ["oauth"]
config_path = "/srv/erp/mail-settings.json"
recipients_per_day = 800

[defaults]
from_address = "accounts@riverside.example.org"
display_name = "Riverside Society"
port = 587
cafile = "/etc/ssl/riverside-ca.pem"

[oauth.google]
client_id = "123.apps.googleusercontent.com"
client_secret = "not-so-secret"

[oauth.microsoft]
client_id = "11111111-2222-3333-4444-555555555555"
tenant = "organizations"
"""


def site_from(tmp_path: Path, text: str, name: str = "site.toml") -> SiteConfig:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_site_config(path)


def error(tmp_path: Path, text: str, name: str = "site.toml") -> str:
    with pytest.raises(SiteConfigError) as info:
        site_from(tmp_path, text, name)
    assert str(tmp_path / name) in str(info.value)  # every message names the file
    return str(info.value)


def test_no_site_file_changes_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path))
    site = load_site_config()
    assert not site.exists and site.searched == tmp_path / "mailwizard"
    assert site.apply_defaults(Profile()) == Profile()
    assert site.locked_violations({"host": "x"}) == []
    assert site.describe() == [f"no site file (looked in {tmp_path / 'mailwizard'})"]


@pytest.mark.parametrize("name", ["site.toml", "site.json"])
def test_the_platform_folder_holds_site_toml_or_json(monkeypatch, tmp_path, name):
    folder = tmp_path / "mailwizard"
    folder.mkdir()
    data = {"provider": "gmail", "defaults": {"display_name": "Riverside"}}
    if name.endswith(".json"):
        (folder / name).write_text(json.dumps(data))
    else:
        (folder / name).write_text('provider = "gmail"\n[defaults]\ndisplay_name = "Riverside"\n')
    monkeypatch.setenv("XDG_CONFIG_DIRS", f"{tmp_path}:/etc/xdg")
    site = load_site_config()
    assert site.path == folder / name and site.provider == "gmail"
    assert site.defaults == {"display_name": "Riverside"}


def test_env_and_argument_name_the_file_and_it_must_exist(monkeypatch, tmp_path):
    path = tmp_path / "corp.toml"
    path.write_text('provider = "zoho"\n')
    monkeypatch.setenv("MAILWIZARD_SITE_CONFIG", str(path))
    assert load_site_config().provider == "zoho"
    other = tmp_path / "other.toml"
    other.write_text('provider = "yahoo"\n')
    assert load_site_config(other).provider == "yahoo"  # the option beats the variable
    with pytest.raises(SiteConfigError, match="no site file at this path"):
        load_site_config(tmp_path / "missing.toml")


def test_default_site_dir_per_platform(monkeypatch):
    monkeypatch.delenv("XDG_CONFIG_DIRS", raising=False)
    if sys.platform.startswith("linux"):
        assert default_site_dir() == Path("/etc/xdg/mailwizard")
    monkeypatch.setattr(sys, "platform", "darwin")
    assert default_site_dir() == Path("/Library/Application Support/mailwizard")


def test_a_full_site_file(tmp_path):
    site = site_from(tmp_path, FULL)
    assert site.provider == "microsoft-365" and site.service is ServiceType.SMTP
    assert site.locked == ("host", "port", "security")
    assert site.hidden_services == ("oauth",) and site.is_hidden("oauth")
    assert site.config_path == Path("/srv/erp/mail-settings.json")
    assert site.recipients_per_day == 800
    assert site.oauth["google"]["client_id"] == "123.apps.googleusercontent.com"
    assert site.oauth["microsoft"]["tenant"] == "organizations"
    assert site.raw["oauth"] == site.oauth  # what the OAuth code reads itself
    # Locked keys without a value of their own take the provider preset's.
    assert site.locked_value("host") == "smtp.office365.com"
    assert site.locked_value("security") == "starttls"
    assert site.locked_value("port") == 587
    text = "\n".join(site.describe())
    assert "not-so-secret" not in text and "client_secret = ********" in text
    assert "locked: host, port, security" in text


def test_site_file_validates_against_its_published_schema(tmp_path):
    import tomllib

    schema = json.loads(read_resource_bytes("site.schema.json"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(tomllib.loads(FULL), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"locked": ["hots"]}, schema)


def test_defaults_replace_preset_server_settings_and_fill_empty_identity(tmp_path):
    site = site_from(tmp_path, """
[defaults]
host = "relay.riverside.example.org"
security = "tls"
port = 465
from_address = "accounts@riverside.example.org"
display_name = "Riverside Society"
""")
    preset = Profile(host="smtp.office365.com", port=587, security="starttls",
                     from_address="typed@riverside.example.org")
    p = site.apply_defaults(preset)
    assert (p.host, p.port, p.security) == ("relay.riverside.example.org", 465, Security.TLS)
    assert p.from_address == "typed@riverside.example.org"  # what the user typed stays
    assert p.display_name == "Riverside Society"  # an empty field is filled


def test_locked_violations_name_the_field_and_the_site_file(tmp_path):
    site = site_from(tmp_path, FULL)
    assert site.locked_violations({"host": "smtp.office365.com", "port": 587}) == []
    assert site.locked_violations({"host": "SMTP.Office365.com."}) == []  # same host
    [err] = site.locked_violations({"host": "smtp.gmail.com", "display_name": "x"})
    assert err.field == "host"
    assert "smtp.office365.com" in err.message and str(site.path) in err.message
    profile = Profile(host="smtp.office365.com", port=25, security="tls")
    assert [e.field for e in site.locked_violations(profile)] == ["port", "security"]
    fixed = site.enforce_locks(profile)
    assert (fixed.port, fixed.security) == (587, Security.STARTTLS)
    # An Exchange profile does not use the SMTP keys: nothing to violate.
    assert site.locked_violations(Profile(service="exchange", host="x", port=1)) == []
    # A suggestion from the diagnosis uses Profile field names.
    assert [e.field for e in site.locked_violations({"pinned_sha256": "ab" * 32})] == []


@pytest.mark.parametrize("text, expected", [
    ('provider = "gmial"', "provider: no preset called “gmial”; did you mean “gmail”?"),
    ('hidden_service = ["oauth"]', "hidden_service: unknown key; did you mean "
                                   "“hidden_services”?"),
    ('[defaults]\nhots = "x"', "defaults.hots: unknown key; did you mean “host”?"),
    ('[defaults]\nport = "587"', "defaults.port: expected a whole number from 1 to 65535, "
                                 "usually 587 or 465; found text “587” (write the number "
                                 "without quotes)"),
    ('[defaults]\nport = 70000', "defaults.port: expected a whole number from 1 to 65535"),
    ('[defaults]\nsecurity = "ssl"', 'defaults.security: expected "starttls" (usually port '
                                     '587), "tls"'),
    ('[defaults]\nallow_exchange_online = "yes"', "write true or false, without quotes"),
    ('locked = "host"', "locked: expected a list of names"),
    ('locked = ["hots"]', "locked: “hots” is not one of"),
    ('locked = ["host"]', "locked: “host” is locked but the file gives it no value; add "
                          "host = … under [defaults] (or set a provider)"),
    ('locked = ["username"]\nprovider = "gmail"', "“username” is locked but the file gives "
                                                  "it no value"),
    ('hidden_services = ["smtp", "exchange", "oauth"]', "every kind of service is hidden"),
    ('hidden_services = ["emial"]', "hidden_services: “emial” is not one of smtp, exchange, "
                                    "oauth"),
    ('provider = "gmail"\nhidden_services = ["smtp"]', "the pre-selected service “smtp” is "
                                                       "hidden"),
    ('provider = "gmail"\n[defaults]\nservice = "exchange"', "“gmail” is a smtp preset"),
    ('config_path = "mail.json"', "config_path: expected a full path"),
    ('recipients_per_day = -5', "recipients_per_day: expected a whole number of people"),
    ('[oauth.google]\nclient_id = 123', "oauth.google.client_id: expected text; found a "
                                        "whole number"),
    ('defaults = 3', "defaults: expected a table"),
    ('provider = "gmail', "not valid TOML"),
])
def test_bad_site_files_name_the_key_and_the_expected_value(tmp_path, text, expected):
    assert expected in error(tmp_path, text)


def test_bad_json_site_file(tmp_path):
    assert "not valid JSON" in error(tmp_path, '{"provider": ', "site.json")
    assert "must be a table of keys" in error(tmp_path, '["gmail"]', "site.json")


def test_config_path_expands_home_and_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("ERP_DIR", str(tmp_path / "erp"))
    site = parse_site_config({"config_path": "$ERP_DIR/mail.json"})
    assert site.config_path == tmp_path / "erp" / "mail.json"


def test_where_the_config_file_is(tmp_path, monkeypatch):
    site = SiteConfig(config_path=tmp_path / "site-chosen.json")
    monkeypatch.delenv("MAILWIZARD_CONFIG", raising=False)
    assert resolve_config_path(None, site) == tmp_path / "site-chosen.json"
    assert resolve_config_path(tmp_path / "explicit.json", site) == tmp_path / "explicit.json"
    monkeypatch.setenv("MAILWIZARD_CONFIG", str(tmp_path / "env.json"))
    assert resolve_config_path(None, site) == tmp_path / "env.json"
    monkeypatch.delenv("MAILWIZARD_CONFIG")
    assert resolve_config_path(None, SiteConfig()).name == "mail-settings.json"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG folders are Linux's")
@pytest.mark.parametrize("env", [
    {}, {"XDG_CONFIG_DIRS": "/opt/site:/etc/xdg"}, {"XDG_CONFIG_DIRS": "relative:/srv/conf"},
    {"XDG_CONFIG_DIRS": ""}, {"XDG_CONFIG_DIRS": "relative"}, {"XDG_CONFIG_HOME": "/srv/u"},
    {"XDG_CONFIG_HOME": "relative/conf"}, {"HOME": "/home/office"}, {"HOME": "relative"},
    {"HOME": "/"}, {"HOME": "/home/office/", "XDG_CONFIG_HOME": ""}])
def test_linux_config_folders_are_platformdirs_own_without_importing_it(monkeypatch, env):
    import platformdirs

    from mailwizard.core.store.config import default_config_path
    from mailwizard.core.admin.site import default_site_dir

    monkeypatch.delenv("MAILWIZARD_CONFIG", raising=False)
    for name in ("XDG_CONFIG_DIRS", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert default_site_dir() == Path(platformdirs.site_config_dir("mailwizard",
                                                                   appauthor=False))
    assert default_config_path().parent == Path(platformdirs.user_config_dir(
        "mailwizard", appauthor=False, roaming=True))
