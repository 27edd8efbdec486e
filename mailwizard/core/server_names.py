"""Server names, Windows domains, Exchange logins and web-service (EWS) addresses as people
type them: each checked, with what is wrong in plain words, and put in the form it goes on the
wire."""

from __future__ import annotations

import re

from mailwizard.core.i18n import _
from mailwizard.core.profile_types import EWS_PATH, EwsAuth

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)


def to_ascii_host(host: str) -> str:
    """Convert an internationalised host name to its ASCII (IDNA) form; raise ValueError
    with a plain explanation when it cannot be a host name."""
    host = host.strip().rstrip(".")
    if not host:
        raise ValueError(_("enter the name of the mail server, for example smtp.example.com"))
    if any(c.isspace() for c in host):
        raise ValueError(_("a server name has no spaces"))
    if "://" in host or "/" in host:
        raise ValueError(_("enter only the server name, without http:// or a path, "
                           "for example smtp.example.com"))
    if ":" in host and not host.startswith("["):
        if host.count(":") == 1:
            raise ValueError(_("put the port number in the Port field, not after the server name"))
        return host  # an IPv6 literal
    if re.fullmatch(r"[0-9.]+", host):
        parts = host.split(".")
        if len(parts) == 4 and all(p.isdigit() and 0 <= int(p) <= 255 for p in parts):
            return host
        raise ValueError(_("this looks like an IP address but is not a valid one"))
    try:
        import idna  # installed with email-validator; handles IDNA 2008 properly

        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except Exception:
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(_("this is not a valid server name")) from None
    labels = ascii_host.split(".")
    if not all(_LABEL.match(label) for label in labels):
        raise ValueError(_("this is not a valid server name (letters, digits, dots and "
                           "hyphens only), for example smtp.example.com"))
    return ascii_host.lower()


_NETBIOS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,14}$")


def check_domain(value: str) -> str | None:
    """None when `value` looks like company.com or a Windows (NetBIOS) domain name such as
    COMPANY; otherwise what is wrong, in plain words."""
    value = value.strip()
    hint = _("enter the domain like company.com, or the short Windows domain name like "
             "COMPANY")
    if not value:
        return hint
    if "@" in value or "://" in value or "/" in value or "\\" in value:
        return _("enter the domain like company.com, or the short Windows domain name like "
                 "COMPANY (only the domain: no email address, web address or user name)")
    if "." in value:
        try:
            to_ascii_host(value)
        except ValueError:
            return hint
        return None
    if not _NETBIOS.match(value):
        return _("enter the domain like company.com, or the short Windows domain name like "
                 "COMPANY (a short Windows domain name has at most 15 letters, digits, "
                 "hyphens or underscores)")
    return None


def exchange_login(username: str, domain: str, auth: "EwsAuth | str") -> str:
    """The Exchange login in the form the server takes: DOMAIN\\user or user@domain.

    Both forms are accepted as typed; a bare user name gets the Domain field (as DOMAIN\\user
    for Windows sign-in, as user@domain for Basic when the domain has a dot). Raises
    ValueError with what to type instead."""
    auth = EwsAuth(auth)
    user = username.strip()
    if not user:
        raise ValueError(_("enter your Windows user name, like COMPANY\\jsmith or "
                           "jsmith@company.com"))
    if "/" in user and "\\" not in user and "@" not in user:
        raise ValueError(_("use a backslash between domain and user name: {login}").format(
            login=user.replace("/", "\\", 1)))
    if "\\" in user:
        dom, _sep, name = user.partition("\\")
        if not dom or not name or "\\" in name:
            raise ValueError(_("write it as DOMAIN\\user, with one backslash, like "
                               "COMPANY\\jsmith"))
        problem = check_domain(dom)
        if problem:
            raise ValueError(_("the part before the backslash: {problem}").format(
                problem=problem))
        return f"{dom}\\{name}"
    if "@" in user:
        name, _sep, dom = user.rpartition("@")
        if not name or check_domain(dom) or "." not in dom:
            raise ValueError(_("write it as user@company.com or COMPANY\\user"))
        return user
    domain = domain.strip()
    if not domain:
        raise ValueError(_("add your domain: type COMPANY\\{user} or {user}@company.com, or "
                           "fill in the Domain field").format(user=user))
    problem = check_domain(domain)
    if problem:
        raise ValueError(_("the Domain field: {problem}").format(problem=problem))
    if auth is EwsAuth.BASIC and "." in domain:
        return f"{user}@{domain}"
    return f"{domain}\\{user}"


def normalise_ews_url(value: str) -> str:
    """https://host[:port]/EWS/Exchange.asmx from what the user typed (a server name alone is
    completed). Raises ValueError, in plain words, for anything that is not an HTTPS URL."""
    from urllib.parse import urlsplit, urlunsplit

    value = value.strip()
    if not value:
        raise ValueError(_("enter the Exchange web services address, like "
                           "https://mail.company.com/EWS/Exchange.asmx"))
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme.lower() != "https":
        raise ValueError(_("the address must start with https:// (a password is never sent "
                           "without encryption)"))
    if parts.username or parts.password:
        raise ValueError(_("put the user name and password in their own fields, not in the "
                           "address"))
    try:
        host = to_ascii_host(parts.hostname or "")
        port = parts.port
    except ValueError as exc:
        raise ValueError(_("the server in the address: {problem}").format(
            problem=exc)) from None
    path = parts.path.rstrip("/")
    if path in ("", "/EWS", "/ews"):
        path = EWS_PATH
    netloc = host if port in (None, 443) else f"{host}:{port}"
    return urlunsplit(("https", netloc, path, parts.query, ""))


def default_ews_url(email: str) -> str:
    """The usual on-premises address for the domain of `email`: https://mail.DOMAIN/EWS/…"""
    domain = email.strip().rpartition("@")[2]
    return f"https://mail.{domain}{EWS_PATH}" if domain else ""
