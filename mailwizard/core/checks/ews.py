"""A real Microsoft Exchange (EWS) check with exchangelib, stage by stage: resolve, connect,
TLS, the EWS service and the sign-in methods it offers (asked without a password), login
(version probe), the mailbox, and a test message sent without a saved copy.

The rules of the SMTP check hold here too: the certificate is verified with the same context
(system CAs plus the optional CA file, or exactly one pinned certificate), the password only
travels inside HTTPS, one login per check, a timeout on every request, nothing secret in the
transcript. exchangelib (≈ 0.3 s to import) is imported only when a check runs.
"""

from __future__ import annotations

import logging
import re
import ssl
import threading
import time
from typing import Any, Callable

from mailwizard.core.i18n import N_, _
from mailwizard.core.profile import (EwsAuth, Profile, Security, exchange_login,
                                     normalise_fingerprint)
from mailwizard.core.redact import redact
from mailwizard.core.checks.smtp import (_POLL, CheckCancelled, CheckFailure, SmtpCheck,
                                        _StageFailed, make_tls_context)

log = logging.getLogger(__name__)

#: The check's EWS stages after resolve/connect/tls (grouping for the wizard: core/stages.py).
EWS_STAGES = ("ews_service", "ews_login", "ews_mailbox", "ews_send")

EXCHANGE_ONLINE_END = "1 April 2027"
#: Marked for translation: shown as _(EXCHANGE_ONLINE_NOTICE) or exchange_online_notice().
EXCHANGE_ONLINE_NOTICE = N_(
    "This is Exchange Online (Microsoft 365). Microsoft has switched Exchange Web Services "
    "(EWS) off there: since 1 October 2026 it has been blocked organisation by organisation "
    "unless an administrator allowed the app, and on 1 April 2027 it stops for everyone. Set up "
    "“Microsoft 365” under Web mail / SMTP instead, or use Connect (sign in with Microsoft).")


def exchange_online_notice(profile: Profile) -> str | None:
    """The shutdown explanation when the EWS URL is Exchange Online, else None."""
    return _(EXCHANGE_ONLINE_NOTICE) if profile.is_exchange_online else None


class _EwsFailed(_StageFailed):
    pass


# -- HTTPS with the check's own TLS rules -------------------------------------------------

class _Endpoint:
    """What requests to one host:port must use: the check's TLS context, an optional pin, and
    the transcript to write to."""

    def __init__(self, ctx: ssl.SSLContext, pin: str, transcript: list[str]):
        self.ctx, self.pin, self.transcript = ctx, pin, transcript


_ENDPOINTS: dict[tuple[str, int], _Endpoint] = {}
_ENDPOINTS_LOCK = threading.Lock()
_OPERATION = re.compile(rb"<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)")
_adapter_cls = None


def _adapter_class():
    """An HTTPAdapter that verifies certificates exactly like the SMTP check (not with
    requests' own CA bundle), and records each request in the check's transcript."""
    global _adapter_cls
    if _adapter_cls is not None:
        return _adapter_cls
    import requests.adapters

    class MailwizardAdapter(requests.adapters.HTTPAdapter):
        def build_connection_pool_key_attributes(self, request, verify, cert=None):
            host_params, pool_kwargs = super().build_connection_pool_key_attributes(
                request, verify, cert)
            for k in ("ca_certs", "ca_cert_dir"):
                pool_kwargs.pop(k, None)
            ep = _endpoint_for(host_params["host"], host_params["port"])
            pool_kwargs["ssl_context"] = ep.ctx
            if ep.pin:
                pool_kwargs["cert_reqs"] = "CERT_NONE"
                pool_kwargs["assert_fingerprint"] = ep.pin
            else:
                pool_kwargs["cert_reqs"] = "CERT_REQUIRED"
            return host_params, pool_kwargs

        def cert_verify(self, conn, url, verify, cert):
            # Verification is the SSL context's job (set above); requests would otherwise add
            # its own CA bundle, which the SMTP check does not trust.
            return

        def send(self, request, *args, **kwargs):
            from urllib.parse import urlsplit

            parts = urlsplit(request.url)
            ep = _endpoint_for(parts.hostname or "", parts.port or 443)
            body = request.body if isinstance(request.body, bytes) else \
                (request.body or "").encode("utf-8", "replace")
            m = _OPERATION.search(body[:4000])
            op = f" ({m.group(1).decode()})" if m else ""
            ep.transcript.append(f"> {request.method} {parts.path}{op}")
            resp = super().send(request, *args, **kwargs)
            schemes = resp.headers.get("WWW-Authenticate", "")
            ep.transcript.append(f"< {resp.status_code} {resp.reason}"
                                 + (f" [offers: {_scheme_names(schemes)}]" if schemes else ""))
            return resp

    _adapter_cls = MailwizardAdapter
    return MailwizardAdapter


