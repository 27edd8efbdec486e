"""The command line in Hindi, as a real process against a real loopback SMTP server: the
language from --lang, MAILWIZARD_LANG or the site file; the human words in Hindi; --json with
the same keys, codes and stages as in English (and still valid against the published schema);
the en-XA pseudo-language marking every human line.

The diagnosis's own sentences (cause, fix) are translated with mailwizard/core/diagnosis; the
tests that read them run once the catalogue holds that Hindi (see _diagnosis_in_hindi)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import PASSWORD, USER

from mailwizard.core import exitcodes as ec

ROOT = Path(__file__).parents[3]
SCHEMA = json.loads((ROOT / "resources" / "cli-output.schema.json").read_text())
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def run(args, *, stdin="", env=None, drop=(), timeout=60):
    """`mailwizard ARGS` with the tests' environment (MAILWIZARD_LANG=en, see conftest) changed
    by `env` and without the variables in `drop`."""
    full_env = {k: v for k, v in {**os.environ, **(env or {})}.items() if k not in drop}
    full_env.setdefault("LC_ALL", "C.UTF-8")  # the system's language is never the one chosen
    return subprocess.run([sys.executable, "-m", "mailwizard", *args], input=stdin,
                          capture_output=True, text=True, env=full_env, timeout=timeout)


def server_args(srv, ca_file):
    return ["--host", srv.host, "--port", str(srv.port), "--security", "starttls",
            "--username", USER, "--from", USER, "--cafile", ca_file, "--timeout", "5"]


def one_json(p) -> dict:
    out = json.loads(p.stdout)
    jsonschema.validate(out, SCHEMA)
    assert out["exit_code"] == p.returncode, (p.stdout, p.stderr)
    return out


def keys(value, path="") -> set[str]:
    """Every key path of a JSON value ("diagnosis.cause", "stages[].stage" …)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            found.add(path + k)
            found |= keys(v, path + k + ".")
    elif isinstance(value, list):
        for item in value:
            found |= keys(item, path[:-1] + "[].")
    return found


def label_line(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(label))


# -- a failed check: wrong password -------------------------------------------------------

@pytest.fixture
def wrong_password(smtp_server, ca_file):
    """(run a wrong-password validate with extra arguments and environment, the English
    --json result to compare with)."""
    srv = smtp_server("starttls")
    args = ["validate", *server_args(srv, ca_file), "--password-stdin"]

    def attempt(*extra, env=None, drop=()):
        return run([*args, *extra], stdin="wrong\n", env=env, drop=drop)

    english = attempt("--json", "--lang", "en")
    assert english.returncode == ec.AUTH, (english.stdout, english.stderr)
    return attempt, one_json(english)


def test_hindi_human_output_of_a_failed_check(wrong_password):
    attempt, english = wrong_password
    p = attempt("--lang", "hi")
    assert p.returncode == ec.AUTH, p.stderr
    # the labels of the failure report are this part's own words
    # the step in words, its code for IT beside it
    assert "कहाँ रुकी: साइन इन करना (auth)" in p.stdout
    assert "ठीक है" in p.stdout and "विफल" in p.stdout  # the stage marks
    assert label_line(p.stdout, "कारण:") and label_line(p.stdout, "क्या करें:")
    for english_label in ("Failed at:", "Cause:", "Fix:", "Try:", "Server said:"):
        assert english_label not in p.stdout
    # machine words stay: the stage names and the diagnosis code
    assert f"[{english['diagnosis']['code']}]" in p.stdout
    assert re.search(r"^  विफल +auth +[\d.]+ ms", p.stdout, re.M), p.stdout


def test_hindi_cause_and_fix_of_a_failed_check(wrong_password):
    attempt, english = wrong_password
    p = attempt("--lang", "hi")
    cause = label_line(p.stdout, "कारण:")
    fix = label_line(p.stdout, "क्या करें:")
    assert DEVANAGARI.search(cause.partition(":")[2]), cause
    assert DEVANAGARI.search(fix.partition(":")[2]), fix
    assert english["diagnosis"]["cause"] not in p.stdout
    assert english["diagnosis"]["fix"] not in p.stdout


def _same_machine_words(hindi: dict, english: dict) -> None:
    assert keys(hindi) == keys(english)
    for key in ("ok", "exit_code", "kind", "command"):
        assert hindi[key] == english[key], key
    assert [s["stage"] for s in hindi["stages"]] == [s["stage"] for s in english["stages"]]
    assert [s["status"] for s in hindi["stages"]] == [s["status"] for s in english["stages"]]
    for key in ("code", "stage", "help_url", "suggestion"):
        assert hindi["diagnosis"].get(key) == english["diagnosis"].get(key), key
    assert hindi["report"]["failure"]["code"] == english["report"]["failure"]["code"]


