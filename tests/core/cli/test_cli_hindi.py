"""The command line in Hindi (and in every language with a catalogue whose script is known:
Marathi and Tamil once their catalogues exist; conftest.SCRIPT_LANGUAGES), as a real process against a real loopback SMTP server: the
language from --lang, MAILWIZARD_LANG or the site file; the human words in Hindi; --json with
the same keys, codes and stages as in English (and still valid against the published schema);
the en-XA pseudo-language marking every human line. The words expected in each language are
read from its catalogue; Hindi's exact wording is checked as well.

The diagnosis's own sentences (cause, fix) are translated with mailwizard/core/diagnosis; the
tests that read them run once the catalogue holds that Hindi (see _diagnosis_in_hindi)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from support.cli import mailwizard
from conftest import PASSWORD, SCRIPT_LANGUAGES, SCRIPT_LETTER, USER

from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import SCRIPTS

ROOT = Path(__file__).parents[3]
SCHEMA = json.loads((ROOT / "resources" / "cli-output.schema.json").read_text())


@pytest.fixture(params=SCRIPT_LANGUAGES)
def lang(request) -> str:
    return request.param


def letter(lang: str) -> re.Pattern:
    """A letter of `lang`'s script."""
    return SCRIPT_LETTER[SCRIPTS[lang]]


def tr(lang: str, message: str) -> str:
    """`message` as `lang`'s compiled catalogue has it (conftest compiles the .po files)."""
    import gettext

    mo = ROOT / "resources" / "locale" / lang / "LC_MESSAGES" / "mailwizard.mo"
    with open(mo, "rb") as fp:
        return gettext.GNUTranslations(fp).gettext(message)


def label(lang: str, message: str) -> str:
    """The label before a sentence's placeholder: "Cause:  {cause}" -> "कारण:"."""
    return tr(lang, message).split("{", 1)[0].strip()


def run(args, *, stdin="", env=None, drop=(), timeout=60):
    """`mailwizard ARGS` with the tests' environment (MAILWIZARD_LANG=en, see conftest) changed
    by `env` and without the variables in `drop`; the system's language is never the one
    chosen (LC_ALL=C.UTF-8 unless `env` names one)."""
    return mailwizard(args, stdin=stdin, env={"LC_ALL": "C.UTF-8", **(env or {})}, drop=drop,
                      timeout=timeout)


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


def test_human_output_of_a_failed_check(wrong_password, lang):
    attempt, english = wrong_password
    p = attempt("--lang", lang)
    assert p.returncode == ec.AUTH, p.stderr
    # the labels of the failure report are this part's own words
    # the step in words, its code for IT beside it
    failed_at = tr(lang, "Failed at: {stage}   [{code}]").split("{stage}")[0]
    assert failed_at + tr(lang, "Sign in") + " (auth)" in p.stdout
    assert tr(lang, "ok") in p.stdout and tr(lang, "FAILED") in p.stdout  # the stage marks
    assert label_line(p.stdout, label(lang, "Cause:  {cause}"))
    assert label_line(p.stdout, label(lang, "Fix:    {fix}"))
    for english_label in ("Failed at:", "Cause:", "Fix:", "Try:", "Server said:"):
        assert english_label not in p.stdout
    # machine words stay: the stage names and the diagnosis code
    assert f"[{english['diagnosis']['code']}]" in p.stdout
    assert re.search(r"^  " + re.escape(tr(lang, "FAILED")) + r" +auth +[\d.]+ ms", p.stdout,
                     re.M), p.stdout
    if lang == "hi":  # Hindi's own wording
        assert "कहाँ रुकी: साइन इन करना (auth)" in p.stdout
        assert "ठीक है" in p.stdout and "विफल" in p.stdout
        assert label_line(p.stdout, "कारण:") and label_line(p.stdout, "क्या करें:")


def test_cause_and_fix_of_a_failed_check(wrong_password, lang):
    attempt, english = wrong_password
    p = attempt("--lang", lang)
    cause_label, fix_label = label(lang, "Cause:  {cause}"), label(lang, "Fix:    {fix}")
    cause = label_line(p.stdout, cause_label)
    fix = label_line(p.stdout, fix_label)
    assert letter(lang).search(cause[len(cause_label):]), cause
    assert letter(lang).search(fix[len(fix_label):]), fix
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
def test_json_has_the_english_keys_and_codes_and_translated_sentences(wrong_password,
                                                                      tmp_path, how, lang):
    attempt, english = wrong_password
    if how == "option":
        p = attempt("--json", "--lang", lang)
    elif how == "environment":
        p = attempt("--json", env={"MAILWIZARD_LANG": lang})
    else:
        site = tmp_path / "site.toml"
        site.write_text(f'language = "{lang}"\n', encoding="utf-8")
        p = attempt("--json", "--site-config", str(site), drop=("MAILWIZARD_LANG",))
    assert p.returncode == ec.AUTH, p.stderr
    hindi = one_json(p)
    _same_machine_words(hindi, english)
    d = hindi["diagnosis"]
    assert letter(lang).search(d["cause"]) and letter(lang).search(d["fix"])
    assert d["cause"] != english["diagnosis"]["cause"]
    assert english["diagnosis"]["cause"] not in p.stdout


