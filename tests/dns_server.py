"""A real DNS server for the tests: dnsmasq from Debian, on its own loopback address and port,
answering only the records a test gives it (NXDOMAIN for everything else, never forwarding).

Each server takes a fresh address in 127.0.0.0/8 (see `loopback_address`), so tests that run at
the same time on one machine, and the SMTP/HTTPS servers a zone names, never collide."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

_counter = itertools.count(1)


def loopback_address() -> str:
    """A loopback address no other test process is using now: 127.A.B.C with A from the pid
    (so parallel runs differ) and B.C counting up, checked by binding."""
    a = 64 + os.getpid() % 128
    while True:
        n = next(_counter)
        addr = f"127.{a}.{(n >> 8) & 255}.{n & 255 or 1}"
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind((addr, 0))
            return addr
        except OSError:
            continue


def free_port_on(addr: str) -> int:
    """A port free for both TCP and UDP on `addr` (dnsmasq listens on both)."""
    while True:
        with socket.socket() as t:
            t.bind((addr, 0))
            port = t.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind((addr, port))
                return port
            except OSError:
                continue


@dataclass
class Zone:
    """Records in dnsmasq's own words. Names are exact (host-record, not address=/…/, which
    would also answer every name below)."""

    a: dict[str, str] = field(default_factory=dict)            # name -> IPv4
    mx: list[tuple[str, str, int]] = field(default_factory=list)  # (domain, host, preference)
    srv: list[tuple[str, str, int, int, int]] = field(default_factory=list)  # (name, target, port, prio, weight)
    txt: list[tuple[str, str]] = field(default_factory=list)   # (name, text); long texts are split
    cname: dict[str, str] = field(default_factory=dict)        # alias -> target

    def lines(self) -> list[str]:
        out = [f"host-record={name},{ip}" for name, ip in self.a.items()]
        out += [f"mx-host={d},{h},{p}" for d, h, p in self.mx]
        out += [f"srv-host={n},{t},{port},{prio},{w}" for n, t, port, prio, w in self.srv]
        for name, text in self.txt:
            # dnsmasq takes several quoted strings for one record; 255 bytes at most each.
            parts = [text[i:i + 250] for i in range(0, len(text), 250)] or [""]
            quoted = ",".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in parts)
            out.append(f"txt-record={name},{quoted}")
        out += [f"cname={alias},{target}" for alias, target in self.cname.items()]
        return out


class DnsServer:
    def __init__(self, zone: Zone, address: str | None = None):
        exe = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
        if not os.path.exists(exe):
            raise RuntimeError("dnsmasq is not installed (Debian package dnsmasq-base)")
        self.address = address or loopback_address()
        self.port = free_port_on(self.address)
        self._dir = Path(tempfile.mkdtemp(prefix="mailwizard-dns-"))
        conf = self._dir / "dnsmasq.conf"
        conf.write_text("\n".join([
            "no-resolv", "no-hosts", "no-poll", "bind-interfaces",
            f"listen-address={self.address}", f"port={self.port}",
            "local=/#/",        # answer only from this file; NXDOMAIN for the rest
            "cache-size=0", "log-facility=-",
            *zone.lines(),
        ]) + "\n")
        user = ["--user=root"] if os.geteuid() == 0 else []
        self._proc = subprocess.Popen([exe, "--keep-in-foreground", f"--conf-file={conf}", *user],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_ready()

    @property
    def spec(self) -> str:
        """The value for --dns-server / MAILWIZARD_DNS_SERVER."""
        return f"{self.address}:{self.port}"

    def _wait_ready(self) -> None:
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if self._proc.poll() is not None:
                raise RuntimeError("dnsmasq did not start: " + self._proc.stderr.read().decode())
            try:
                with socket.create_connection((self.address, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError("dnsmasq did not start listening within 10 s")

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stderr:
            self._proc.stderr.close()
        shutil.rmtree(self._dir, ignore_errors=True)