@pytest.mark.parametrize("how", ["option", "environment", "site file"])
def test_hindi_json_has_the_english_keys_and_codes_and_hindi_sentences(wrong_password, tmp_path,
                                                                      how):
    attempt, english = wrong_password
    if how == "option":
        p = attempt("--json", "--lang", "hi")
    elif how == "environment":
        p = attempt("--json", env={"MAILWIZARD_LANG": "hi"})
    else:
        site = tmp_path / "site.toml"
        site.write_text('language = "hi"\n', encoding="utf-8")
        p = attempt("--json", "--site-config", str(site), drop=("MAILWIZARD_LANG",))
    assert p.returncode == ec.AUTH, p.stderr
    hindi = one_json(p)
    _same_machine_words(hindi, english)
    d = hindi["diagnosis"]
    assert DEVANAGARI.search(d["cause"]) and DEVANAGARI.search(d["fix"])
    assert d["cause"] != english["diagnosis"]["cause"]
    assert english["diagnosis"]["cause"] not in p.stdout


def test_site_file_language_also_in_the_human_output(wrong_password, tmp_path):
    attempt, _english = wrong_password
    site = tmp_path / "site.toml"
    site.write_text('language = "hi"\n', encoding="utf-8")
    p = attempt("--site-config", str(site), drop=("MAILWIZARD_LANG",))
    assert label_line(p.stdout, "कारण:")
    p = attempt("--site-config", str(site), env={"MAILWIZARD_LANG": "en"})
    assert "Cause:" in p.stdout and not DEVANAGARI.search(p.stdout)  # the variable wins


def test_lang_option_overrides_the_environment(wrong_password):
    attempt, english = wrong_password
    p = attempt("--lang", "en", env={"MAILWIZARD_LANG": "hi"})
    assert p.returncode == ec.AUTH
    assert not DEVANAGARI.search(p.stdout + p.stderr), p.stdout
    assert f"Cause:  {english['diagnosis']['cause']}" in p.stdout
    p = attempt("--json", "--lang", "en", env={"MAILWIZARD_LANG": "hi"})
    assert one_json(p)["diagnosis"] == english["diagnosis"]


def test_pseudo_language_marks_every_human_line(wrong_password):
    attempt, english = wrong_password
    p = attempt("--lang", "en-XA")
    assert p.returncode == ec.AUTH
    lines = [line for line in p.stdout.splitlines() if line.strip()]
    stage_rows = [line for line in lines if re.search(r" \w+ +[\d.]+ ms", line)]
    human = [line for line in lines if line not in stage_rows]
    assert stage_rows and len(human) >= 3  # failed at, cause, fix (and more)
    for row in stage_rows:  # the mark (ok, FAILED) is a word; the stage name is a code
        assert row.lstrip().startswith("⟦"), row
    for line in human:
        assert "⟦" in line and "⟧" in line, line


# -- what this part says itself, in Hindi --------------------------------------------------

def test_hindi_success_line_and_json(smtp_server, ca_file):
    srv = smtp_server("starttls")
    args = ["validate", *server_args(srv, ca_file), "--password-stdin"]
    p = run([*args, "--lang", "hi"], stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stderr
    assert "सफल: सुरक्षित कनेक्शन ✔, साइन इन ✔" in p.stdout
    english = one_json(run([*args, "--json", "--lang", "en"], stdin=PASSWORD + "\n"))
    hindi = one_json(run([*args, "--json", "--lang", "hi"], stdin=PASSWORD + "\n"))
    assert keys(hindi) == keys(english)
    assert [s["stage"] for s in hindi["stages"]] == [s["stage"] for s in english["stages"]]
    assert hindi["message"].startswith("सफल:") and english["message"].startswith("Success:")
    assert len(hindi["proven"]) == len(english["proven"])
    assert all(DEVANAGARI.search(item) for item in hindi["proven"])


def test_hindi_refusals_and_help(smtp_server, ca_file):
    srv = smtp_server("starttls")
    # no password: the refusal is in Hindi, the option names are not
    p = run(["--lang", "hi", "validate", *server_args(srv, ca_file)], stdin="")
    assert p.returncode == ec.INVALID_SETTINGS
    assert "mailwizard: password: इसे --password-stdin के साथ standard input पर दें" in p.stderr
    out = one_json(run(["--lang", "hi", "validate", *server_args(srv, ca_file), "--json"]))
    assert out["kind"] == "settings" and out["error"]["kind"] == "settings"
    assert DEVANAGARI.search(out["message"]) and "--password-stdin" in out["message"]
    # a usage mistake: argparse's words stay, the suggestion is in Hindi
    p = run(["--lang", "hi", "validate", "--securty", "tls"])
    assert p.returncode == ec.USAGE
    assert "(क्या आपका मतलब --security था?)" in p.stderr and "उपयोग: " in p.stderr
    # the help: its sentences in Hindi, its option names as they are
    p = run(["--lang", "hi", "validate", "--help"])
    assert p.returncode == ec.OK
    assert "सर्वर सेटिंग्स:" in p.stdout and "--password-stdin" in p.stdout
    assert "यह मदद दिखाएँ और बाहर निकलें" in p.stdout
    assert srv.recorder.commands_auth == []


def test_hindi_site_file_error_names_the_key(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('recipients_per_day = "many"\n', encoding="utf-8")
    p = run(["--lang", "hi", "show", "--site-config", str(site), "--config",
             str(tmp_path / "none.json")])
    assert p.returncode == ec.INVALID_SETTINGS
    assert "साइट फ़ाइल" in p.stderr and "recipients_per_day:" in p.stderr
    assert "उद्धरण चिह्नों के बिना" in p.stderr and "“many”" in p.stderr
