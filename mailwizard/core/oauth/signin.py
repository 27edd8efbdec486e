"""The browser sign-in: `AuthorizationFlow` (authorization code with PKCE S256 and a loopback
redirect, RFC 8252) and the listener on 127.0.0.1 that takes the browser's one answer.

The listener is the standard library's http.server, held to what the sign-in needs: bound to
127.0.0.1 only, a capped request head, a Host check against DNS rebinding, answers for what a
browser asks first (/favicon.ico …), exactly one sign-in answer, and a deadline and a cancel
for the wait. The provider side (errors, token requests) is in core/oauth.py, which also
exports `AuthorizationFlow`. No Qt.
"""

from __future__ import annotations

import http.server
import io
import logging
import socket
import socketserver
import threading
import time
from typing import Any, Callable

from mailwizard.core import i18n
from mailwizard.core.i18n import N_, _
from mailwizard.core.oauth.flow import (ClientSettings, OAuthError, OAuthProvider, Tokens,
                                   _authorization_url, _call_token_endpoint,
                                   _classify_provider_error, _error, _new_session,
                                   _tokens_from)
from mailwizard.core.redact import register_secret

log = logging.getLogger("mailwizard.core.oauth.flow")

_POLL = 0.05  # how often a wait looks at the cancel flag and the deadline
_MAX_REQUEST_HEAD = 16 * 1024  # a browser's redirect request is far smaller
_MAX_PENDING = 16  # browsers open spare connections; keep at most this many open
_CONNECTION_TIMEOUT = 5.0  # for one connection's request and the answer page


# -- the pages the browser shows ---------------------------------------------------------------
_PAGE = ("<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
         "<title>{title}</title></head><body style=\"font-family:sans-serif;max-width:40em;"
         "margin:3em auto;line-height:1.5\"><h1>{title}</h1><p>{text}</p>{more}</body></html>")


def _page(title: str, text: str, more: str = "") -> bytes:
    """A page in the language in use (its title and sentences already translated)."""
    import html

    extra = f"<p>{html.escape(more)}</p>" if more else ""
    return _PAGE.format(lang=html.escape(i18n.language()), title=html.escape(title),
                        text=html.escape(text), more=extra).encode("utf-8")


def _refusal(title: str, text: str) -> bytes:
    """A page for a request the listener refuses (the N_-marked words translated now)."""
    return _page(_(title), _(text))


# Translators: the title and the sentence of the page a browser shows for a bad request.
_BAD_REQUEST = (N_("Bad request"), N_("Bad request."))


# -- the loopback listener ---------------------------------------------------------------------
class _HeadTooLarge(Exception):
    pass


class _CappedReader(io.RawIOBase):
    """A connection's bytes, at most `budget` of them: a longer request head is refused (431)
    instead of being read on (http.server alone allows 100 header lines of 64 KB)."""

    def __init__(self, sock: socket.socket, budget: int):
        self._sock, self._left = sock, budget

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        if self._left <= 0:
            raise _HeadTooLarge
        n = self._sock.recv_into(memoryview(buf)[:self._left])
        self._left -= n
        return n


class _RedirectHandler(http.server.BaseHTTPRequestHandler):
    """One connection, one request: the sign-in answer, or a polite refusal."""

    server: _LoopbackServer
    protocol_version = "HTTP/1.1"
    server_version, sys_version = "mailwizard", ""
    timeout = _CONNECTION_TIMEOUT

    def setup(self) -> None:
        super().setup()
        self.rfile = io.BufferedReader(_CappedReader(self.connection, _MAX_REQUEST_HEAD))

    def handle(self) -> None:
        try:
            self.handle_one_request()
        except _HeadTooLarge:
            self._respond(431, _page(_("Request too large"), _("Request too large.")))
        except OSError:  # the browser went away
            pass

    def _serve(self) -> None:
        from urllib.parse import parse_qs, urlsplit

        if not self.server.host_ok(self.headers.get("Host", "")):
            # Not addressed to this listener by name: e.g. a web page using DNS rebinding.
            return self._respond(400, _refusal(*_BAD_REQUEST))
        url = urlsplit(self.path)
        if url.path != "/":
            return self._respond(404, _page(_("Not found"), _("Not found.")))
        if self.command != "GET":
            return self._respond(405, _page(_("Method not allowed"), _("Method not allowed.")))
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        if "code" not in query and "error" not in query:
            return self._respond(400, _page("mailwizard", _("This address only receives a "
                                                            "sign-in answer.")))
        if query.get("code"):
            register_secret(query["code"])
        self.server.take(self, query)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """http.server's refusals (a malformed request line, too many headers, a method
        nobody uses) get the same small page and headers as ours."""
        self.request_version = self.protocol_version  # always answer with a status line
        self._respond(code, _refusal(*_BAD_REQUEST))

    def _respond(self, status: int, body: bytes) -> None:
        self.close_connection = True
        try:
            self.send_response(status)
            for name, value in (("Content-Type", "text/html; charset=utf-8"),
                                ("Content-Length", str(len(body))),
                                ("Cache-Control", "no-store"),
                                ("Referrer-Policy", "no-referrer"),
                                ("X-Content-Type-Options", "nosniff"),
                                ("Connection", "close")):
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            pass

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        # The request line carries the authorization code: log the method and path only.
        path = getattr(self, "path", "").split("?", 1)[0]
        log.debug("loopback listener: %s %s -> %s", getattr(self, "command", ""), path, code)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("loopback listener: " + format, *args)


