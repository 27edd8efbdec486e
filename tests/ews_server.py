"""A loopback EWS endpoint that speaks enough SOAP for the real exchangelib client to probe the
server version, look up a mailbox and send a message (send-only), with Basic authentication.

It covers: the unauthenticated probe (401 with WWW-Authenticate), Basic login (401 on a wrong
password), ConvertId (version probe), GetFolder (distinguished folder of a mailbox, or
ErrorNonExistentMailbox), CreateItem with MessageDisposition SendOnly / SendAndSaveCopy, a
throttling answer (ErrorServerBusy) and a stall. It does not cover NTLM/Negotiate, Autodiscover,
impersonation, attachments or any other EWS operation.
"""

from __future__ import annotations

import base64
import http.server
import re
import ssl
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

NS = {
    "s": "http://schemas.xmlsoap.org/soap/envelope/",
    "m": "http://schemas.microsoft.com/exchange/services/2006/messages",
    "t": "http://schemas.microsoft.com/exchange/services/2006/types",
}

_ENVELOPE = """<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
<s:Header><h:ServerVersionInfo xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"
 MajorVersion="15" MinorVersion="2" MajorBuildNumber="1544" MinorBuildNumber="4"
 Version="V2017_07_11"/></s:Header>
<s:Body xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"
 xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">{body}</s:Body>
</s:Envelope>"""


def _error_message(op: str, code: str, text: str) -> str:
    return (f"<m:{op}Response><m:ResponseMessages><m:{op}ResponseMessage ResponseClass=\"Error\">"
            f"<m:MessageText>{text}</m:MessageText><m:ResponseCode>{code}</m:ResponseCode>"
            f"<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:{op}ResponseMessage>"
            f"</m:ResponseMessages></m:{op}Response>")


@dataclass
class SentMessage:
    to: list[str]
    subject: str
    body: str
    sender: str
    disposition: str
    user: str


