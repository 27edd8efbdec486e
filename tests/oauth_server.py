"""A real OAuth 2.0 authorization server on loopback for the tests, the "browser" that visits
it, and their fixtures.

`AuthServer`: HTTPS (a trustme certificate) on 127.0.0.1 with /authorize and /token, like
Google's and Microsoft's: PKCE S256 checked, codes used once, refresh tokens (rotated like
Microsoft's), and the failures providers really send (access denied, admin consent needed,
revoked tokens). Microsoft-style paths carry a tenant: /<tenant>/oauth2/v2.0/authorize.

`Browser`: a plain HTTPS client trusting the test CA that GETs the sign-in address and
follows the 302 to the product's loopback listener. Use `browser.open` as `open_browser`.

Fixtures: `make_auth_server(**options)`, `auth_server`, `browser`, `xoauth2_smtp_server`.
Import them into a test module: `from oauth_server import auth_server, browser, ...`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import ssl
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from servers import XOAuth2Recorder, start_smtp_server

from mailwizard.core.oauth.flow import ClientSettings, OAuthProvider, load_oauth_providers

LOOPBACK = "127.0.0.1"
CLIENT_ID = "1234567890-test.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-test-client-secret"
MS_CLIENT_ID = "0f1e2d3c-0000-4000-8000-00000000abcd"

ADMIN_CONSENT_DESCRIPTION = (
    "AADSTS90094: The grant requires admin permission. Need admin approval: mailwizard "
    "needs permission to access resources in your organization that only an admin can grant.")
TOKEN_ADMIN_CONSENT_DESCRIPTION = (
    "AADSTS65001: The user or administrator has not consented to use the application with "
    "ID '{client_id}' named 'mailwizard'. Send an interactive authorization request for this "
    "user and resource.")


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _loopback_redirect(uri: str) -> bool:
    u = urlsplit(uri)
    return (u.scheme == "http" and u.hostname in ("127.0.0.1", "localhost", "::1")
            and u.port is not None and not u.fragment)


class AuthServer:
    """One authorization server. Modes are plain attributes a test sets:

    mode (at /authorize): "ok", "deny", "admin_consent" (error `admin_consent_error` with an
    AADSTS90094 description), "wrong_state" (answers with another state).
    token_mode (at /token): "ok", "admin_consent" (invalid_grant, AADSTS65001),
    "unavailable" (503 with an HTML page), "slow" (waits `slow_seconds` first).
    """

    def __init__(self, ctx: ssl.SSLContext, *, client_id: str = CLIENT_ID,
                 client_secret: str = CLIENT_SECRET, access_ttl: int = 3600,
                 rotate_refresh: bool = True, granted_scope: str | None = None):
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_ttl = access_ttl
        self.rotate_refresh = rotate_refresh
        #: The scope the token reply names; None: what was asked for minus offline_access
        #: (as Microsoft answers).
        self.granted_scope = granted_scope
        self.mode = "ok"
        self.admin_consent_error = "consent_required"
        self.token_mode = "ok"
        self.slow_seconds = 3.0
        #: slow token requests still waiting for their answer
        self.slow_in_progress = 0
        #: Every request: {"method", "path", "tenant", "params", "headers"}.
        self.requests: list[dict] = []
        self.states: list[str] = []
        #: One entry per authorization_code exchange: did the code_verifier match?
        self.pkce_checks: list[bool] = []
        self.issued_access_tokens: dict[str, float] = {}  # token -> expires at
        self._codes: dict[str, dict] = {}
        self._refresh: dict[str, dict] = {}
        self.tls_failures = 0
        self._lock = threading.Lock()
        self._httpd = _HTTPServer((LOOPBACK, 0), _Handler)
        self._httpd.app = self
        self._httpd.tls = ctx
        self.port = self._httpd.server_address[1]
        self.base_url = f"https://{LOOPBACK}:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    # -- addresses and the product's view of them --------------------------------------------
    @property
    def authorize_url(self) -> str:
        return self.base_url + "/authorize"

    @property
    def token_url(self) -> str:
        return self.base_url + "/token"

    def provider(self, kind: str = "google") -> OAuthProvider:
        """The real provider data from oauth.toml, with its endpoints moved here."""
        base = load_oauth_providers()[kind]
        if base.has_tenants:
            return base.with_endpoints(self.base_url + "/{tenant}/oauth2/v2.0/authorize",
                                       self.base_url + "/{tenant}/oauth2/v2.0/token")
        return base.with_endpoints(self.authorize_url, self.token_url)

    def client(self, tenant: str = "") -> ClientSettings:
        return ClientSettings(self.client_id, self.client_secret, tenant)

    # -- what the tests ask ---------------------------------------------------------------------
    def valid_access_token(self, token: str) -> bool:
        with self._lock:
            expires = self.issued_access_tokens.get(token)
        return expires is not None and time.time() < expires

    def expire_all(self) -> None:
        with self._lock:
            for t in self.issued_access_tokens:
                self.issued_access_tokens[t] = 0.0

    def revoke(self, refresh_token: str) -> None:
        with self._lock:
            if refresh_token in self._refresh:
                self._refresh[refresh_token]["revoked"] = True

    def revoke_all(self) -> None:
        """Like removing the app's access in the account: every token stops working."""
        with self._lock:
            for rec in self._refresh.values():
                rec["revoked"] = True
        self.expire_all()

    def token_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"].endswith("/token")]

    def authorize_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"].endswith("/authorize")]

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    # -- the endpoints --------------------------------------------------------------------------
    def authorize(self, q: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        problems = []
        if q.get("client_id") != self.client_id:
            problems.append("unknown client_id")
        if q.get("response_type") != "code":
            problems.append("response_type must be code")
        if not _loopback_redirect(q.get("redirect_uri", "")):
            problems.append("redirect_uri must be a loopback http address with a port")
        if q.get("code_challenge_method") != "S256" or len(q.get("code_challenge", "")) != 43:
            problems.append("PKCE S256 required")
        if not q.get("scope"):
            problems.append("scope missing")
        if not q.get("state"):
            problems.append("state missing")
        if problems:  # providers show an error page; they do not redirect
            return 400, {"Content-Type": "text/plain"}, "; ".join(problems).encode()
        state = q["state"]
        with self._lock:
            self.states.append(state)
        if self.mode == "deny":
            answer = {"error": "access_denied",
                      "error_description": "The user denied the request.", "state": state}
        elif self.mode == "admin_consent":
            answer = {"error": self.admin_consent_error,
                      "error_description": ADMIN_CONSENT_DESCRIPTION, "state": state}
        else:
            code = "4/0A" + secrets.token_urlsafe(32)
            with self._lock:
                self._codes[code] = {"client_id": q["client_id"],
                                     "redirect_uri": q["redirect_uri"],
                                     "challenge": q["code_challenge"], "scope": q["scope"],
                                     "used": False}
            answer = {"code": code, "scope": q["scope"],
                      "state": state if self.mode != "wrong_state"
                      else "forged-" + secrets.token_urlsafe(16)}
        location = q["redirect_uri"] + "?" + urlencode(answer)
        return 302, {"Location": location}, b""

    def token(self, form: dict[str, str], headers: dict[str, str]) -> tuple[int, dict]:
        if self.token_mode == "slow":
            self.slow_in_progress += 1
            time.sleep(self.slow_seconds)
            self.slow_in_progress -= 1
        if form.get("client_id") != self.client_id:
            return 401, {"error": "invalid_client", "error_description": "Unknown client."}
        if self.client_secret and form.get("client_secret") != self.client_secret:
            return 401, {"error": "invalid_client", "error_description": "Bad secret."}
        if self.token_mode == "admin_consent":
            return 400, {"error": "invalid_grant", "error_description":
                         TOKEN_ADMIN_CONSENT_DESCRIPTION.format(client_id=self.client_id)}
        grant = form.get("grant_type")
        if grant == "authorization_code":
            with self._lock:
                rec = self._codes.get(form.get("code", ""))
                if rec is None or rec["used"]:
                    return 400, {"error": "invalid_grant",
                                 "error_description": "Malformed auth code or already used."}
                rec["used"] = True  # single use, whatever happens next
            if form.get("redirect_uri") != rec["redirect_uri"]:
                return 400, {"error": "invalid_grant", "error_description":
                             "redirect_uri does not match the authorization request."}
            ok = _s256(form.get("code_verifier", "")) == rec["challenge"]
            with self._lock:
                self.pkce_checks.append(ok)
            if not ok:
                return 400, {"error": "invalid_grant",
                             "error_description": "PKCE verification failed."}
            return 200, self._issue(rec["scope"], new_refresh=True)
        if grant == "refresh_token":
            with self._lock:
                rec = self._refresh.get(form.get("refresh_token", ""))
            if rec is None or rec["revoked"]:
                return 400, {"error": "invalid_grant",
                             "error_description": "Token has been expired or revoked."}
            return 200, self._issue(rec["scope"], new_refresh=self.rotate_refresh)
        return 400, {"error": "unsupported_grant_type"}

    def _issue(self, scope: str, *, new_refresh: bool) -> dict:
        access = "ya29.test-" + secrets.token_urlsafe(32)
        reply = {"access_token": access, "expires_in": self.access_ttl, "token_type": "Bearer",
                 "scope": self.granted_scope if self.granted_scope is not None else
                 " ".join(s for s in scope.split() if s != "offline_access")}
        with self._lock:
            self.issued_access_tokens[access] = time.time() + self.access_ttl
            if new_refresh:
                refresh = "1//test-" + secrets.token_urlsafe(32)
                self._refresh[refresh] = {"scope": scope, "revoked": False}
                reply["refresh_token"] = refresh
        return reply


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    app: AuthServer
    tls: ssl.SSLContext

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the request's own thread, not in the accept loop.
        try:
            conn = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            self.app.tls_failures += 1
            return
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            conn.close()

    def handle_error(self, request, client_address):  # a client that hung up: not news
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def log_message(self, format, *args):  # noqa: A002 - http.server's own name
        pass

    def _record(self, params: dict[str, str]) -> tuple[str, str]:
        path = urlsplit(self.path).path
        segments = [s for s in path.split("/") if s]
        tenant = segments[0] if len(segments) > 1 else ""
        self.server.app.requests.append({
            "method": self.command, "path": path, "tenant": tenant, "params": params,
            "headers": {k.lower(): v for k, v in self.headers.items()}})
        return path, tenant

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        q = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        path, _ = self._record(q)
        if not path.endswith("/authorize"):
            return self._send(404, {"Content-Type": "text/plain"}, b"not found")
        self._send(*self.server.app.authorize(q))

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        path, _ = self._record(form)
        app = self.server.app
        if not path.endswith("/token"):
            return self._send(404, {"Content-Type": "text/plain"}, b"not found")
        if app.token_mode == "unavailable":
            return self._send(503, {"Content-Type": "text/html"},
                              b"<html><body>Service Unavailable</body></html>")
        status, reply = app.token(form, dict(self.headers))
        self._send(status, {"Content-Type": "application/json"}, json.dumps(reply).encode())


# -- the browser ----------------------------------------------------------------------------------
@dataclass
class Visit:
    url: str
    final_url: str = ""
    status: int = 0
    body: str = ""
    error: str = ""


class Browser:
    """The user's browser: visits the sign-in address (trusting the test CA), follows the
    redirect to the loopback listener, and keeps every page it ended on."""

    def __init__(self, ca_file: str):
        ctx = ssl.create_default_context(cafile=ca_file)
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                   urllib.request.HTTPSHandler(context=ctx))
        self.visits: list[Visit] = []
        self.opened: list[str] = []
        self._threads: list[threading.Thread] = []

    def visit(self, url: str) -> Visit:
        v = Visit(url)
        try:
            with self._opener.open(url, timeout=10) as r:
                v.final_url, v.status, v.body = r.geturl(), r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            v.final_url, v.status, v.body = e.geturl(), e.code, e.read().decode()
        except (urllib.error.URLError, OSError) as e:
            v.error = str(e)
        self.visits.append(v)
        return v

    def open(self, url: str) -> bool:
        """Like webbrowser.open: returns at once, the page loads in the background."""
        self.opened.append(url)
        t = threading.Thread(target=self.visit, args=(url,), daemon=True)
        self._threads.append(t)
        t.start()
        return True

    def join(self, timeout: float = 10) -> None:
        for t in self._threads:
            t.join(timeout)


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture
def make_auth_server(server_ctx):
    """Factory: make_auth_server(ctx=None, **AuthServer options) -> a running AuthServer."""
    started: list[AuthServer] = []

    def make(ctx: ssl.SSLContext | None = None, **options) -> AuthServer:
        srv = AuthServer(ctx or server_ctx, **options)
        started.append(srv)
        return srv

    yield make
    for s in started:
        s.stop()


@pytest.fixture
def auth_server(make_auth_server) -> AuthServer:
    """Google-style: client ID and secret, scope https://mail.google.com/."""
    return make_auth_server()


@pytest.fixture
def browser(ca_file):
    b = Browser(ca_file)
    yield b
    b.join()


@pytest.fixture
def xoauth2_smtp_server(auth_server, server_ctx):
    """A STARTTLS aiosmtpd server offering XOAUTH2 that accepts only access tokens
    `auth_server` issued and that are still valid."""
    rec = XOAuth2Recorder(token_ok=auth_server.valid_access_token)
    srv = start_smtp_server(mode="starttls", cert_ctx=server_ctx, recorder=rec)
    yield srv
    srv.stop()
