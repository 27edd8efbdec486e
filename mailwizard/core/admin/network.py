"""Is this computer online? Asked only after a check failed before any server answered, to
tell "offline" from a real failure, and by the scheduled check while it waits for the network.

1. NetworkManager, where it runs: its `Connectivity` (else `State`) property over the system
   D-Bus — asked only when the name org.freedesktop.NetworkManager has an owner on the bus
   (nothing is started, no other service is woken up).
2. Otherwise the resolver: one DNS question (the server's own name) to the DNS server the
   check uses (MAILWIZARD_DNS_SERVER, else the system's). Any answer, even "no such name",
   means the network is there; no answer at all (time-out, unreachable, SERVFAIL) means it is
   not.

The clock (core/admin/clock.py) paces the waiting, so tests do not sleep for real.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

ONLINE, OFFLINE, UNKNOWN = "online", "offline", "unknown"

NM_NAME = "org.freedesktop.NetworkManager"
NM_PATH = "/org/freedesktop/NetworkManager"
#: NMConnectivityState: 1 none, 2 portal, 3 limited, 4 full (0 unknown)
_NM_CONNECTIVITY = {1: OFFLINE, 2: OFFLINE, 3: OFFLINE, 4: ONLINE}
#: NMState: 70 connected (global); 10 asleep, 20 disconnected, 30 disconnecting,
#: 40 connecting, 50 connected (local), 60 connected (site)
_NM_STATE = {70: ONLINE, 10: OFFLINE, 20: OFFLINE, 30: OFFLINE, 40: OFFLINE, 50: OFFLINE,
             60: OFFLINE}


def networkmanager_state(timeout: float = 2.0) -> str | None:
    """ONLINE/OFFLINE from NetworkManager; None when it is not on the system bus (or there is
    no system bus) or it cannot tell."""
    try:
        from jeepney import DBusAddress, Properties, message_bus
        from jeepney.io.blocking import open_dbus_connection
    except ImportError:  # pragma: no cover - jeepney is a dependency on Linux
        return None
    try:
        conn = open_dbus_connection(bus="SYSTEM")
    except Exception as exc:  # no system bus (a container, Windows, macOS)
        log.debug("no system bus: %s", exc)
        return None
    try:
        owned = conn.send_and_get_reply(message_bus.NameHasOwner(NM_NAME), timeout=timeout)
        if not owned.body or not owned.body[0]:
            return None
        nm = Properties(DBusAddress(NM_PATH, bus_name=NM_NAME, interface=NM_NAME))
        reply = conn.send_and_get_reply(nm.get("Connectivity"), timeout=timeout)
        value = int(reply.body[0][1]) if reply.body else 0
        if value in _NM_CONNECTIVITY:
            return _NM_CONNECTIVITY[value]
        reply = conn.send_and_get_reply(nm.get("State"), timeout=timeout)
        return _NM_STATE.get(int(reply.body[0][1]) if reply.body else 0)
    except Exception as exc:  # an answer we cannot read: fall back to the resolver
        log.debug("NetworkManager could not be asked: %s", exc)
        return None
    finally:
        conn.close()


def resolver_state(name: str, timeout: float = 3.0) -> str:
    """ONLINE when a DNS server answers anything about `name` (an address, or "no such
    name"), else OFFLINE. One question per server on a connected UDP socket, so an
    unreachable server is known at once (the ICMP answer), not after a time-out."""
    import socket

    import dns.exception
    import dns.message
    import dns.rcode

    from mailwizard.core.discovery.dns import ENV_DNS_SERVER, parse_server

    try:
        named = os.environ.get(ENV_DNS_SERVER)
        if named:
            servers = [parse_server(named)]
        else:
            import dns.resolver

            servers = [(ip, 53) for ip in dns.resolver.Resolver().nameservers]
        query = dns.message.make_query(name or ".", "A" if name else "NS")
    except Exception as exc:  # noqa: BLE001 - no resolver configured, a bad name
        log.debug("the resolver could not be asked: %s", exc)
        return OFFLINE
    wire = query.to_wire()
    for ip, port in servers:
        family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.settimeout(timeout)
                sock.connect((ip, port))
                sock.send(wire)
                reply = dns.message.from_wire(sock.recv(65535))
        except (OSError, ValueError, dns.exception.DNSException) as exc:
            log.debug("DNS server %s:%s gave no answer: %s", ip, port, exc)
            continue
        if reply.id == query.id and reply.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            return ONLINE
    return OFFLINE


def network_state(name: str = "", timeout: float = 3.0) -> tuple[str, str]:
    """(ONLINE or OFFLINE, how it was found: "NetworkManager" or "DNS")."""
    state = networkmanager_state()
    if state is not None:
        return state, "NetworkManager"
    return resolver_state(name, timeout), "DNS"