def _endpoint_for(host: str, port: int | None) -> _Endpoint:
    with _ENDPOINTS_LOCK:
        ep = _ENDPOINTS.get((host.lower(), int(port or 443)))
    if ep is None:  # e.g. a redirect to another host: strict defaults, nothing extra trusted
        ctx = ssl.create_default_context()
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ep = _Endpoint(ctx, "", [])
    return ep


def _scheme_names(header: str) -> str:
    names = []
    for part in re.split(r",\s*(?=[A-Za-z-]+(?:\s|$))", header):
        name = part.strip().split(" ", 1)[0]
        if name and name not in names:
            names.append(name)
    return ", ".join(names)


def _offered_schemes(resp) -> set[str]:
    raw = getattr(resp.raw, "headers", None)
    values = raw.getlist("WWW-Authenticate") if raw is not None and hasattr(raw, "getlist") \
        else [resp.headers.get("WWW-Authenticate", "")]
    found = set()
    for v in values:
        for name in _scheme_names(v).split(", "):
            if name:
                found.add(name.lower())
    return found


class EwsCheck(SmtpCheck):
    """One Exchange validation run; same interface as SmtpCheck (run, cancel, progress)."""

    def __init__(self, profile: Profile, secret: str | None = None, *,
                 send_test_to: str | None = None,
                 progress: Callable[[str, str, float], None] | None = None, outgoing=None):
        self.original = profile
        net = profile.normalised()
        try:
            host, port = net.ews_host_port
        except ValueError:
            host, port = "", 443
        # The network stages of the SMTP check (resolve, connect, TLS, describing a refused
        # certificate) work on host/port/security: give them the EWS server's.
        super().__init__(net.with_changes(host=host, port=port, security=Security.TLS),
                         secret, send_test_to=send_test_to, progress=progress,
                         outgoing=outgoing)
        self.result.profile = profile
        self.ews_url = net.ews_url
        self.login = ""
        self._offered: set[str] = set()

    def _run_stages(self):
        p, r = self.profile, self.result
        if p.is_exchange_online and not p.exchange_online_acknowledged:
            self._stage = "settings"
            raise _EwsFailed("exchange_online", EXCHANGE_ONLINE_NOTICE)
        host, port, timeout = p.ascii_host, p.port, float(p.timeout)
        self._deadline = time.monotonic() + timeout  # the whole check, as for SMTP
        self.login = exchange_login(p.username, p.domain, p.ews_auth)
        ctx = make_tls_context(p)

        self._begin("resolve")
        addrs = self._resolve(host, port, timeout)
        self._ok(", ".join(a[4][0] for a in addrs[:4]))

        self._begin("connect")
        sock = self._connect(addrs, timeout)
        r.peer = "%s:%s" % sock.getpeername()[:2]
        self._ok(r.peer)

        # The certificate is checked here, on our own socket, so that a refused one can be
        # described and trusted explicitly exactly as for SMTP; the HTTPS requests after this
        # use the same context (or the same pin).
        self._begin("tls")
        tls = self._handshake(ctx, sock, host)
        self._ok(f"{r.tls_version}, {r.cipher}")
        with self._sock_lock:
            self._live_sock = None
        tls.close()

        pin = normalise_fingerprint(p.pinned_sha256) if p.pinned_sha256 else ""
        key = (host.lower(), port)
        with _ENDPOINTS_LOCK:
            _ENDPOINTS[key] = _Endpoint(ctx, pin, r.transcript)
        try:
            self._ews_stages()
        finally:
            with _ENDPOINTS_LOCK:
                _ENDPOINTS.pop(key, None)
        return None

    def _ews_stages(self) -> None:
        p, r = self.profile, self.result
        timeout = float(p.timeout)

        self._begin("ews_service")
        self._offered = self._wait(lambda: self._probe_service(timeout))
        self._ok("offers: " + (", ".join(sorted(self._offered)) or "no sign-in"))

        from_address = p.from_address
        holder: dict[str, Any] = {}

        self._begin("ews_login")
        wanted = {"ntlm", "negotiate"} if p.ews_auth is EwsAuth.NTLM else {"basic"}
        if self._offered and not self._offered & wanted:
            # Refused before the password goes anywhere: the wrong method would only add a
            # failed login to the account's lock-out counter.
            raise _EwsFailed("ews_auth_type",
                             f"the server does not offer {p.ews_auth.value.upper()} sign-in; "
                             f"it offers: {', '.join(sorted(self._offered))}", 401,
                             ", ".join(sorted(self._offered)))
        r.auth_mechanism = "NTLM" if p.ews_auth is EwsAuth.NTLM else "Basic"
        r.auth_attempts += 1  # one login; exchangelib is told the auth type, so no guessing
        version = self._wait(lambda: self._login(holder, timeout))
        self._ok(version)

        self._begin("ews_mailbox")
        self._wait(lambda: holder["account"].root)
        self._ok(from_address)

        if self.outgoing is not None:
            self._begin("ews_send")
            self._wait(lambda: self._send_outgoing(holder["account"]))
            self._ok(f"sent to {len(self.outgoing.recipients)} recipient(s)")
        elif self.send_test_to:
            self._begin("ews_send")
            r.test_message_to = self.send_test_to
            self._wait(lambda: self._send(holder["account"], self.send_test_to))
            self._ok(f"sent to {self.send_test_to} (no copy kept in Sent Items)")

    # -- the EWS steps (each runs on a helper thread; see _wait) ------------------------------
    def _session(self):
        import requests

        s = requests.Session()
        s.mount("https://", _adapter_class()())
        s.headers["User-Agent"] = "mailwizard"
        return s

    def _probe_service(self, timeout: float) -> set[str]:
        """Ask the EWS address, without any credentials, whether it is an EWS service and
        which sign-in methods it offers (the WWW-Authenticate headers of its 401)."""
        with self._session() as s:
            resp = s.get(self.ews_url, timeout=timeout, allow_redirects=False)
        offered = _offered_schemes(resp)
        if resp.status_code in (301, 302, 303, 307, 308):
            raise _EwsFailed("ews_redirect", "the address redirects to "
                             + resp.headers.get("Location", "another address"), resp.status_code,
                             resp.headers.get("Location", ""))
        if resp.status_code == 404:
            raise _EwsFailed("ews_not_found", "no Exchange web services at this address",
                             404, resp.reason or "")
        if resp.status_code >= 500:
            raise _EwsFailed("ews_http", f"the server answered {resp.status_code} "
                             f"{resp.reason}", resp.status_code, resp.reason or "")
        return offered

    def _login(self, holder: dict, timeout: float) -> str:
        from exchangelib import (BASIC, DELEGATE, NTLM, Account, Configuration, Credentials,
                                 FailFast)
        from exchangelib.protocol import BaseProtocol, Protocol

        BaseProtocol.HTTP_ADAPTER_CLS = _adapter_class()
        lib_log = logging.getLogger("exchangelib")
        if not logging.getLogger().isEnabledFor(logging.DEBUG):
            # exchangelib logs every failed request with its XML at ERROR; the check reports
            # failures itself, in words, so keep that out of the user's console.
            lib_log.setLevel(logging.CRITICAL)
        p = self.profile
        config = Configuration(
            service_endpoint=self.ews_url,
            credentials=Credentials(self.login, self._secret or ""),
            auth_type=NTLM if p.ews_auth is EwsAuth.NTLM else BASIC,
            retry_policy=FailFast(), max_connections=1)
        _forget_protocol(config)  # never reuse a cached login or a cached failure
        protocol = Protocol(config=config)
        protocol.TIMEOUT = timeout
        holder["config"] = config
        self._protocols.append((protocol, config))
        version = protocol.version  # the version probe: the first request with credentials
        holder["account"] = Account(p.from_address, config=config, autodiscover=False,
                                    access_type=DELEGATE)
        return f"Exchange {version.build}" if version else "signed in"

    def _send(self, account, to: str) -> None:
        from exchangelib import Mailbox, Message

        from mailwizard.core.checks.smtp import build_test_message, test_message_body

        p = self.profile
        template = build_test_message(p, to)
        msg = Message(account=account, subject=str(template["Subject"]),
                      body=test_message_body(p.with_changes(ews_url=self.ews_url)),
                      to_recipients=[to],
                      author=Mailbox(email_address=p.from_address, name=p.display_name or None))
        self.result.message_id = str(template["Message-ID"])
        msg.send(save_copy=False)

    def _send_outgoing(self, account) -> None:
        from exchangelib import Message

        # Exchange takes the whole MIME message, Bcc header included, and removes that
        # header when it sends.
        self.result.message_id = self.outgoing.message_id
        Message(account=account, mime_content=self.outgoing.data_with_bcc).send(
            save_copy=False)

    # -- running library calls so that cancel() and timeouts always win ----------------------
    _protocols: list

    def run(self):
        self._protocols = []
        try:
            return super().run()
        finally:
            for protocol, config in self._protocols:
                try:
                    protocol.close()
                except Exception:  # closing is best effort
                    pass
                _forget_protocol(config)

    def _wait(self, fn: Callable[[], Any]) -> Any:
        """Run one blocking library call on a helper thread and wait in small steps, so that
        cancel() returns at once. (A request already on the wire ends by its own timeout.)"""
        box: dict[str, Any] = {}
        done = threading.Event()

        def work():
            try:
                box["value"] = fn()
            except BaseException as exc:  # handed to the waiting thread
                box["error"] = exc
            done.set()

        threading.Thread(target=work, name="mailwizard-ews", daemon=True).start()
        while not done.wait(_POLL):
            self._check_cancel()
            if time.monotonic() > self._deadline:  # the check's time, shared by all stages
                raise TimeoutError(f"no answer within {self.profile.timeout:g} s")
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def _close(self, smtp) -> None:
        super()._close(None)

    # -- failures -----------------------------------------------------------------------
    def _failure_from(self, exc: BaseException) -> CheckFailure:
        if isinstance(exc, (_StageFailed, CheckCancelled)) or self._cancel.is_set():
            return super()._failure_from(exc)
        f = _classify_library_error(exc, self._stage)
        if f is None:
            f = super()._failure_from(exc)
        if f.kind in ("ews_unauthorized",):
            f.reply = ", ".join(sorted(self._offered))
        return f


