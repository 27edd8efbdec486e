"""`mailwizard discover`, `validate --discover` and `discover = true` in answer files, as real
processes against a loopback world (dnsmasq, HTTPS on 443, aiosmtpd on 465/587)."""

from __future__ import annotations

import json

import pytest
from discovery_world import body
from support.cli import mailwizard as run

from mailwizard.core import exitcodes as ec

pytestmark = pytest.mark.needs_root("ports 443/465/587")

PASSWORD = "correct horse battery staple"


def config(host, port, socket_type):
    return f"""<clientConfig version="1.1"><emailProvider id="x"><displayName>Riverside
    </displayName><outgoingServer type="smtp"><hostname>{host}</hostname><port>{port}</port>
    <socketType>{socket_type}</socketType><username>%EMAILADDRESS%</username>
    </outgoingServer></emailProvider></clientConfig>""".encode()


def test_discover_prints_ranked_candidates_as_json(world, ca_file):
    d = "riverside-society.example"
    world.mail(f"mail.{d}", 465)
    p = run(["discover", f"accounts@{d}", "--json", "--no-online", "--timeout", "3",
             "--dns-server", world.start(), "--cafile", ca_file])
    assert p.returncode == ec.OK, p.stderr
    out = json.loads(p.stdout)
    best = out["candidates"][0]
    assert (best["host"], best["port"], best["security"], best["source"]) == (
        f"mail.{d}", 465, "tls", "probe")
    assert out["online"] is False and out["steps"]
    assert world.auth_commands == 0


def test_nothing_found_is_exit_code_29(world, ca_file):
    p = run(["discover", "a@empty.example", "--no-online", "--timeout", "2",
             "--dns-server", world.start(), "--cafile", ca_file])
    assert p.returncode == ec.NOTHING_FOUND == 29
    assert "No settings could be found for empty.example" in p.stdout


def test_validate_discover_reaches_a_passed_test_without_a_server_name(world, ca_file):
    d = "crystalheights.example"
    user = f"billing@{d}"
    world.web([f"autoconfig.{d}", d], {
        f"autoconfig.{d}/mail/config-v1.1.xml": body(config(f"smtp.{d}", 587, "STARTTLS"))})
    box = world.mail(f"smtp.{d}", 587, users={user: PASSWORD})
    p = run(["validate", "--discover", "--from", user, "--cafile", ca_file,
             "--dns-server", world.start(), "--password-stdin", "--json"],
            stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stdout + p.stderr
    out = json.loads(p.stdout)
    assert out["ok"] is True
    assert out["report"]["profile"]["host"] == f"smtp.{d}"
    # one AUTH: the check's own sign-in; the probes sent none
    assert box.recorder.commands_auth == ["PLAIN"] or len(box.recorder.commands_auth) == 1
    assert box.recorder.logins == [user]
    world.checked_logins = 1  # the check's own sign-in (the world's teardown counts)


def test_an_outside_host_needs_an_explicit_yes(world, ca_file):
    d = "outside.example"
    world.web([f"autoconfig.{d}", d], {
        f"autoconfig.{d}/mail/config-v1.1.xml": body(config("smtp.elsewhere.example", 587,
                                                            "STARTTLS"))})
    spec = world.start()
    args = ["validate", "--discover", "--from", f"a@{d}", "--cafile", ca_file,
            "--dns-server", spec, "--password-stdin"]
    p = run(args, stdin=PASSWORD + "\n")
    assert p.returncode == ec.INVALID_SETTINGS
    assert "--allow-outside-host smtp.elsewhere.example" in p.stderr
    p = run([*args, "--allow-outside-host", "smtp.elsewhere.example"], stdin=PASSWORD + "\n")
    assert p.returncode != ec.INVALID_SETTINGS  # it goes on to the check (no server there)
    assert "smtp.elsewhere.example" in p.stdout + p.stderr


def test_an_answer_file_with_discover_true(world, ca_file, tmp_path):
    d = "answers.example"
    user = f"office@{d}"
    box = world.mail(f"mail.{d}", 465, users={user: PASSWORD})
    answers = tmp_path / "answers.toml"
    answers.write_text(f'from_address = "{user}"\ndiscover = true\ncafile = "{ca_file}"\n'
                       'password_env = "MW_PW"\n')
    p = run(["apply", "--answers", str(answers), "--check-only"],
            env={"MW_PW": PASSWORD, "MAILWIZARD_DNS_SERVER": world.start()})
    assert p.returncode == ec.OK, p.stdout + p.stderr
    assert box.recorder.logins == [user]
    world.checked_logins = 1  # the check's own sign-in (the world's teardown counts)


def test_the_site_file_turns_online_lookups_off_or_names_the_ispdb(world, ca_file, tmp_path):
    d = "sitefile.example"
    web = world.web(["ispdb.test", f"autoconfig.{d}"], {
        f"ispdb.test/v1.1/{d}": body(config(f"smtp.{d}", 465, "SSL"))})
    spec = world.start()
    site = tmp_path / "site.toml"
    site.write_text('[discovery]\nonline = false\n')
    args = ["discover", f"a@{d}", "--json", "--timeout", "2", "--dns-server", spec,
            "--cafile", ca_file]
    p = run([*args, "--site-config", str(site)])
    assert p.returncode == ec.NOTHING_FOUND and web.requests == []
    site.write_text('[discovery]\nispdb_url = "https://ispdb.test/v1.1/"\n')
    p = run([*args, "--site-config", str(site)])
    assert p.returncode == ec.OK, p.stderr
    assert json.loads(p.stdout)["candidates"][0]["source"] == "ispdb"
    assert f"ispdb.test /v1.1/{d}" in web.requests


@pytest.mark.parametrize("table, message", [
    ("online = \"no\"", "discovery.online: expected true or false"),
    ("ispdb_url = \"http://x/\"", "discovery.ispdb_url: expected an https:// address"),
    ("onlin = false", "did you mean “online”"),
])
def test_a_bad_discovery_table_is_named(tmp_path, table, message):
    from mailwizard.core.admin.site import SiteConfigError, load_site_config

    site = tmp_path / "site.toml"
    site.write_text(f"[discovery]\n{table}\n")
    with pytest.raises(SiteConfigError, match=message):
        load_site_config(site)