def test_site_file_language_also_in_the_human_output(wrong_password, tmp_path, lang):
    attempt, _english = wrong_password
    site = tmp_path / "site.toml"
    site.write_text(f'language = "{lang}"\n', encoding="utf-8")
    p = attempt("--site-config", str(site), drop=("MAILWIZARD_LANG",))
    assert label_line(p.stdout, label(lang, "Cause:  {cause}"))
    p = attempt("--site-config", str(site), env={"MAILWIZARD_LANG": "en"})
    assert "Cause:" in p.stdout and not letter(lang).search(p.stdout)  # the variable wins


def test_lang_option_overrides_the_environment(wrong_password, lang):
    attempt, english = wrong_password
    p = attempt("--lang", "en", env={"MAILWIZARD_LANG": lang})
    assert p.returncode == ec.AUTH
    assert not letter(lang).search(p.stdout + p.stderr), p.stdout
    assert f"Cause:  {english['diagnosis']['cause']}" in p.stdout
    p = attempt("--json", "--lang", "en", env={"MAILWIZARD_LANG": lang})
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

def test_success_line_and_json(smtp_server, ca_file, lang):
    srv = smtp_server("starttls")
    args = ["validate", *server_args(srv, ca_file), "--password-stdin"]
    p = run([*args, "--lang", lang], stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stderr
    success = tr(lang, "Success: {proven}.").split("{proven}")[0]
    assert success + tr(lang, "secure connection ✔") in p.stdout
    if lang == "hi":
        assert "सफल: सुरक्षित कनेक्शन ✔, साइन इन ✔" in p.stdout
    english = one_json(run([*args, "--json", "--lang", "en"], stdin=PASSWORD + "\n"))
    translated = one_json(run([*args, "--json", "--lang", lang], stdin=PASSWORD + "\n"))
    assert keys(translated) == keys(english)
    assert [s["stage"] for s in translated["stages"]] == [s["stage"] for s in english["stages"]]
    assert translated["message"].startswith(success.rstrip())
    assert english["message"].startswith("Success:")
    assert len(translated["proven"]) == len(english["proven"])
    assert all(letter(lang).search(item) for item in translated["proven"])


def test_refusals_and_help(smtp_server, ca_file, lang):
    srv = smtp_server("starttls")
    # no password: the refusal is in the language, the option names are not
    p = run(["--lang", lang, "validate", *server_args(srv, ca_file)], stdin="")
    assert p.returncode == ec.INVALID_SETTINGS
    refusal = tr(lang, "password: give it on standard input with --password-stdin (it is never "
                       "accepted on the command line)")
    assert "mailwizard: " + refusal in p.stderr
    if lang == "hi":
        assert "mailwizard: password: इसे --password-stdin के साथ standard input पर दें" \
            in p.stderr
    out = one_json(run(["--lang", lang, "validate", *server_args(srv, ca_file), "--json"]))
    assert out["kind"] == "settings" and out["error"]["kind"] == "settings"
    assert letter(lang).search(out["message"]) and "--password-stdin" in out["message"]
    # a usage mistake: argparse's words stay, the suggestion is in the language
    p = run(["--lang", lang, "validate", "--securty", "tls"])
    assert p.returncode == ec.USAGE
    assert tr(lang, "(did you mean {option}?)").format(option="--security") in p.stderr
    assert tr(lang, "usage: ") in p.stderr
    if lang == "hi":  # Hindi's own wording
        assert "(क्या आपका मतलब --security था?)" in p.stderr and "उपयोग: " in p.stderr
    # the help: its sentences in the language, its option names as they are
    p = run(["--lang", lang, "validate", "--help"])
    assert p.returncode == ec.OK
    assert tr(lang, "server settings") + ":" in p.stdout and "--password-stdin" in p.stdout
    assert tr(lang, "show this help message and exit") in p.stdout
    if lang == "hi":
        assert "सर्वर सेटिंग्स:" in p.stdout and "यह मदद दिखाएँ और बाहर निकलें" in p.stdout
    assert srv.recorder.commands_auth == []


def test_site_file_error_names_the_key(tmp_path, lang):
    site = tmp_path / "site.toml"
    site.write_text('recipients_per_day = "many"\n', encoding="utf-8")
    p = run(["--lang", lang, "show", "--site-config", str(site), "--config",
             str(tmp_path / "none.json")])
    assert p.returncode == ec.INVALID_SETTINGS
    assert label(lang, "site file {problem}") in p.stderr and "recipients_per_day:" in p.stderr
    assert letter(lang).search(p.stderr) and "“many”" in p.stderr
    if lang == "hi":
        assert "साइट फ़ाइल" in p.stderr and "उद्धरण चिह्नों के बिना" in p.stderr
