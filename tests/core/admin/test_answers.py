"""Answer files and the profile they make on top of presets and the site file: every bad file
names the key and what is expected. No Qt, no network."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from mailwizard.core.admin.answers import (ANSWER_KEYS, RUN_KEYS, AnswersError, compose_profile,
                                     load_answers, parse_answers, password_from_env)
from mailwizard.core.admin.filekeys import PROFILE_KEYS
from mailwizard.core.profile import EwsAuth, ProfileError, Security, ServiceType
from mailwizard.core.resources import read_resource_bytes
from mailwizard.core.admin.site import SITE_KEYS, parse_site_config


def answers_from(tmp_path: Path, text: str, name: str = "answers.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_answers(path)


def test_a_toml_and_a_json_answer_file_say_the_same(tmp_path):
    toml = answers_from(tmp_path, """
provider = "gmail"
from_address = "riverside.society@gmail.com"
display_name = "Riverside Society"
send_test_to = "it@riverside.example.org"
profile_name = "erp"
config_path = "/srv/erp/mail.json"
password_env = "MAILWIZARD_PASSWORD"
timeout = 10
""")
    data = {"provider": "gmail", "from_address": "riverside.society@gmail.com",
            "display_name": "Riverside Society", "send_test_to": "it@riverside.example.org",
            "profile_name": "erp", "config_path": "/srv/erp/mail.json",
            "password_env": "MAILWIZARD_PASSWORD", "timeout": 10}
    js = answers_from(tmp_path, json.dumps(data), "answers.json")
    for a in (toml, js):
        assert a.values == {"provider": "gmail", "from_address": "riverside.society@gmail.com",
                            "display_name": "Riverside Society", "timeout": 10.0}
        assert (a.send_test_to, a.profile_name, a.password_env) == (
            "it@riverside.example.org", "erp", "MAILWIZARD_PASSWORD")
        assert a.config_path == Path("/srv/erp/mail.json")
    profile, provider = compose_profile(toml.values)
    assert provider.id == "gmail" and profile.host == "smtp.gmail.com"
    assert profile.username == "riverside.society@gmail.com" and profile.timeout == 10.0


@pytest.mark.parametrize("text, expected", [
    ('hots = "smtp.example.org"', "hots: unknown key; did you mean “host”?"),
    ('from = "a@example.org"', "from: unknown key; did you mean “from_address”?"),
    ('port = "587"', "port: expected a whole number from 1 to 65535, usually 587 or 465; "
                     "found text “587” (write the number without quotes)"),
    ('port = 5.5', "port: expected a whole number"),
    ('timeout = true', "timeout: expected seconds the whole check may take, from 1 to 300; found "
                       "true or false"),
    ('security = "SSL"', 'security: expected "starttls" (usually port 587), "tls"'),
    ('host = ["a", "b"]', "host: expected the SMTP server name"),
    ('profile_name = "my profile"', "profile_name: expected a name of letters, digits"),
    ('password_env = "hunter2!"', "password_env: expected the NAME of an environment "
                                  "variable"),
    ('config_path = "mail.json"', "config_path: expected the full path"),
    ('service = "oauth"', 'service: expected the kind of service: "smtp" or "exchange"'),
])
def test_bad_answer_files_name_the_key_and_the_expected_value(tmp_path, text, expected):
    with pytest.raises(AnswersError) as info:
        answers_from(tmp_path, text)
    assert expected in str(info.value)
    assert str(tmp_path / "answers.toml") in str(info.value)


@pytest.mark.parametrize("key", ["password", "Password", "app_password", "secret", "token"])
def test_a_password_in_the_answer_file_is_refused_and_never_repeated(tmp_path, key):
    with pytest.raises(AnswersError) as info:
        answers_from(tmp_path, f'{key} = "canary-7f3a"\n')
    message = str(info.value)
    assert f"{key}: refused" in message and "password_env" in message
    assert "canary-7f3a" not in message


def test_an_unknown_key_is_never_repeated_with_its_value(tmp_path):
    with pytest.raises(AnswersError) as info:
        answers_from(tmp_path, 'pasword = "canary-7f3a"\n')
    assert "canary-7f3a" not in str(info.value) and "pasword: unknown key" in str(info.value)


def test_password_from_the_named_environment_variable():
    a = parse_answers({"password_env": "MW_PW"})
    assert password_from_env(a, {"MW_PW": "s3cret"}) == "s3cret"
    with pytest.raises(AnswersError, match="MW_PW is not set or is empty"):
        password_from_env(a, {})
    with pytest.raises(AnswersError, match="MW_PW is not set or is empty"):
        password_from_env(a, {"MW_PW": ""})
    with pytest.raises(AnswersError, match="--password-stdin"):
        password_from_env(parse_answers({}), {"MW_PW": "x"})


def test_site_defaults_first_then_answers_over_unlocked_keys():
    site = parse_site_config({"provider": "microsoft-365", "locked": ["host", "port"],
                              "defaults": {"display_name": "Riverside Society",
                                           "security": "starttls"}}, Path("/etc/site.toml"))
    profile, provider = compose_profile({"from_address": "accounts@riverside.example.org",
                                         "display_name": "Accounts"}, site)
    assert provider.id == "microsoft-365"
    assert (profile.host, profile.port, profile.security) == ("smtp.office365.com", 587,
                                                              Security.STARTTLS)
    assert profile.username == "accounts@riverside.example.org"
    assert profile.display_name == "Accounts"  # answers beat an unlocked default
    # The same value as the lock is fine; another is refused, naming the field and the file.
    compose_profile({"host": "smtp.office365.com", "from_address": "a@example.org"}, site)
    with pytest.raises(ProfileError) as info:
        compose_profile({"port": 25, "from_address": "a@example.org"}, site)
    [err] = info.value.errors
    assert err.field == "port" and "/etc/site.toml" in err.message and "587" in err.message
    # Another provider would change the locked host: refused too.
    with pytest.raises(ProfileError) as info:
        compose_profile({"provider": "gmail", "from_address": "a@gmail.com"}, site)
    assert [e.field for e in info.value.errors] == ["host"]


def test_exchange_from_keys_and_site_defaults():
    site = parse_site_config({"defaults": {"service": "exchange", "domain": "RIVERSIDE",
                                           "ews_auth": "basic"}})
    profile, _ = compose_profile({"username": "jsmith", "from_address": "j@riverside.org"},
                                 site)
    assert profile.service is ServiceType.EXCHANGE and profile.ews_auth is EwsAuth.BASIC
    assert profile.ews_url == "https://mail.riverside.org/EWS/Exchange.asmx"
    assert profile.username == "RIVERSIDE\\jsmith"
    with pytest.raises(ProfileError) as info:
        compose_profile({"service": "exchange", "host": "x", "port": 1, "auth": "password"})
    assert [e.field for e in info.value.errors] == ["host", "port", "auth"]
    with pytest.raises(ProfileError) as info:
        compose_profile({"ews_url": "https://x/EWS/Exchange.asmx", "domain": "X"})
    assert [e.field for e in info.value.errors] == ["ews_url", "domain"]
    assert "service exchange" in info.value.errors[0].message


def test_a_preset_of_the_wrong_service_or_region():
    with pytest.raises(ProfileError, match="“gmail” is a preset for smtp, not exchange"):
        compose_profile({"service": "exchange", "provider": "gmail"})
    with pytest.raises(ProfileError, match="no preset called “gmial”"):
        compose_profile({"provider": "gmial"})
    with pytest.raises(ProfileError, match="region: .* has no region “mars-1”"):
        compose_profile({"provider": "amazon-ses", "region": "mars-1"})
    profile, _ = compose_profile({"provider": "amazon-ses", "region": "eu-west-1"})
    assert profile.host == "email-smtp.eu-west-1.amazonaws.com"


def test_published_schemas_match_the_code():
    site = json.loads(read_resource_bytes("site.schema.json"))
    answers = json.loads(read_resource_bytes("answers.schema.json"))
    for schema in (site, answers):
        jsonschema.Draft202012Validator.check_schema(schema)
    assert set(site["properties"]) == set(SITE_KEYS)
    assert set(site["properties"]["defaults"]["properties"]) == set(PROFILE_KEYS) - {"provider"}
    assert site["properties"]["locked"]["items"]["enum"] == list(PROFILE_KEYS)
    assert set(answers["properties"]) == set(ANSWER_KEYS)
    for key, spec in {**PROFILE_KEYS, **RUN_KEYS}.items():
        if spec.choices:
            assert answers["properties"][key]["enum"] == list(spec.choices), key
    good = {"host": "smtp.example.org", "port": 587, "password_env": "MW_PW"}
    jsonschema.validate(good, answers)
    for bad in ({"password": "x"}, {"port": "587"}, {"hots": "x"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, answers)