@dataclass
class EwsState:
    users: dict[str, str] = field(default_factory=lambda: {"it@example.org": "s3cret"})
    mailboxes: set[str] = field(default_factory=lambda: {"it@example.org"})
    #: None, "busy" (throttling answer) or "stall" (no answer to authenticated requests)
    behaviour: str | None = None
    auth_schemes: tuple[str, ...] = ("Basic",)
    sent: list[SentMessage] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    #: what /autodiscover/autodiscover.xml answers after a login: {"ews_url": URL} or
    #: {"redirect_url": URL} or {"redirect_addr": ADDR}; None: 404 there
    autodiscover: dict | None = None
    #: (path, had credentials) for each Autodiscover request
    autodiscover_requests: list[tuple[str, bool]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "Microsoft-IIS/10.0"
    protocol_version = "HTTP/1.1"
    # headers and body go out as two writes: without this, Nagle + delayed ACK add ~40 ms to
    # every request, which would swamp any timing measured against this endpoint
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # keep pytest output clean
        pass

    @property
    def state(self) -> EwsState:
        return self.server.state  # type: ignore[attr-defined]

    def _send(self, status: int, body: str = "", headers: dict | None = None) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _unauthorized(self) -> None:
        self.send_response(401)
        for scheme in self.state.auth_schemes:
            self.send_header("WWW-Authenticate",
                             scheme + (' realm="mail.example.org"' if scheme == "Basic" else ""))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        st = self.state
        st.paths.append(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.lower().startswith("/autodiscover/autodiscover.xml"):
            self._autodiscover()
            return
        if not self.path.lower().startswith("/ews/exchange.asmx"):
            self._send(404, "<html><body>Not found</body></html>")
            return
        user = self._login()
        if user == "":  # an NTLM challenge was sent; the client answers on this connection
            return
        if user is None:
            self._unauthorized()
            return
        if st.behaviour == "stall":
            st.stop.wait(30)
            return
        if self.command != "POST":
            self._send(200, "<html><body>You have created a service.</body></html>")
            return
        try:
            root = ET.fromstring(raw)
        except ET.ParseError:
            self._send(500, "bad xml")
            return
        body = root.find("s:Body", NS)
        op_el = list(body)[0]
        op = op_el.tag.split("}")[1]
        st.operations.append(op)
        if st.behaviour == "busy":
            fault = ("<s:Fault><faultcode xmlns:a=\"http://schemas.microsoft.com/exchange/"
                     "services/2006/types\">a:ErrorServerBusy</faultcode><faultstring>The server "
                     "cannot service this request right now. Try again later.</faultstring>"
                     "<detail><e:ResponseCode xmlns:e=\"http://schemas.microsoft.com/exchange/"
                     "services/2006/errors\">ErrorServerBusy</e:ResponseCode><e:Message xmlns:e="
                     "\"http://schemas.microsoft.com/exchange/services/2006/errors\">The server "
                     "cannot service this request right now. Try again later.</e:Message>"
                     "<t:MessageXml xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/"
                     "types\"><t:Value Name=\"BackOffMilliseconds\">30000</t:Value></t:MessageXml>"
                     "</detail></s:Fault>")
            self._send(500, _ENVELOPE.format(body=fault))
            return
        handler = getattr(self, "_op_" + op, None)
        if handler is None:
            self._send(200, _ENVELOPE.format(body=_error_message(
                op, "ErrorInvalidRequest", "Operation not supported by the test endpoint")))
            return
        self._send(200, _ENVELOPE.format(body=handler(op_el, user)))

    def _login(self) -> str | None:
        header = self.headers.get("Authorization", "")
        if re.match(r"(NTLM|Negotiate)\s", header) and "NTLM" in self.state.auth_schemes:
            return self._ntlm(header.split(None, 1)[1])
        m = re.match(r"Basic\s+(\S+)", header)
        if not m or "Basic" not in self.state.auth_schemes:
            return None
        try:
            # ISO-8859-1, as requests sends it and as IIS reads it on a Western code page
            user, _, password = base64.b64decode(m.group(1)).decode("latin-1").partition(":")
        except ValueError:
            return None
        ok = self.state.users.get(user) == password
        self.state.logins.append((user, ok))
        return user if ok else None

    def _autodiscover(self) -> None:
        st = self.state
        st.autodiscover_requests.append((self.path, "Authorization" in self.headers))
        if st.autodiscover is None:
            self._send(404, "<html><body>Not found</body></html>")
            return
        if self._login() in (None, ""):
            if self._login_was_ntlm_challenge():
                return
            self._unauthorized()
            return
        ad = st.autodiscover
        ns = ("http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/"
              "2006a")
        if "redirect_addr" in ad:
            account = (f"<Action>redirectAddr</Action><RedirectAddr>{ad['redirect_addr']}"
                       f"</RedirectAddr>")
        elif "redirect_url" in ad:
            account = f"<Action>redirectUrl</Action><RedirectUrl>{ad['redirect_url']}</RedirectUrl>"
        else:
            account = (f"<AccountType>email</AccountType><Action>settings</Action><Protocol>"
                       f"<Type>EXCH</Type><EwsUrl>{ad['ews_url']}</EwsUrl></Protocol>")
        body = (f'<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.'
                f'microsoft.com/exchange/autodiscover/responseschema/2006"><Response xmlns='
                f'"{ns}"><Account>{account}</Account></Response></Autodiscover>')
        self._send(200, body)

    def _login_was_ntlm_challenge(self) -> bool:
        return getattr(self, "_challenged", False) and self._ntlm_ctx is not None

    def _ntlm(self, token: str) -> str | None:
        """A real NTLM acceptor (pyspnego, with the users in NTLM_USER_FILE), kept per
        keep-alive connection as NTLM requires: negotiate -> 401 + challenge -> authenticate."""
        import spnego
        import spnego.exceptions

        ctx = getattr(self, "_ntlm_ctx", None)
        if ctx is None:
            ctx = self._ntlm_ctx = spnego.server(protocol="ntlm")
        try:
            out = ctx.step(base64.b64decode(token))
        except spnego.exceptions.SpnegoError:
            self._ntlm_ctx = None
            self.state.logins.append(("ntlm", False))
            return None
        if not ctx.complete:
            self.send_response(401)
            self.send_header("WWW-Authenticate", "NTLM " + base64.b64encode(out).decode())
            self.send_header("Content-Length", "0")
            self.end_headers()
            self._challenged = True
            return ""
        self._ntlm_ctx = None
        user = str(ctx.client_principal)
        self.state.logins.append((user, True))
        return user

    # -- operations -----------------------------------------------------------------------
    def _op_ConvertId(self, el, user) -> str:
        return _error_message("ConvertId", "ErrorInvalidIdMalformed", "Id is malformed.")

    def _op_GetFolder(self, el, user) -> str:
        mailbox = el.find(".//t:Mailbox/t:EmailAddress", NS)
        address = (mailbox.text if mailbox is not None else user).lower()
        if address not in self.state.mailboxes:
            return _error_message("GetFolder", "ErrorNonExistentMailbox",
                                  "The SMTP address has no mailbox associated with it.")
        folders = el.findall(".//t:DistinguishedFolderId", NS)
        items = "".join(
            f"<m:GetFolderResponseMessage ResponseClass=\"Success\"><m:ResponseCode>NoError"
            f"</m:ResponseCode><m:Folders><t:Folder><t:FolderId Id=\"{f.get('Id')}-id\" "
            f"ChangeKey=\"ck\"/><t:FolderClass>IPF.Note</t:FolderClass><t:DisplayName>"
            f"{f.get('Id')}</t:DisplayName></t:Folder></m:Folders>"
            f"</m:GetFolderResponseMessage>" for f in folders)
        return f"<m:GetFolderResponse><m:ResponseMessages>{items}</m:ResponseMessages>" \
               f"</m:GetFolderResponse>"

    def _op_CreateItem(self, el, user) -> str:
        disposition = el.get("MessageDisposition", "")
        for msg in el.findall(".//t:Message", NS):
            mime = msg.findtext("t:MimeContent", "", NS)
            if mime:  # the whole message as MIME (mailwizard send)
                from email import message_from_bytes, policy
                from email.utils import getaddresses

                m = message_from_bytes(base64.b64decode(mime), policy=policy.default)
                to = [a for _, a in getaddresses([str(v) for h in ("To", "Cc", "Bcc")
                                                  for v in m.get_all(h, [])])]
                self.state.sent.append(SentMessage(
                    to=to, subject=str(m["Subject"]), body=m.get_body(("plain",))
                    .get_content() if m.get_body(("plain",)) else "",
                    sender=str(m["From"]), disposition=disposition, user=user))
                continue
            to = [e.text for e in msg.findall("t:ToRecipients/t:Mailbox/t:EmailAddress", NS)]
            sender_el = msg.find("t:From/t:Mailbox/t:EmailAddress", NS)
            self.state.sent.append(SentMessage(
                to=to, subject=msg.findtext("t:Subject", "", NS),
                body=msg.findtext("t:Body", "", NS),
                sender=sender_el.text if sender_el is not None else "",
                disposition=disposition, user=user))
        return ("<m:CreateItemResponse><m:ResponseMessages><m:CreateItemResponseMessage "
                "ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode><m:Items/>"
                "</m:CreateItemResponseMessage></m:ResponseMessages></m:CreateItemResponse>")


class EwsServer:
    def __init__(self, cert_ctx: ssl.SSLContext | None, state: EwsState | None = None,
                 host: str = "127.0.0.1"):
        self.state = state or EwsState()
        self.httpd = http.server.ThreadingHTTPServer((host, 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.state = self.state  # type: ignore[attr-defined]
        if cert_ctx is not None:
            self.httpd.socket = cert_ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        scheme = "https" if cert_ctx is not None else "http"
        self.base = f"{scheme}://{'localhost' if host == '127.0.0.1' else host}:{self.port}"
        self.url = self.base + "/EWS/Exchange.asmx"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05})
        self._thread.start()

    def stop(self) -> None:
        self.state.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        time.sleep(0)
