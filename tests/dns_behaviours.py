"""A small scripted DNS server for what dnsmasq will not do on request: SERVFAIL for a name, a
truncated UDP answer (TC bit) that the client must fetch again over TCP, CNAME chains, several
A records in a fixed order (a dead one first), AAAA records. UDP and TCP on one loopback
address and port of its own (tests/dns_server.py's `loopback_address`); dnspython builds and
reads the messages. Records every query as (protocol, name, type)."""

from __future__ import annotations

import socket
import struct
import threading

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
from dns_server import free_port_on, loopback_address


class ScriptedDns:
    """records: name -> [(type, text)], e.g. {"mx.example": [("A", "127.0.0.5")],
    "alias.example": [("CNAME", "mx.example.")]}; servfail: names answered SERVFAIL;
    truncate: names whose UDP answer is cut (TC) and only complete over TCP."""

    def __init__(self, records: dict[str, list[tuple[str, str]]], *,
                 servfail: set[str] = frozenset(), truncate: set[str] = frozenset(),
                 udp_delay: float = 0.0):
        #: seconds before each UDP answer (a slow server: answers a patient client only)
        self.udp_delay = udp_delay
        self.records = {k.lower().rstrip("."): v for k, v in records.items()}
        self.servfail, self.truncate = set(servfail), set(truncate)
        self.queries: list[tuple[str, str, str]] = []
        self.address = loopback_address()
        self.port = free_port_on(self.address)
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind((self.address, self.port))
        self._tcp = socket.socket()
        self._tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._tcp.bind((self.address, self.port))
        self._tcp.listen(8)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._serve_udp, daemon=True),
                         threading.Thread(target=self._serve_tcp, daemon=True)]
        for t in self._threads:
            t.start()

    @property
    def spec(self) -> str:
        return f"{self.address}:{self.port}"

    def __enter__(self) -> ScriptedDns:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._udp.close()
        self._tcp.close()
        for t in self._threads:
            t.join(2)

    # -- answering ------------------------------------------------------------------------------
    def answer(self, wire: bytes, protocol: str) -> bytes:
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        self.queries.append((protocol, name, rdtype))
        if name in self.servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response.to_wire()
        if name not in self.records:
            response.set_rcode(dns.rcode.NXDOMAIN)
            return response.to_wire()
        current, seen = name, set()
        while True:  # follow CNAMEs inside the zone, each link in the answer
            entries = self.records.get(current, [])
            cname = next((text for t, text in entries if t == "CNAME"), None)
            if cname is None or rdtype == "CNAME" or current in seen:
                break
            seen.add(current)
            response.answer.append(dns.rrset.from_text(current + ".", 60, "IN", "CNAME", cname))
            current = cname.lower().rstrip(".")
        texts = [text for t, text in self.records.get(current, []) if t == rdtype]
        if texts:
            response.answer.append(dns.rrset.from_text_list(current + ".", 60, "IN", rdtype,
                                                            texts))
        if name in self.truncate and protocol == "udp":
            response.answer = []
            response.flags |= dns.flags.TC
        # In the order given: dnspython shuffles a record set's records by default (round
        # robin), and a test of "the first address is dead" needs it first.
        return response.to_wire(want_shuffle=False)

    def _serve_udp(self) -> None:
        while not self._stop.is_set():
            try:
                wire, peer = self._udp.recvfrom(4096)
                if self.udp_delay:  # answered later, on a timer: the next query is read now
                    threading.Timer(self.udp_delay, self._send_late, (wire, peer)).start()
                    continue
                self._udp.sendto(self.answer(wire, "udp"), peer)
            except OSError:
                return
            except Exception:  # a message it cannot read: no answer, like a real server
                continue

    def _send_late(self, wire: bytes, peer) -> None:
        if not self._stop.is_set():
            try:
                self._udp.sendto(self.answer(wire, "udp"), peer)
            except OSError:
                pass

    def _serve_tcp(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._tcp.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.settimeout(5)
                    size = struct.unpack("!H", _read(conn, 2))[0]
                    out = self.answer(_read(conn, size), "tcp")
                    conn.sendall(struct.pack("!H", len(out)) + out)
                except (OSError, ValueError, struct.error):
                    continue


def _read(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ValueError("short read")
        data += chunk
    return data


class DeadAddress:
    """An address that takes no connections and refuses none: a listener with a full backlog
    of one, so further SYNs are dropped (as a powered-off host or a firewall that drops)."""

    def __init__(self, address: str, port: int):
        self._sock = socket.socket()
        self._sock.bind((address, port))
        self._sock.listen(0)
        self._filler = socket.create_connection((address, port), timeout=2)

    def close(self) -> None:
        self._filler.close()
        self._sock.close()