def _classify_library_error(exc: BaseException, stage: str) -> CheckFailure | None:
    """Facts from an exchangelib or requests exception (None: not one of theirs)."""
    mod = type(exc).__module__ or ""
    name = type(exc).__name__
    msg = redact(str(exc))[:500]
    f = CheckFailure(stage=stage, kind="error", message=msg, exception=name)
    if mod.startswith("exchangelib"):
        cause, depth = exc.__cause__ or exc.__context__, 0
        while cause is not None and depth < 6:  # a connection problem wrapped by exchangelib
            if type(cause).__module__.startswith(("requests", "urllib3")):
                f2 = _classify_library_error(cause, stage)
                if f2 is not None:
                    f2.message = msg
                    return f2
            cause, depth = cause.__cause__ or cause.__context__, depth + 1
        if "ErrorTimeoutExpired" in msg and "timed out" in msg.lower():
            f.kind = "timeout"
            return f
        if name == "UnauthorizedError":
            f.kind, f.code = "ews_unauthorized", 401
        elif name == "ErrorNonExistentMailbox" or name == "ErrorInvalidSmtpAddress":
            f.kind = "ews_no_mailbox"
        elif name in ("ErrorServerBusy", "RateLimitError", "ErrorTooManyObjectsOpened",
                      "ErrorConnectionFailed") or "throttl" in msg.lower():
            f.kind = "ews_throttled"
        elif name in ("ErrorSendAsDenied",):
            f.kind = "ews_send_as_denied"
        elif name in ("ErrorAccessDenied", "ErrorImpersonateUserDenied", "ErrorAccountDisabled",
                      "ErrorMailboxStoreUnavailable"):
            f.kind = "ews_access_denied"
        elif name in ("ErrorInvalidRecipients", "ErrorMessageSizeExceeded",
                      "ErrorQuotaExceeded", "ErrorSubmissionQuotaExceeded"):
            f.kind = "ews_refused"
        elif name in ("RedirectError", "RelativeRedirect"):
            f.kind = "ews_redirect"
        elif name.startswith("Error"):
            f.kind = "ews_error"
        else:  # TransportError, MalformedResponseError, SOAPError, CASError...
            f.kind = "ews_http"
        f.reply = name
        return f
    if isinstance(exc, PermissionError) and "NTLM" in str(exc):
        f.kind = "ews_ntlm_failed"  # requests_ntlm: the server never completed NTLM
        return f
    if mod.startswith(("requests", "urllib3")):
        text = str(exc)
        if name == "SSLError" or "SSL" in text[:200]:
            f.kind = "tls"
        elif "timed out" in text.lower() or name in ("ReadTimeout", "ConnectTimeout", "Timeout"):
            f.kind = "timeout"
        elif "refused" in text.lower():
            f.kind = "refused"
        else:
            f.kind = "network"
        return f
    return None


def _forget_protocol(config) -> None:
    from exchangelib.protocol import Protocol

    try:
        del Protocol[config]
    except KeyError:
        pass
