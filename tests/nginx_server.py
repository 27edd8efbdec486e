"""A real web server for the tests: nginx from Debian (nginx-light), with a throw-away
configuration, on its own loopback address and port 443 with a trustme certificate for the
names it serves, files from a temporary folder, pid and logs there too; stopped (and the
folder removed) by stop().

nginx speaks HTTP/1.1 with keep-alive, answers static files with a Content-Length, and sends
its own redirects (`return 301 /path;`): the server most autoconfig hosts really run."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from dns_server import loopback_address


def nginx_exe() -> str:
    exe = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(exe):
        raise RuntimeError("nginx is not installed (Debian package nginx-light; "
                           "scripts/test.sh installs it)")
    return exe


class NginxServer:
    """`files`: {"NAME/path": bytes} served as https://NAME/path; `redirects`:
    {"NAME/path": (code, location)} answered by nginx's `return`. Every name gets its own
    `server` block (one address, one certificate for all names)."""

    def __init__(self, ca, names: list[str], files: dict[str, bytes],
                 redirects: dict[str, tuple[int, str]] | None = None,
                 address: str | None = None):
        self.address = address or loopback_address()
        self.names = names
        self._dir = Path(tempfile.mkdtemp(prefix="mailwizard-nginx-"))
        try:
            self._start(ca, names, files, redirects or {})
        except BaseException:
            shutil.rmtree(self._dir, ignore_errors=True)
            raise

    def _start(self, ca, names, files, redirects):
        d = self._dir
        cert = ca.issue_cert(*names)
        cert.private_key_pem.write_to_path(str(d / "key.pem"))
        cert.cert_chain_pems[0].write_to_path(str(d / "cert.pem"))
        for n in names:
            (d / "www" / n).mkdir(parents=True)
        for key, data in files.items():
            name, _, path = key.partition("/")
            target = d / "www" / name / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        servers = []
        for n in names:
            returns = "".join(
                f"        location = /{key.partition('/')[2]} {{ return {code} {loc}; }}\n"
                for key, (code, loc) in redirects.items() if key.partition("/")[0] == n)
            servers.append(f"""
    server {{
        listen {self.address}:443 ssl;
        server_name {n};
        ssl_certificate {d}/cert.pem;
        ssl_certificate_key {d}/key.pem;
        root {d}/www/{n};
        default_type text/xml;
{returns}    }}""")
        user = "user root;\n" if os.geteuid() == 0 else ""
        (d / "nginx.conf").write_text(f"""{user}worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/tmp-body;
    proxy_temp_path {d}/tmp-proxy;
    fastcgi_temp_path {d}/tmp-fastcgi;
    uwsgi_temp_path {d}/tmp-uwsgi;
    scgi_temp_path {d}/tmp-scgi;
    keepalive_timeout 30;
{''.join(servers)}
}}
""")
        self._proc = subprocess.Popen(
            [nginx_exe(), "-p", str(d), "-c", str(d / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_ready(ca)

    def _wait_ready(self, ca) -> None:
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace")
                log = self._dir / "error.log"
                raise RuntimeError("nginx did not start: " + err +
                                   (log.read_text() if log.exists() else ""))
            try:
                with socket.create_connection((self.address, 443), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError("nginx did not start listening within 10 s")

    @property
    def requests(self) -> list[str]:
        """The access log's request lines ("GET /path HTTP/1.1")."""
        log = self._dir / "access.log"
        if not log.exists():
            return []
        return [line.split('"')[1] for line in log.read_text().splitlines() if '"' in line]

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc.stderr.close()
        shutil.rmtree(self._dir, ignore_errors=True)

