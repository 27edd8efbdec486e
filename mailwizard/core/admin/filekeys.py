"""The settings as administrators write them in files (a site file's [defaults], an answer
file): one name, type and check per key, and which Profile field each one fills.

Messages name the key and the expected value, and suggest the closest known key for a typo.
The same names are the command line's (``--from`` aside): `trust_sha256` is the profile's
`pinned_sha256`, `allow_exchange_online` its `exchange_online_acknowledged`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mailwizard.core.i18n import N_, _
TYPE_CHECKING = False  # typing is for type checkers: not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Iterable


class SettingsFileError(ValueError):
    """A site or answer file that cannot be used; names the file, the key and what is
    expected."""

    def __init__(self, path: Path | str | None, key: str, message: str):
        self.path = Path(path) if path else None
        self.key = key
        self.message = message
        where = f"{self.path}: " if self.path else ""
        super().__init__(f"{where}{key}: {message}" if key else f"{where}{message}")


@dataclass(frozen=True)
class KeySpec:
    name: str
    kind: str  # "text", "integer", "number", "boolean", "choice"
    #: The expected value in words (messages and docs).
    expects: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    #: The Profile field it fills; None for keys that are not profile fields.
    field: str | None = None


def _k(name: str, kind: str, expects: str, *, field: str | None = "", **kw) -> KeySpec:
    return KeySpec(name, kind, expects, field=name if field == "" else field, **kw)


#: The profile keys of site [defaults] and answer files, in the order the docs list them.
PROFILE_KEYS: dict[str, KeySpec] = {k.name: k for k in (
    _k("service", "choice", N_('the kind of service: "smtp" or "exchange"'),
       choices=("smtp", "exchange")),
    _k("provider", "text", N_("a preset id from `mailwizard providers`, e.g. \"gmail\""),
       field="provider_id"),
    _k("region", "text", N_('the region of a preset that needs one (Amazon SES), e.g. "eu-west-1"'),
       field=None),
    _k("host", "text", N_('the SMTP server name, e.g. "smtp.example.com"')),
    _k("port", "integer", N_("a whole number from 1 to 65535, usually 587 or 465"),
       minimum=1, maximum=65535),
    _k("security", "choice", N_('"starttls" (usually port 587), "tls" (SSL/TLS from the start, '
       'usually 465) or "none"'), choices=("starttls", "tls", "none")),
    _k("auth", "choice", N_('how SMTP signs in: "password", or "none" for an IP-based relay'),
       choices=("password", "none")),
    _k("username", "text", N_("the sign-in name, often the email address (Exchange: DOMAIN\\user "
       "or user@domain)")),
    _k("from_address", "text", N_('the From address, e.g. "accounts@example.org"')),
    _k("display_name", "text", N_('the sender\'s name shown to recipients, e.g. "Riverside '
       'Society"')),
    _k("cafile", "text", N_("the path of a PEM file with your organisation's CA certificate(s)")),
    _k("trust_sha256", "text", N_("the SHA-256 fingerprint of the one server certificate to "
       "trust (64 hex digits, colons allowed)"), field="pinned_sha256"),
    _k("ews_url", "text", N_('Exchange: the EWS address, e.g. '
       '"https://mail.company.com/EWS/Exchange.asmx"')),
    _k("domain", "text", N_('Exchange: "company.com" or the Windows domain name, e.g. "COMPANY"')),
    _k("ews_auth", "choice", N_('Exchange sign-in: "ntlm" (Windows sign-in) or "basic"'),
       choices=("ntlm", "basic")),
    _k("allow_exchange_online", "boolean", N_("true to use EWS on Exchange Online although "
       "Microsoft has switched it off"), field="exchange_online_acknowledged"),
    _k("timeout", "number", N_("seconds the whole check may take, from 1 to 300"),
       minimum=1, maximum=300),
)}

#: Profile field -> key name, where they differ.
KEY_FOR_FIELD = {s.field: s.name for s in PROFILE_KEYS.values() if s.field and
                 s.field != s.name}

#: Keys only an SMTP profile uses, and keys only an Exchange profile uses.
SMTP_ONLY = ("provider", "region", "host", "port", "security", "auth")
EXCHANGE_ONLY = ("ews_url", "domain", "ews_auth", "allow_exchange_online")


def key_for_field(field: str) -> str:
    """The file key of a Profile field (pinned_sha256 -> trust_sha256)."""
    return KEY_FOR_FIELD.get(field, field)


_TYPE_WORDS = {str: N_("text"), bool: N_("true or false"), int: N_("a whole number"),
               float: N_("a number"), list: N_("a list"), dict: N_("a table")}


def type_words(value: Any) -> str:
    for t, words in _TYPE_WORDS.items():
        if type(value) is t:
            return _(words)
    return type(value).__name__


def expected_found(expects: str, found: str) -> str:
    """"expected …; found …": `expects` as stored (N_), `found` as describe_value says it."""
    # Translators: {expects} says what a key of the file must hold, {found} what it holds.
    return _("expected {expects}; found {found}").format(expects=_(expects), found=found)


def _shown(value: Any) -> str:
    """A value quoted for a message, cut short (never used for a secret-looking key)."""
    text = value if isinstance(value, str) else repr(value)
    return f"“{text[:60]}{'…' if len(text) > 60 else ''}”"


def describe_value(value: Any) -> str:
    """"text “587”", "a whole number “0”": what was found, for a message."""
    return f"{type_words(value)} {_shown(value)}"


def check_value(spec: KeySpec, value: Any, *, path: Path | None = None,
                prefix: str = "") -> Any:
    """The value if it has the key's type and range (a whole number is taken for a number);
    otherwise SettingsFileError naming the key, what was found and what is expected."""
    key = prefix + spec.name

    def wrong(found: str) -> SettingsFileError:
        return SettingsFileError(path, key, expected_found(spec.expects, found))

    if spec.kind in ("text", "choice"):
        if not isinstance(value, str):
            raise wrong(f"{type_words(value)} {_shown(value)}")
        value = value.strip()
        if spec.kind == "choice" and value not in spec.choices:
            raise wrong(_shown(value))
        return value
    if spec.kind == "boolean":
        if not isinstance(value, bool):
            raise wrong(f"{type_words(value)} {_shown(value)} "
                        + _("(write true or false, without quotes)"))
        return value
    # integer / number
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            (spec.kind == "integer" and not isinstance(value, int)):
        hint = " " + _("(write the number without quotes)") if isinstance(value, str) else ""
        raise wrong(f"{type_words(value)} {_shown(value)}{hint}")
    if (spec.minimum is not None and value < spec.minimum) or \
            (spec.maximum is not None and value > spec.maximum):
        raise wrong(_shown(value))
    return float(value) if spec.kind == "number" else value


def unknown_key(key: str, known: Iterable[str], *, path: Path | None = None,
                prefix: str = "") -> SettingsFileError:
    """An 'unknown key' error that suggests the closest known key (the value is never
    repeated: it might be something secret)."""
    known = list(known)
    close = closest(key, known)
    if close:
        message = _("unknown key; did you mean “{key}”? Known keys: {keys}")
    else:
        message = _("unknown key Known keys: {keys}")
    return SettingsFileError(path, prefix + key, message.format(key=close,
                                                                keys=", ".join(known)))


def closest(word: str, known: Iterable[str]) -> str | None:
    """The known name a typo most likely meant, or None."""
    known = list(known)
    import difflib  # only when a key is unknown: not on every start-up

    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    if not close:  # "from" -> "from_address", "user" -> "username"
        close = [k for k in known if k.startswith(word) or word.startswith(k)][:1]
    return close[0] if close else None


#: The kinds of file read_mapping reads, as its messages name them.
_FILE_WORDS = {"site file": N_("site file"), "answer file": N_("answer file"),
               "vendor file": N_("vendor file")}


def read_mapping(path: Path, what: str) -> dict[str, Any]:
    """A TOML file (or JSON, by its .json suffix) as a dict; SettingsFileError when it cannot
    be read or parsed, naming the file and the place. Regular files of at most 1 MB only,
    nesting and integer size bounded (core/safefile.py)."""
    from mailwizard.core.store.safefile import FileProblem, loads_json, loads_toml, read_capped

    # Translators: {what} is "site file", "answer file" or "vendor file" (translated too).
    what = _(_FILE_WORDS.get(what, what))
    try:
        raw = read_capped(path)
    except FileNotFoundError:
        raise SettingsFileError(path, "", _("no {what} at this path").format(
            what=what)) from None
    except FileProblem as exc:
        raise SettingsFileError(path, "", _("the {what} cannot be used: {problem}").format(
            what=what, problem=exc)) from None
    except OSError as exc:
        raise SettingsFileError(path, "", _("the {what} cannot be read: {problem}").format(
            what=what, problem=exc.strerror or exc)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SettingsFileError(path, "", _("the {what} is not UTF-8 text").format(
            what=what)) from None
    is_json = Path(path).suffix.lower() == ".json"
    try:
        data = loads_json(text) if is_json else loads_toml(text)
    except FileProblem as exc:
        if is_json or "TOML" not in str(exc):
            message = _("the {what} cannot be used: {problem}")
        else:
            message = _("the {what} cannot be used: {problem}; use a .json name for a JSON "
                        "file")
        raise SettingsFileError(path, "", message.format(what=what, problem=exc)) from None
    if not isinstance(data, dict):
        raise SettingsFileError(path, "", _("the {what} must be a table of keys (found "
                                            "{found})").format(what=what,
                                                               found=type_words(data)))
    return data
