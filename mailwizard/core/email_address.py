"""Email addresses as people type them: checked (email-validator only for the unusual ones),
what is wrong in plain words, and a note for addresses that work only inside one network."""

from __future__ import annotations

import re

from mailwizard.core.i18n import N_, _
from mailwizard.core.profile_types import FieldError
from mailwizard.core.server_names import to_ascii_host


#: A plain ASCII address that email-validator surely accepts: `_plain_email` answers for it
#: without importing email-validator, whose regular expressions take ~20 ms to compile.
_ATEXT = r"[A-Za-z0-9_!#$%&'*+/=?^`{|}~-]+"
_PLAIN_LOCAL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_PLAIN_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
                           r"[a-z](?:[a-z0-9-]{0,61}[a-z])?")
#: email-validator's refusals and changes that the pattern above does not cover.
_SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")
_CASE_INSENSITIVE = ("info", "marketing", "sales", "support", "abuse", "noc", "security",
                     "postmaster", "hostmaster", "usenet", "news", "webmaster", "www", "uucp",
                     "ftp")


def _plain_email(value: str) -> str | None:
    """The normalised form email-validator would give a plain ASCII address, or None when
    the address needs email-validator itself (anything unusual, and every refusal)."""
    local, at, domain = value.rpartition("@")
    domain = domain.lower()
    if (not at or len(value) > 254 or len(local) > 64 or not value.isascii()
            or not _PLAIN_LOCAL.fullmatch(local) or local.lower() in _CASE_INSENSITIVE
            or len(domain) > 253 or not _PLAIN_DOMAIN.fullmatch(domain) or "--" in domain
            or any(domain == d or domain.endswith("." + d) for d in _SPECIAL_USE)):
        return None
    return f"{local}@{domain}"


def check_email(value: str, field_name: str) -> tuple[str, FieldError | None]:
    """Check one address with email-validator; return its normalised form or a FieldError."""
    value = value.strip()
    if not value:
        return value, FieldError(field_name, _("enter an email address, for example "
                                               "accounts@your-society.org"))
    plain = _plain_email(value)
    if plain is not None:
        return plain, None
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(value, check_deliverability=False,
                                allow_smtputf8=True, allow_display_name=False)
    except EmailNotValidError as exc:
        # An internal, reserved or single-label domain (office@company.local): the user's
        # own server decides. The part before @ is checked as usual, the domain as a name.
        local, _sep, domain = value.rpartition("@")
        reason = str(exc).lower()
        if local and domain and ("special-use" in reason or "period" in reason
                                 or "top-level domain" in reason or address_note(value)):
            try:
                ascii_domain = to_ascii_host(domain)
                local_ok = validate_email(f"{local}@example.com", check_deliverability=False,
                                          allow_smtputf8=True, allow_display_name=False)
            except (EmailNotValidError, ValueError):
                pass
            else:
                if not ascii_domain.replace(".", "").isdigit():  # not a bare IP address
                    return f"{local_ok.local_part}@{domain.strip().rstrip('.').lower()}", None
        # email-validator's reason is English: for IT in the log (--debug), and our own
        # sentence for the person, in their language.
        import logging

        # the logger of the module this came from: its records keep their name
        logging.getLogger("mailwizard.core.profile").debug("%s is not a valid address: %s", field_name, exc)
        return value, FieldError(field_name, _(
            "this is not a valid email address: {problem}").format(
                problem=address_problem(str(exc))))
    return result.normalized, None


#: email-validator's reasons (English) → what we say, in the user's language. The first
#: pattern found in the reason wins; {characters} is what the reason quotes after its colon.
_ADDRESS_PROBLEMS = (
    ("small commercial at", N_("it has a small ﹫ instead of the usual @ sign")),
    ("must have an @-sign", N_("it needs an @ sign, as in name@your-society.org")),
    ("something after the @-sign", N_("something is missing after the @ sign")),
    ("something before the @-sign", N_("something is missing before the @ sign")),
    ("two periods in a row", N_("it has two dots in a row")),
    ("period and a hyphen", N_("a dot and a hyphen cannot stand next to each other")),
    ("two dashes", N_("the part after the @ sign has two hyphens in a row")),
    ("too long", N_("it is too long")),
    ("so many characters", N_("it is too long")),
    ("should have a period", N_("the part after the @ sign needs a dot, as in "
                                "your-society.org")),
    ("top-level domain", N_("the part after the @ sign does not end like a real domain, "
                            "such as .org or .in")),
    ("special-use or reserved", N_("the part after the @ sign is a reserved name that "
                                   "cannot receive email")),
    ("display name", N_("type only the address, without a name or angle brackets")),
    ("angle bracket", N_("type only the address, without a name or angle brackets")),
    ("anything after the email address", N_("there is something after the address")),
    ("internationalized characters before", N_("letters outside A–Z before the @ sign are "
                                              "not accepted here")),
    ("after the @-sign contains invalid characters:", N_(
        "the part after the @ sign contains characters an address cannot have: "
        "{characters}")),
    ("before the @-sign:", N_("the part before the @ sign contains characters an address "
                              "cannot have: {characters}")),
    ("after the @-sign", N_("the part after the @ sign is not a valid domain")),
    ("before the @-sign", N_("the part before the @ sign contains characters an address "
                             "cannot have")),
)


def address_problem(reason: str) -> str:
    """email-validator's English reason in our own words, translated."""
    low = reason.lower()
    for pattern, sentence in _ADDRESS_PROBLEMS:
        if pattern in low:
            characters = reason.rpartition(": ")[2].rstrip(".") if ": " in reason else ""
            # email-validator names invisible characters in English: "SPACE", "TAB"
            characters = characters.replace("SPACE", _("a space")).replace("TAB", _("a tab"))
            return _(sentence).format(characters=characters)
    return _("check it for typing mistakes")


#: Domain endings reserved for private networks, tests and documentation (RFC 2606, 6761,
#: 6762, ICANN's .internal): fine on an organisation's own server, never on the internet.
_PRIVATE_ENDINGS = ("local", "internal", "test", "example", "invalid", "localhost",
                    "lan", "home.arpa", "corp", "home", "intranet", "private")


def address_note(address: str) -> str:
    """A gentle note (never a refusal) when `address` is on a domain that only works inside
    an organisation's own network; "" for ordinary internet domains."""
    domain = address.strip().rpartition("@")[2].rstrip(".").lower()
    if not domain or domain.startswith("["):
        return ""
    if "." not in domain:
        return _("“{domain}” is a name used only inside your own network: fine when your "
                 "own mail server accepts it, but mail to or from it cannot travel on the "
                 "internet.").format(domain=domain)
    if any(domain == e or domain.endswith("." + e) for e in _PRIVATE_ENDINGS):
        return _("“{domain}” is a domain for private networks (or tests): fine when your "
                 "own mail server accepts it, but mail to or from it cannot travel on the "
                 "internet.").format(domain=domain)
    return ""
