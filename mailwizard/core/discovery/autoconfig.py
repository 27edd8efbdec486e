"""Thunderbird's autoconfig file (config-v1.1.xml, also draft-ietf-mailmaint-autoconfig): from
the domain itself, and from the ISPDB. Only the `outgoingServer type="smtp"` entries are used;
the XML is parsed without DTDs or entities (defusedxml)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import quote

from mailwizard.core.discovery.errors import StepFailed
from mailwizard.core.profile_types import Security

DEFAULT_ISPDB_URL = "https://autoconfig.thunderbird.net/v1.1/"
ENV_ISPDB_URL = "MAILWIZARD_ISPDB_URL"

_SOCKET = {"ssl": Security.TLS, "tls": Security.TLS, "starttls": Security.STARTTLS,
           "plain": Security.NONE}


@dataclass(frozen=True)
class OutgoingServer:
    host: str
    port: int
    security: Security
    username: str          # placeholders filled in
    authentication: str    # e.g. password-cleartext, OAuth2 (the first named)
    provider_name: str
    auth_methods: tuple[str, ...] = ()  # every <authentication> named, in order


def domain_urls(email: str, domain: str) -> list[str]:
    """Where a domain publishes its own file, in the order Thunderbird asks."""
    return [f"https://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={quote(email)}",
            f"https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml"]


def ispdb_url(domain: str, base: str | None = None) -> str:
    base = base or os.environ.get(ENV_ISPDB_URL) or DEFAULT_ISPDB_URL
    if not base.endswith("/"):
        base += "/"
    return base + quote(domain)


def parse(body: bytes, email: str) -> list[OutgoingServer]:
    """The SMTP servers a config file names, in its order. Raises StepFailed for anything
    that is not a well-formed, entity-free clientConfig."""
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException
    from xml.etree.ElementTree import ParseError

    try:
        root = DET.fromstring(body, forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    except DefusedXmlException:
        raise StepFailed("not a usable config file (it declares XML entities or a DTD, "
                         "refused)") from None
    except (ParseError, ValueError):
        raise StepFailed("not a usable config file (not well-formed XML)") from None
    if _local(root.tag) != "clientConfig":
        raise StepFailed(f"not a config file (root element {_local(root.tag)!r})")
    local, _, domain = email.rpartition("@")
    fill = {"%EMAILADDRESS%": email, "%EMAILLOCALPART%": local, "%EMAILDOMAIN%": domain}
    out: list[OutgoingServer] = []
    for provider in root:
        if _local(provider.tag) != "emailProvider":
            continue
        name = _text(provider, "displayName") or provider.get("id", "")
        for server in provider:
            if _local(server.tag) != "outgoingServer" or server.get("type") != "smtp":
                continue
            host = _fill(_text(server, "hostname"), fill).lower().rstrip(".")
            port = _text(server, "port")
            security = _SOCKET.get(_text(server, "socketType").lower())
            if not host or not port.isdigit() or not 0 < int(port) < 65536 or security is None:
                continue
            if any(c in host for c in "/ @%:") or len(host) > 253:
                continue
            methods = tuple((c.text or "").strip() for c in server
                            if _local(c.tag) == "authentication" and (c.text or "").strip())
            out.append(OutgoingServer(host, int(port), security,
                                      _fill(_text(server, "username"), fill),
                                      methods[0] if methods else "", name, methods))
    if not out:
        raise StepFailed("the config file names no SMTP server")
    return out


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _text(el, name: str) -> str:
    for child in el:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _fill(text: str, fill: dict[str, str]) -> str:
    for k, v in fill.items():
        text = text.replace(k, v)
    return text
