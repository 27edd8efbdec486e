"""A seeded fuzzer for everything a person, a file or an ERP hands to mailwizard: command-line
options and the password line, messages for `send`, and settings, last-check, answer and site
files. A case fails on a traceback, an exit code 1, a hang (a case over HANG_SECONDS) or, for
messages, an injected header: a header on the wire that the ERP did not write.

Run by the test suite with a few hundred cases (tests/core/test_fuzz.py), or alone:
    .venv/bin/python tests/fuzz_inputs.py --cases 10000 --seed 20261125
Network: every command it runs dials 127.0.0.1 only (a closed port, or a loopback server).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from support.cli import main_in_process as run_cli  # noqa: E402

HANG_SECONDS = 10.0

# -- building blocks -----------------------------------------------------------------------

NASTY_CHARS = ["\r", "\n", "\r\n", "\x00", "\x1b]0;x\x07", "\x1b[31m", "\x0c", "\x7f", "\x9b",
               "\u2028", "\u202e", "\t", " ", "\"", "'", "\\", "=", "?", ":", ";", ",", "<",
               ">", "@", "[", "]", "(", ")", "ü", "ह", "\ud800", "%", "{", "}", "#", "\ufeff"]


def nasty_text(rng: random.Random, n: int = 12) -> str:
    parts = []
    for _ in range(rng.randint(0, n)):
        r = rng.random()
        if r < 0.45:
            parts.append(rng.choice(NASTY_CHARS))
        elif r < 0.8:
            parts.append(rng.choice(["a", "office", "example.org", "smtp", "587", "Invoice",
                                     "x" * rng.randint(1, 300)]))
        else:
            parts.append(chr(rng.randint(0, 0x2FFF)))
    return "".join(parts)


def json_value(rng: random.Random, depth: int = 0):
    r = rng.random()
    if depth > 3 or r < 0.15:
        return rng.choice([None, True, False, 0, -1, 2 ** 63, 10 ** 40, 1.5, -0.0, 1e308])
    if r < 0.5:
        return nasty_text(rng)
    if r < 0.6:
        return [json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if r < 0.7:
        return {nasty_text(rng, 3): json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    return rng.choice(["smtp", "exchange", "oauth", "tls", "starttls", "none", "password",
                       "oauth2", "ntlm", "basic", "default", "mailwizard", "default/password",
                       "office@society.example.org", "127.0.0.1", 587, 465, 20])


def deep(n: int, kind: str = "json") -> str:
    return "[" * n + "]" * n if kind == "json" else "a = " + "[" * n + "]" * n


def huge_int() -> str:
    return "9" * 5000


#: Text that would break a header or a line if it reached one (issue 24: a settings file edited
#: by hand or written by another tool).
HEADER_BREAKING = ["a\nb", "Accounts\r\nBcc: spy@evil.example", "x\u2028y", "x\u2029y",
                   "x\x00y", "\x1b]0;x\x07", "a\rb", "Accounts\n", "a\x85b", "\ud800",
                   "=?utf-8?q?a=0D=0AX-Injected:_1?=", "office@society.example.org\n",
                   "office@society.example.org\r\nX-Injected: 1", "\t", "\x0c"]

#: Every JSON type where a setting is read (issue 24: a From address that is a list …).
OTHER_TYPES = [None, True, False, 0, 587, -1, 1.5, 10 ** 40, [], ["office@example.org"],
               {}, {"a": 1}, "", " "]

#: Keys the settings schema does not know, with values a program might read as numbers.
UNKNOWN_KEYS = ["timeout", "oauth", "port2", "retries", "x-erp", "Timeout", "interval"]
UNKNOWN_VALUES = ["oauth", "https://login.example.org/token", "5", "nan", "-1", 5, None,
                  [1, 2], {"a": "b"}, "1e400", True]


def overlong_path(rng: random.Random) -> str:
    """A path longer than the system allows: one name over 255 bytes, or the whole over
    4,096."""
    if rng.random() < 0.5:
        return "/tmp/" + "a" * rng.choice([256, 300, 5000])
    return "/tmp/" + "a/" * rng.choice([2100, 3000]) + "m.json"


def mutate_document(rng: random.Random, doc):
    """Replace, delete or add one value somewhere in a parsed JSON document."""
    doc = json.loads(json.dumps(doc))
    for _ in range(rng.randint(1, 3)):
        node, path = doc, []
        while isinstance(node, (dict, list)) and node and rng.random() < 0.7:
            key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
            path.append((node, key))
            node = node[key]
        if not path:
            if isinstance(doc, dict):
                doc[nasty_text(rng, 3) or "x"] = json_value(rng)
            continue
        parent, key = path[-1]
        r = rng.random()
        if r < 0.7:
            parent[key] = json_value(rng)
        elif r < 0.85 and isinstance(parent, dict):
            del parent[key]
        elif isinstance(parent, dict):
            parent[nasty_text(rng, 3) or "y"] = json_value(rng)
    return doc


def mutate_text(rng: random.Random, text: str) -> str:
    """Byte-level damage: truncation, insertion of nasty characters, deep nesting, huge ints."""
    r = rng.random()
    if r < 0.2:
        return text[:rng.randrange(len(text) + 1)]
    if r < 0.3:
        return text.replace("587", huge_int(), 1).replace('"default"', huge_int(), 1)
    if r < 0.4:
        return deep(rng.choice([40, 1000, 100000]))
    chars = list(text)
    for _ in range(rng.randint(1, 6)):
        pos = rng.randrange(len(chars) + 1)
        chars.insert(pos, rng.choice(NASTY_CHARS + ["\\u0000", "\\n", "=?utf-8?q?=0D=0A?="]))
    return "".join(chars)


# -- seeds -----------------------------------------------------------------------------------

USER = "office@society.example.org"

SETTINGS = {
    "schema_version": 1, "generator": "mailwizard 0.1.0",
    "saved_at": "2026-11-22T10:00:00+00:00", "profile_name": "default",
    "profile": {"service": "smtp", "provider_id": "", "host": "127.0.0.1", "port": 587,
                "security": "starttls", "auth": "password", "username": USER,
                "from_address": USER, "display_name": "Accounts", "cafile": "",
                "pinned_sha256": ""},
    "secret": {"store": "keyring", "service": "mailwizard", "username": "default/password"},
    "validation": {"validated_at": "2026-11-22T10:00:00+00:00", "test_message_to": None,
                   "tls_version": "TLSv1.3", "certificate_sha256": None,
                   "auth_mechanism": "PLAIN"},
}

LAST_CHECK = {
    "record_version": 1, "checked_at": "2026-11-22T10:00:00+00:00", "command": "check",
    "ok": False, "exit_code": 24,
    "stages": [{"stage": "auth", "status": "failed", "ms": 12.0}],
    "diagnosis": {"stage": "auth", "code": "bad_credentials", "cause": "c", "fix": "f",
                  "help_url": "", "suggestion": None, "server_reply": "535 5.7.8"},
    "result": {"ok": False, "started_at": "2026-11-22T10:00:00+0000", "elapsed_ms": 20.0,
               "profile": SETTINGS["profile"], "peer": "127.0.0.1:587",
               "stages": [{"stage": "auth", "status": "failed", "ms": 12.0, "detail": ""}],
               "failure": {"stage": "auth", "kind": "smtp_reply", "certificate": None},
               "tls_version": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384",
               "certificate": {"subject": "CN=x", "issuer": "CN=y", "not_before": "a",
                               "not_after": "b", "names": ["x"], "sha256": "ab" * 32,
                               "verified": True, "error": ""},
               "transcript": ["S: 220 hello", "C: EHLO x"]},
}

ANSWERS = f'''provider = "gmail"
host = "127.0.0.1"
port = 587
security = "starttls"
username = "{USER}"
from_address = "{USER}"
display_name = "Accounts"
password_env = "MW_FUZZ_PASSWORD"
profile_name = "default"
timeout = 5
'''

SITE = '''provider = "gmail"
locked = ["host", "port"]
hidden_services = ["exchange"]
recipients_per_day = 300

[defaults]
display_name = "Crystal Heights"
timeout = 10

[oauth.google]
client_id = "123.apps.googleusercontent.com"
'''

MESSAGE_HEADERS = [
    ("To", "Member <member@example.org>, treasurer@example.org"),
    ("Cc", "secretary@example.org"), ("Bcc", "audit@example.org"),
    ("Subject", "Maintenance bill for November 2026, flat B-204"),
    ("From", "Accounts <office@society.example.org>"), ("Reply-To", "office@example.org"),
    ("X-ERP-Invoice", "INV-2026-11-0042"), ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=utf-8"),
]

ENCODED = ["=?utf-8?q?x=0D=0AX-Injected:_1?=", "=?utf-8?q?=0ABcc:_spy@evil.example?=",
           "=?utf-8?b?eA1YLUluamVjdGVkOiAx?=", "=?utf-8?q?f=C3=BCr?=", "=?iso-8859-1?q?M=E4rz?=",
           "=?utf-8?q?a=00b?=", "=?utf-8?q?=1B]0;x=07?=", "=?utf-8?b?4oCo?=",
           "=?unknown?q?x?=", "=?utf-8?q?unterminated", "=?utf-8?b?!!!?="]


def fuzz_message(rng: random.Random) -> bytes:
    headers = [list(h) for h in MESSAGE_HEADERS if rng.random() < 0.8]
    for h in headers:
        r = rng.random()
        if r < 0.3:
            h[1] += " " + rng.choice(ENCODED)
        elif r < 0.4:
            h[1] = "x " * rng.randint(30, 80) + rng.choice(ENCODED)
        elif r < 0.5:
            h[1] = nasty_text(rng)
        elif r < 0.55 and h[0] in ("To", "Cc", "Bcc"):
            h[1] = rng.choice(ENCODED) + " <member@example.org>"
        elif r < 0.6:
            h[0] = rng.choice(["X Bad", "To:", "", "Subject\x00", "Ümlaut", "Bcc"])
    if rng.random() < 0.2:
        headers.append(["To", rng.choice(["undisclosed-recipients:;", "Group: a@b.org;",
                                          "<b@exa mple.org>", "b@example.org>", "member",
                                          "müller@exämple.org", "a@b.org (comment)"])])
    lines = []
    for name, value in headers:
        line = f"{name}: {value}"
        if rng.random() < 0.1:  # fold it
            line = line.replace(" ", "\r\n ", 1)
        lines.append(line)
    body = rng.choice(["Your statement.\r\n", "\r\n.\r\n", "x" * 2000, "\n.\nQUIT\n", ""])
    text = "\r\n".join(lines) + "\r\n\r\n" + body
    raw = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.05:
        raw = raw.replace(b"Maintenance", b"M\xe4intenance")
    return raw


def header_names_on_wire(data: bytes) -> list[str]:
    """The header names in raw message bytes, read line by line (independently of the
    email package): a line not starting with white space starts a header."""
    names = []
    for line in data.replace(b"\r\n", b"\n").split(b"\n"):
        if not line:  # the first empty line ends the headers
            break
        if line[:1] in (b" ", b"\t"):
            continue
        names.append(line.split(b":", 1)[0].decode("utf-8", "replace").strip().lower())
    return names


def header_names_in(raw: bytes) -> list[str]:
    return header_names_on_wire(raw)


# -- running ----------------------------------------------------------------------------------

@dataclass
class Outcome:
    cases: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    exit_codes: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    tracebacks: int = 0
    exit_1: int = 0
    hangs: int = 0
    injected: int = 0
    slowest: float = 0.0

    def fail(self, kind: str, what: str, detail: str) -> None:
        if len(self.failures) < 30:
            self.failures.append(f"[{kind}] {repr(what)[:300]}: {detail}")


class Fuzzer:
    def __init__(self, seed: int, workdir: Path, closed_port: int, server=None):
        self.rng = random.Random(seed)
        self.dir = workdir
        self.closed_port = closed_port
        self.server = server  # a loopback SMTP server without login, for real sends
        self.smtp_port = server.port if server else None
        self.outcome = Outcome()
        self.sent: list[tuple[list[str], bytes]] = []  # (expected names, what we handed over)
        os.environ["MW_FUZZ_PASSWORD"] = "fuzz-password"

    # each case returns (kind, what, code, tb, extra failure or "")
    def case_options(self):
        rng = self.rng
        argv = ["validate"]
        options = ["--display-name", "--username", "--from", "--timeout", "--security",
                   "--auth", "--profile-name", "--send-test-to", "--cafile", "--trust-sha256",
                   "--region", "--domain", "--port", "--json", "--debug", "--securty",
                   "--password-stdin", "--stored-password"]
        for _ in range(rng.randint(1, 6)):
            opt = rng.choice(options)
            argv.append(opt)
            if opt not in ("--json", "--debug", "--password-stdin", "--stored-password"):
                v = rng.choice([nasty_text(rng, 4), "0", "-1", "nan", "inf", "1e9",
                                "office@example.org", "üser@exämple.org", "tls", "none",
                                "\udcff\udcfe", "a/b", "x" * 70, ""])
                argv.append(v)
        if "--stored-password" in argv:
            argv.remove("--stored-password")  # would read the real keyring
        argv += ["--service", "smtp", "--host", "127.0.0.1", "--port", str(self.closed_port),
                 "--timeout", "2"]
        stdin = rng.choice([b"secret\n", b"", b"\n", b"p\xe4ss\n", b"\xff\xfe\x00\n",
                            "पासवर्ड\n".encode(), b"x" * 70000 + b"\n"])
        code, _, _, tb = run_cli(argv, stdin)
        return "options", argv, code, tb, ""

    def _file_case(self, kind: str, name: str, text: str | bytes, argv_for) -> tuple:
        path = self.dir / name
        path.write_bytes(text if isinstance(text, bytes) else
                         text.encode("utf-8", "surrogatepass"))
        code, _, _, tb = run_cli(argv_for(path))
        return kind, text[:200], code, tb, ""

    def case_settings(self):
        rng = self.rng
        if rng.random() < 0.6:
            text = json.dumps(mutate_document(rng, SETTINGS), ensure_ascii=rng.random() < 0.5)
        else:
            text = mutate_text(rng, json.dumps(SETTINGS, indent=2))
        cmd = rng.choice([["show", "--json"], ["show"], ["report"]])
        return self._file_case("settings", "mail-settings.json", text,
                               lambda p: [*cmd, "--config", str(p)])

    def case_last_check(self):
        rng = self.rng
        (self.dir / "mail-settings.json").write_text(json.dumps(SETTINGS))
        if rng.random() < 0.7:
            text = json.dumps(mutate_document(rng, LAST_CHECK))
        else:
            text = mutate_text(rng, json.dumps(LAST_CHECK))
        return self._file_case("last-check", "mail-settings.last-check.json", text,
                               lambda p: ["report", "--config",
                                          str(self.dir / "mail-settings.json")])

    def _text_file(self, seed: str, as_json: bool) -> str:
        rng = self.rng
        if as_json:
            import tomllib

            doc = tomllib.loads(seed)
            return json.dumps(mutate_document(rng, doc)) if rng.random() < 0.7 \
                else mutate_text(rng, json.dumps(doc))
        lines = seed.splitlines()
        r = rng.random()
        if r < 0.5:
            i = rng.randrange(len(lines))
            key = lines[i].split("=", 1)[0].strip() if "=" in lines[i] else "x"
            value = rng.choice([json.dumps(nasty_text(rng)), huge_int(), "[" * 60 + "]" * 60,
                                "true", "-5", "1e400", "{a = 1}", "\"\\u0000\"", "[1, \"a\"]",
                                "1979-05-27T07:32:00Z", "inf", "nan"])
            lines[i] = f"{key} = {value}"
            return "\n".join(lines)
        return mutate_text(rng, seed)

    def case_answers(self):
        from mailwizard.core.admin.answers import AnswersError, compose_profile, load_answers
        from mailwizard.core.profile import ProfileError

        as_json = self.rng.random() < 0.3
        path = self.dir / ("answers.json" if as_json else "answers.toml")
        text = self._text_file(ANSWERS, as_json)
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        tb = ""
        try:
            answers = load_answers(path)
            compose_profile(answers.values)
            code = 0
        except (AnswersError, ProfileError):
            code = 3
        except BaseException:
            code, tb = 1, traceback.format_exc()
        return "answers", text[:200], code, tb, ""

    def case_site(self):
        as_json = self.rng.random() < 0.3
        (self.dir / "mail-settings.json").write_text(json.dumps(SETTINGS))
        text = self._text_file(SITE, as_json)
        return self._file_case("site", "site.json" if as_json else "site.toml", text,
                               lambda p: ["show", "--site-config", str(p), "--config",
                                          str(self.dir / "mail-settings.json")])

    def case_send(self):
        from mailwizard.core.checks.outgoing import MessageError, prepare
        from mailwizard.core.profile import Profile

        raw = fuzz_message(self.rng)
        profile = Profile(host="127.0.0.1", port=self.smtp_port or self.closed_port,
                          security="none", auth="none", username="",
                          from_address="office@society.example.org", display_name="Accounts")
        tb, extra = "", ""
        try:
            out = prepare(raw, profile)
            code = 0
        except MessageError:
            return "send", raw[:200], 3, "", ""
        except BaseException:
            return "send", raw[:200], 1, traceback.format_exc(), ""
        expected = [n.lower() for n in header_names_in(raw) if n.lower() != "bcc"]
        for added in ("from", "date", "message-id"):
            if added not in expected:
                expected.append(added)
        got = header_names_on_wire(out.data)
        if sorted(got) != sorted(expected):
            extra = f"headers on the wire {got} != written {expected}"
        elif self.smtp_port and len(self.sent) < 200:
            self.sent.append((expected, raw))
            from mailwizard.core.checks.smtp import SmtpCheck

            result = SmtpCheck(profile.with_changes(timeout=10), None, outgoing=out).run()
            if not result.ok:
                extra = f"a message prepare() accepted was not sent: {result.failure}"
            else:
                received = header_names_on_wire(self.server.recorder.messages[-1].data)
                if sorted(received) != sorted(expected):
                    extra = f"headers on the wire {received} != written {expected}"
        return "send", raw[:200], code, tb, extra

    def case_settings_used(self):
        """A settings file with header-breaking text or another JSON type in any field, or
        unknown keys, fed to `send` (with a message) and `check` (issue 24)."""
        rng = self.rng
        doc = json.loads(json.dumps(SETTINGS))
        prof = doc["profile"]
        if rng.random() < 0.5 or not self.smtp_port:  # the keyring is the null one here
            prof["port"] = self.closed_port
        else:  # a relay without login: a send that passes goes to the loopback server
            prof.update(port=self.smtp_port, security="none", auth="none")
            doc["secret"] = None
        fields = list(prof) + ["ews_url", "domain", "oauth_tenant", "token_endpoint"]
        for _ in range(rng.randint(0, 2)):
            name = rng.choice(fields)
            r = rng.random()
            if r < 0.55:
                value = rng.choice(HEADER_BREAKING)
                if rng.random() < 0.5 and isinstance(prof.get(name), str):
                    value = prof[name] + value
                prof[name] = value
            elif name != "host":  # another type: a host that is text would be dialled
                prof[name] = rng.choice(OTHER_TYPES)
        for _ in range(rng.randint(0, 2)):
            where = prof if rng.random() < 0.8 else doc
            where[rng.choice(UNKNOWN_KEYS)] = rng.choice(UNKNOWN_VALUES)
        if isinstance(prof.get("host"), str) and prof["host"] != "127.0.0.1" \
                and not any(c in prof["host"] for c in "\r\n\x00\u2028\u2029\x85\x0c\t\x1b"):
            prof["host"] = "127.0.0.1"  # never dial a name from the fuzzer
        text = json.dumps(doc, ensure_ascii=rng.random() < 0.5)
        path = self.dir / "mail-settings.json"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        if rng.random() < 0.6:
            argv = ["send", "--config", str(path)] + (["--json"] if rng.random() < 0.3 else [])
            stdin = b"To: member@example.org\r\nSubject: Invoice\r\n\r\nYour invoice.\r\n"
        else:
            argv = ["check", "--config", str(path)] + (["--json"] if rng.random() < 0.3 else [])
            stdin = b""
        code, _, _, tb = run_cli(argv, stdin)
        return "settings-used", text[:200], code, tb, ""

    def case_paths(self):
        """A path longer than the system allows, for every option and file key that takes
        one (issue 24: `save --config` raised OSError)."""
        rng = self.rng
        long = overlong_path(rng)
        (self.dir / "mail-settings.json").write_text(json.dumps(SETTINGS))
        choice = rng.choice(["save", "check", "show", "send", "report", "token", "apply",
                             "deliverability", "schedule", "site", "answers", "cafile"])
        stdin = b"secret\n"
        if choice == "save":
            argv = ["save", "--config", long, "--host", "127.0.0.1", "--port",
                    str(self.closed_port), "--security", "starttls", "--username", USER,
                    "--password-stdin", "--timeout", "2"]
        elif choice in ("check", "show", "send", "report", "token"):
            argv = [choice, "--config", long]
        elif choice == "apply":
            argv = ["apply", "--answers", long]
        elif choice == "deliverability":
            argv = ["deliverability", "--config", long]
        elif choice == "schedule":
            argv = ["schedule", "status", "--config", long]
        elif choice == "cafile":
            argv = ["validate", "--cafile", long, "--host", "127.0.0.1", "--port",
                    str(self.closed_port), "--security", "starttls", "--username", USER,
                    "--password-stdin", "--timeout", "2"]
        elif choice == "site":
            site = self.dir / "site.toml"
            site.write_text(f"config_path = {json.dumps(long)}\n")
            argv = ["show", "--site-config", str(site)]
        else:
            answers = self.dir / "answers.toml"
            answers.write_text(ANSWERS + f"config_path = {json.dumps(long)}\n"
                               f"cafile = {json.dumps(long)}\n")
            argv = ["apply", "--answers", str(answers), "--check-only"]
        if rng.random() < 0.3:
            argv.append("--json")
        code, _, _, tb = run_cli(argv, stdin)
        return "paths", argv[:3], code, tb, ""

    def run(self, cases: int, only: str = "") -> Outcome:
        kinds = {"options": self.case_options, "settings": self.case_settings,
                 "last-check": self.case_last_check, "answers": self.case_answers,
                 "site": self.case_site, "send": self.case_send,
                 "settings-used": self.case_settings_used, "paths": self.case_paths}
        weights = {"options": 2, "settings": 2, "last-check": 1, "answers": 2, "site": 2,
                   "send": 3, "settings-used": 3, "paths": 1}
        names = [only] if only else list(kinds)
        o = self.outcome
        for _ in range(cases):
            kind = self.rng.choices(names, [weights[n] for n in names])[0]
            start = time.monotonic()
            kind, what, code, tb, extra = kinds[kind]()
            took = time.monotonic() - start
            o.cases += 1
            o.slowest = max(o.slowest, took)
            o.by_kind[kind] = o.by_kind.get(kind, 0) + 1
            o.exit_codes[code] = o.exit_codes.get(code, 0) + 1
            if tb:
                o.tracebacks += 1
                o.fail(kind, what, tb.strip().splitlines()[-1])
            elif code == 1:
                o.exit_1 += 1
                o.fail(kind, what, "exit code 1")
            if took > HANG_SECONDS:
                o.hangs += 1
                o.fail(kind, what, f"took {took:.1f} s")
            if extra:
                if "headers on the wire" in extra:
                    o.injected += 1
                o.fail(kind, what, extra)
        return o


def fuzz(cases: int, seed: int, server=None, only: str = "") -> Outcome:
    import logging

    from servers import closed_port

    logging.disable(logging.CRITICAL)  # the checks' own warnings are not what is measured
    try:
        with tempfile.TemporaryDirectory(prefix="mailwizard-fuzz-") as d:
            return Fuzzer(seed, Path(d), closed_port(), server).run(cases, only)
    finally:
        logging.disable(logging.NOTSET)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--only", choices=["options", "settings", "last-check", "answers", "site",
                                       "send", "settings-used", "paths"], default="")
    args = ap.parse_args()
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    from servers import Recorder, start_smtp_server

    srv = start_smtp_server(mode="plain", cert_ctx=None, recorder=Recorder(),
                            auth_require_tls=False, smtputf8=True)
    start = time.monotonic()
    try:
        o = fuzz(args.cases, args.seed, srv, args.only)
    finally:
        srv.stop()
    print(f"seed {args.seed}: {o.cases} cases in {time.monotonic() - start:.0f} s "
          f"(slowest case {o.slowest:.2f} s)")
    print("by kind:", json.dumps(o.by_kind, sort_keys=True))
    print("exit codes:", json.dumps({str(k): v for k, v in sorted(o.exit_codes.items())}))
    print(f"tracebacks: {o.tracebacks}   exit 1: {o.exit_1}   hangs: {o.hangs}   "
          f"injected headers: {o.injected}   messages really sent: {len(srv.recorder.messages)}")
    for f in o.failures:
        print("  " + f)
    return 1 if (o.tracebacks or o.exit_1 or o.hangs or o.injected or o.failures) else 0


if __name__ == "__main__":
    sys.exit(main())