class _LoopbackServer(http.server.ThreadingHTTPServer):
    """Listens on 127.0.0.1 (a free port) for one sign-in answer. Each connection has its own
    thread, so a browser's idle spare connection cannot hold up the answer."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = False
    request_queue_size = _MAX_PENDING

    def __init__(self, judge: Callable[[dict[str, str]], None], names: tuple[str, ...]):
        self._judge = judge
        self._names = tuple(n.lower() for n in names)
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._claimed = False
        #: The one answer: its query, or the OAuthError it was judged to be.
        self.answer: dict[str, str] | OAuthError | None = None
        self.answered = threading.Event()
        super().__init__(("127.0.0.1", 0), _RedirectHandler)

    def server_bind(self) -> None:
        if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: nobody may bind over us
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        # TCPServer's bind, not HTTPServer's: that one looks up the host's name in the DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def host_ok(self, host: str) -> bool:
        if not host:
            return True  # HTTP/1.0 clients may omit it
        name, _colon, port = host.rpartition(":")
        return port == str(self.server_port) and name.lower() in self._names

    def take(self, handler: _RedirectHandler, query: dict[str, str]) -> None:
        """The first sign-in answer is judged and kept; any later one is refused."""
        with self._lock:
            first, self._claimed = not self._claimed, True
        if not first:
            handler._respond(400, _page("mailwizard", _("This sign-in is already finished.")))
            return
        try:
            self._judge(query)
        except OAuthError as exc:
            handler._respond(200, _page(_("mailwizard: sign-in not completed"), exc.message,
                                        exc.fix))
            self.answer = exc
        else:
            handler._respond(200, _page(
                _("mailwizard: signed in"),
                _("mailwizard received your sign-in. You can close this window and return to "
                  "mailwizard.")))
            self.answer = query
        self.answered.set()

    # -- socketserver hooks: a cap on open connections, and all of them closed at the end --
    def process_request(self, request, client_address) -> None:
        with self._lock:
            refuse = len(self._open) >= _MAX_PENDING or self._claimed
            if not refuse:
                self._open.add(request)
        if refuse:
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self._lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        with self._lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


# -- the flow ----------------------------------------------------------------------------------
class AuthorizationFlow:
    """One browser sign-in.

    start() opens the loopback listener and the browser; wait() (blocking: use a worker
    thread in a GUI) returns Tokens or raises OAuthError; cancel() from any thread makes
    wait() raise OAuthError("cancelled") promptly. A flow is used once."""

    def __init__(self, provider: OAuthProvider, client: ClientSettings, *,
                 login_hint: str = "", timeout: float = 300,
                 open_browser: Callable[[str], Any] | None = None,
                 cafile: str | None = None, http_timeout: float = 20):
        if not client or not client.client_id:
            raise _error("not_configured", provider, client)
        self.provider = provider.for_tenant(client.tenant) if client.tenant else provider
        self.client = client
        self.login_hint = login_hint
        self.timeout = float(timeout)
        self.cafile = cafile
        self.http_timeout = float(http_timeout)
        self._open_browser = open_browser
        #: http://127.0.0.1:<port>/ (or the provider's loopback name), set by start().
        self.redirect_uri = ""
        #: The sign-in address given to the browser, set by start().
        self.url = ""
        #: False when no browser could be opened: show `url` for the user to open.
        self.browser_opened: bool | None = None
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._listener: _LoopbackServer | None = None
        self._state = ""
        self._session = None
        self._deadline = 0.0
        self._waited = False

    def __repr__(self) -> str:
        status = ("cancelled" if self._cancel.is_set() else "used" if self._waited
                  else "started" if self._listener is not None else "new")
        return (f"<AuthorizationFlow {self.provider.id} client_id={self.client.client_id!r} "
                f"redirect_uri={self.redirect_uri!r} {status}>")

    # -- public ---------------------------------------------------------------------------
    def start(self) -> str:
        """Listen on 127.0.0.1, make the state and the PKCE verifier, open the browser at
        the sign-in address and return that address."""
        import secrets

        with self._lock:
            if self._listener is not None or self._waited:
                raise RuntimeError("an AuthorizationFlow is started once")
            self._listener = _LoopbackServer(self._judge, (
                "127.0.0.1", "localhost", self.provider.redirect_host))
        try:
            port = self._listener.server_port
            self.redirect_uri = f"http://{self.provider.redirect_host}:{port}/"
            self._state = secrets.token_urlsafe(32)
            session, oauth_client = _new_session(self.provider, self.client, self.redirect_uri)
            params = dict(self.provider.extra_params)
            if self.login_hint:
                params["login_hint"] = self.login_hint
            url = _authorization_url(session, self.provider, self.client, self._state,
                                     params)
            register_secret(oauth_client.code_verifier)
            self._session = session
        except BaseException:
            self._close_listener()
            raise
        self.url = url
        self._deadline = time.monotonic() + self.timeout
        log.info("sign-in with %s: waiting for the browser on %s", self.provider.name,
                 self.redirect_uri)
        self.browser_opened = self._launch_browser(url)
        return url

    def wait(self) -> Tokens:
        """Block until one sign-in answer arrives at the listener, then exchange its code
        for tokens. Raises OAuthError (timeout, cancelled, state_mismatch, denied,
        admin_consent, invalid_client, network, tls, server)."""
        with self._lock:
            if self._listener is None:
                raise RuntimeError("call start() before wait()" if not self._waited
                                   else "wait() is called once per flow")
            self._waited = True
        try:
            params = self._receive_redirect()
        finally:
            self._close_listener()
        return self._run_cancellable(lambda: self._exchange(params["code"]))

    def cancel(self) -> None:
        """Stop the sign-in from any thread; wait() raises OAuthError("cancelled")."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    # -- the browser ------------------------------------------------------------------------
    def _launch_browser(self, url: str) -> bool:
        opener = self._open_browser
        if opener is None:
            import webbrowser

            opener = webbrowser.open
        try:
            result = opener(url)
        except Exception as exc:  # no browser is not fatal: the address can be shown
            log.warning("could not open a web browser: %s", exc)
            return False
        return result is not False

    def _close_listener(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.server_close()

    def _receive_redirect(self) -> dict[str, str]:
        listener = self._listener
        while not listener.answered.is_set():
            if self._cancel.is_set():
                raise _error("cancelled", self.provider, self.client)
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise _error("timeout", self.provider, self.client, timeout=self.timeout)
            listener.timeout = min(_POLL, remaining)
            listener.handle_request()  # accepts at most one connection, or times out
        if isinstance(listener.answer, OAuthError):
            raise listener.answer
        return listener.answer

    def _judge(self, query: dict[str, str]) -> None:
        """Raise OAuthError unless the answer is this sign-in's and carries a code."""
        import hmac

        state = query.get("state", "")
        if "error" in query:
            if state and not hmac.compare_digest(state.encode(), self._state.encode()):
                raise _error("state_mismatch", self.provider, self.client,
                             detail="the error answer carried another state")
            error, description = query.get("error", ""), query.get("error_description", "")
            kind = _classify_provider_error(error, description)
            raise _error(kind, self.provider, self.client, detail=f"{error}: {description}")
        if not hmac.compare_digest(state.encode(), self._state.encode()):
            raise _error("state_mismatch", self.provider, self.client,
                         detail="the answer's state is not this sign-in's state")

    # -- the code for tokens ------------------------------------------------------------------
    def _exchange(self, code: str) -> Tokens:
        session = self._session
        secret = self.client.client_secret or None
        try:
            token = _call_token_endpoint(
                lambda: session.fetch_token(self.provider.token_url, code=code,
                                            include_client_id=True, client_secret=secret,
                                            timeout=self.http_timeout,
                                            verify=self.cafile or True),
                self.provider, self.client)
        finally:
            session.close()
        return _tokens_from(token, self.provider, self.client)

    def _run_cancellable(self, fn: Callable[[], Tokens]) -> Tokens:
        """Run the token exchange in a helper thread so that cancel() is prompt even while
        the request waits for the network (its result is then thrown away)."""
        box: dict[str, Any] = {}
        done = threading.Event()

        def run() -> None:
            try:
                box["value"] = fn()
            except BaseException as exc:  # handed to the waiting thread
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=run, name="mailwizard-oauth-token", daemon=True).start()
        while not done.wait(_POLL):
            if self._cancel.is_set():
                raise _error("cancelled", self.provider, self.client)
        if "error" in box:
            raise box["error"]
        return box["value"]
