"""Find the EWS address from an email address with Exchange Autodiscover (POX), bounded in time
and in hops, and never sending the password to a host outside the email's domain unless the
user agreed to that host.

Order: https://DOMAIN/autodiscover/autodiscover.xml, then https://autodiscover.DOMAIN/…
(or the addresses given). Each candidate is first asked without credentials; the password goes
only to the first one that answers like an Autodiscover service (401 asking for a login), and
a refused login ends the search at once (one login attempt, as for the check). Redirects
(HTTP 3xx, redirectUrl, redirectAddr) count as hops.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from mailwizard.core.profile import EwsAuth, normalise_ews_url, to_ascii_host
from mailwizard.core.i18n import _, ngettext
from mailwizard.core.redact import redact, register_secret

REQUEST = """<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
<Request><EMailAddress>{email}</EMailAddress>
<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
</Request></Autodiscover>"""

_NS_ANY = re.compile(r"\{[^}]*\}")


class AutodiscoverFailed(Exception):
    """kind: not_found, login_refused, needs_confirmation, too_many_hops, timeout,
    cancelled, tls, network. `host` is set for needs_confirmation."""

    def __init__(self, kind: str, message: str, host: str = "", url: str = ""):
        super().__init__(message)
        self.kind, self.message, self.host, self.url = kind, message, host, url


@dataclass
class AutodiscoverResult:
    ews_url: str
    trail: list[str] = field(default_factory=list)  # every address asked, in order


def candidate_urls(email: str) -> list[str]:
    domain = email.strip().rpartition("@")[2]
    host = to_ascii_host(domain)
    return [f"https://{host}/autodiscover/autodiscover.xml",
            f"https://autodiscover.{host}/autodiscover/autodiscover.xml"]


def _in_domain(host: str, domain: str) -> bool:
    host, domain = host.lower().rstrip("."), domain.lower().rstrip(".")
    return host == domain or host.endswith("." + domain)


class Autodiscover:
    def __init__(self, email: str, login: str, password: str, auth: EwsAuth | str, *,
                 cafile: str = "", timeout: float = 30.0, max_hops: int = 5,
                 allowed_hosts: set[str] | frozenset[str] = frozenset(),
                 candidates: list[str] | None = None):
        self.email, self.login, self.auth = email.strip(), login, EwsAuth(auth)
        self._password = password
        register_secret(password)
        self.cafile, self.timeout, self.max_hops = cafile, timeout, max_hops
        self.domain = to_ascii_host(self.email.rpartition("@")[2])
        #: hosts outside the email's domain the user agreed to send the password to
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.candidates = list(candidates) if candidates else candidate_urls(self.email)
        self.trail: list[str] = []
        self._cancel = threading.Event()
        self._deadline = 0.0
        self._session = None

    def cancel(self) -> None:
        self._cancel.set()
        s = self._session
        if s is not None:
            try:
                s.close()
            except Exception:  # closing is best effort
                pass

    def run(self) -> AutodiscoverResult:
        import requests

        from mailwizard.core.checks.ews import _adapter_class, _Endpoint, _ENDPOINTS, \
            _ENDPOINTS_LOCK

        self._deadline = time.monotonic() + self.timeout
        # Same TLS rules as the check: system CAs plus the optional CA file, verified.
        from mailwizard.core.profile import Profile
        from mailwizard.core.checks.tls import make_tls_context

        ctx = make_tls_context(Profile(cafile=self.cafile))
        registered: list[tuple[str, int]] = []

        def trust(url: str) -> None:
            parts = urlsplit(url)
            key = ((parts.hostname or "").lower(), parts.port or 443)
            with _ENDPOINTS_LOCK:
                _ENDPOINTS[key] = _Endpoint(ctx, "", self.trail)
            registered.append(key)

        self._session = s = requests.Session()
        s.mount("https://", _adapter_class()())
        s.trust_env = True
        try:
            email, hops = self.email, 0
            queue = list(self.candidates)
            while queue:
                url = queue.pop(0)
                trust(url)
                outcome = self._ask(s, url, email)
                if outcome is None:
                    continue  # not an Autodiscover service here: the next candidate
                kind, value = outcome
                if kind == "ews":
                    return AutodiscoverResult(normalise_ews_url(value), self.trail)
                hops += 1
                if hops > self.max_hops:
                    raise AutodiscoverFailed("too_many_hops", ngettext(
                        "Autodiscover sent mailwizard on more than {n} time; stopped.",
                        "Autodiscover sent mailwizard on more than {n} times; stopped.",
                        self.max_hops).format(n=self.max_hops))
                if kind == "redirect_addr":
                    email = value
                    queue = candidate_urls(value)
                else:  # redirect_url: one address to ask instead
                    queue = [value]
            raise AutodiscoverFailed("not_found", _("No Autodiscover service answered for "
                                                    "{domain}.").format(domain=self.domain))
        finally:
            with _ENDPOINTS_LOCK:
                for key in registered:
                    _ENDPOINTS.pop(key, None)
            s.close()
            self._session = None

    # -- one address ------------------------------------------------------------------------
    def _remaining(self) -> float:
        left = self._deadline - time.monotonic()
        if self._cancel.is_set():
            raise AutodiscoverFailed("cancelled", _("cancelled"))
        if left <= 0:
            raise AutodiscoverFailed("timeout", _("Autodiscover found nothing within {seconds} "
                                                  "s.").format(seconds=f"{self.timeout:g}"))
        return min(left, 10.0)

    def _post(self, s, url: str, email: str, auth=None):
        import requests

        try:
            return s.post(url, data=REQUEST.format(email=email).encode("utf-8"),
                          headers={"Content-Type": "text/xml; charset=utf-8"}, auth=auth,
                          timeout=self._remaining(), allow_redirects=False)
        except AutodiscoverFailed:
            raise
        except requests.exceptions.SSLError as exc:
            if self._cancel.is_set():
                raise AutodiscoverFailed("cancelled", _("cancelled")) from None
            self.trail.append(f"! {url}: certificate or TLS problem")
            raise AutodiscoverFailed("tls", _("The certificate of {host} could not be "
                                              "verified: {error}").format(
                host=urlsplit(url).hostname, error=redact(str(exc))[:200]), url=url) from None
        except (requests.exceptions.RequestException, OSError) as exc:
            if self._cancel.is_set():
                raise AutodiscoverFailed("cancelled", _("cancelled")) from None
            self.trail.append(f"! {url}: {type(exc).__name__}")
            return None

    def _ask(self, s, url: str, email: str):
        host = (urlsplit(url).hostname or "").lower()
        if urlsplit(url).scheme != "https":
            self.trail.append(f"! {url}: not HTTPS, skipped")
            return None
        # Without credentials first: is there an Autodiscover service at all?
        resp = self._post(s, url, email)
        if resp is None:
            return None
        if resp.status_code in (301, 302, 303, 307, 308):
            target = resp.headers.get("Location", "")
            if target.startswith("https://"):
                return "redirect_url", target
            return None
        if resp.status_code not in (200, 401):
            return None
        if resp.status_code == 401:
            if not _in_domain(host, self.domain) and host not in self.allowed_hosts:
                raise AutodiscoverFailed(
                    "needs_confirmation",
                    _("Autodiscover leads to {host}, which is not part of {domain}. Your "
                      "password is only sent there if you agree.").format(
                        host=host, domain=self.domain), host=host, url=url)
            resp = self._post(s, url, email, auth=self._auth())
            if resp is None:
                return None
            if resp.status_code == 401:
                raise AutodiscoverFailed("login_refused", _("{host} did not accept the user "
                                                        "name or password.").format(host=host),
                                         host=host, url=url)
            if resp.status_code != 200:
                return None
        return self._parse(resp.content)

    def _auth(self):
        if self.auth is EwsAuth.NTLM:
            from requests_ntlm import HttpNtlmAuth

            return HttpNtlmAuth(self.login, self._password)
        from requests.auth import HTTPBasicAuth

        return HTTPBasicAuth(self.login, self._password)

    @staticmethod
    def _parse(body: bytes):
        try:
            # Downloaded XML: no DTDs, no entities (an entity bomb ends here, cleanly).
            import defusedxml.ElementTree as DET
            from defusedxml import DefusedXmlException
            from xml.etree.ElementTree import ParseError

            root = DET.fromstring(body, forbid_dtd=True)
        except (ParseError, DefusedXmlException, ValueError):
            return None
        values: dict[str, str] = {}
        ews = ""
        for el in root.iter():
            tag = _NS_ANY.sub("", el.tag)
            text = (el.text or "").strip()
            if tag in ("Action", "RedirectAddr", "RedirectUrl") and text:
                values[tag] = text
            if tag == "EwsUrl" and text and not ews:
                ews = text
        action = values.get("Action", "").lower()
        if action == "redirectaddr" and values.get("RedirectAddr"):
            return "redirect_addr", values["RedirectAddr"]
        if action == "redirecturl" and values.get("RedirectUrl", "").startswith("https://"):
            return "redirect_url", values["RedirectUrl"]
        if ews:
            return "ews", ews
        return None
