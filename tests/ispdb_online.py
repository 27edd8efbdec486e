"""Thunderbird's provider list (../shared/ispdb, or MAILWIZARD_ISPDB_DIR) served on loopback
as the ONLINE ISPDB, exactly as published (`https://ispdb.test/v1.1/DOMAIN` answers the
provider's file), by Python's http.server (HTTP/1.0, the connection closed after each
answer; or keep-alive HTTP/1.1; or as `python -m http.server` runs it) or a real nginx, with
the names in a real dnsmasq; then discovery is run in-process for every provider domain and
the answers counted.

    .venv/bin/python tests/ispdb_online.py [--protocol SERVER] [--limit N]

SERVER: HTTP/1.0 (default), HTTP/1.1 (keep-alive), python-m-http.server, nginx. Prints JSON
counts (needs root: port 443, dnsmasq, nginx). The test suite uses `provider_files` for one
domain of every provider file (tests/core/discovery/test_fetch.py)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ISPDB_HOST = "ispdb.test"
ISPDB_URL = f"https://{ISPDB_HOST}/v1.1/"


def ispdb_dir() -> Path:
    env = os.environ.get("MAILWIZARD_ISPDB_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "ispdb"
        if candidate.is_dir():
            return candidate
    raise RuntimeError("Thunderbird's ISPDB snapshot was not found (../shared/ispdb beside the "
                       "project, or MAILWIZARD_ISPDB_DIR)")


@dataclass
class ProviderFile:
    name: str
    data: bytes
    domains: list[str]
    smtp_host: str  # the first outgoing SMTP server, placeholders as written

    def first_smtp_host(self, domain: str) -> str:
        return self.smtp_host.replace("%EMAILDOMAIN%", domain).lower()


def provider_files() -> list[ProviderFile]:
    out = []
    for path in sorted(ispdb_dir().glob("*.xml")):
        data = path.read_bytes()
        root = ET.fromstring(data)
        prov = root.find("emailProvider")
        if prov is None:
            continue
        domains = [d.text.strip().lower() for d in prov.findall("domain") if d.text]
        smtp = next((s for s in prov.findall("outgoingServer")
                     if s.get("type") == "smtp"), None)
        if smtp is None or not domains:
            continue
        out.append(ProviderFile(path.name, data, domains,
                                (smtp.findtext("hostname") or "").strip()))
    return out


def serve(world, files: list[ProviderFile], protocol: str):
    """The online ISPDB on `world` (a discovery_world.World): every domain of `files`."""
    from discovery_world import body

    routes = {}
    for f in files:
        for d in f.domains:
            routes.setdefault(f"{ISPDB_HOST}/v1.1/{d}", body(f.data))
    return world.web([ISPDB_HOST], routes, protocol=protocol)


SERVERS = ("HTTP/1.0", "HTTP/1.1", "python-m-http.server", "nginx")


def measure(protocol: str = "HTTP/1.0", limit: int | None = None) -> dict:
    """`protocol`: one of SERVERS (http.server speaking HTTP/1.0 or keep-alive HTTP/1.1,
    SimpleHTTPRequestHandler as `python -m http.server` runs it, a real nginx)."""
    import trustme
    from discovery_world import World

    from mailwizard.core.discovery import sources
    from mailwizard.core.discovery.run import Discovery, DiscoveryOptions

    files = provider_files()
    ca = trustme.CA()
    world = World(ca)
    counts: Counter = Counter()
    details: Counter = Counter()
    other: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        ca_file = os.path.join(tmp, "ca.pem")
        ca.cert_pem.write_to_path(ca_file)
        try:
            if protocol == "nginx":
                from nginx_server import NginxServer
                srv = NginxServer(ca, [ISPDB_HOST], {
                    f"{ISPDB_HOST}/v1.1/{d}": f.data for f in files for d in f.domains})
                world.https.append(srv)
                world.zone.a[ISPDB_HOST] = srv.address
            elif protocol == "python-m-http.server":
                world.static_web([ISPDB_HOST], {
                    f"v1.1/{d}": f.data for f in files for d in f.domains})
            else:
                serve(world, files, protocol)
            dns = world.start()
            pairs = [(f, d) for f in files for d in f.domains]
            seen: set[str] = set()
            for f, d in pairs[:limit]:
                if d in seen:
                    continue
                seen.add(d)
                counts["domains"] += 1
                preset = bool(sources.from_preset(f"someone@{d}", d))
                r = Discovery(f"someone@{d}", DiscoveryOptions(
                    dns_server=dns, cafile=ca_file, ispdb_url=ISPDB_URL, timeout=6.0,
                    step_timeout=3.0, probe=False)).run()
                if r.best is None:
                    counts["nothing found"] += 1
                    step = next((s for s in r.steps if s.name == "ispdb"), None)
                    if step is not None:
                        details[step.detail.rpartition(": ")[2][:80]] += 1
                    continue
                right = r.best.host.lower() == f.first_smtp_host(d)
                counts["preset" if preset else "online ISPDB"] += 1
                counts["right server" if right else "another server"] += 1
                if not right:
                    other.append(f"{d}: {r.best.host} ({r.best.source}), the file says "
                                 f"{f.first_smtp_host(d)}")
        finally:
            world.stop()
    return {"protocol": protocol, **counts,
            "why nothing was found (ISPDB step)": dict(details.most_common(5)),
            "which got another server": other}


def main(argv: list[str]) -> int:
    protocol, limit = "HTTP/1.0", None
    it = iter(argv)
    for a in it:
        if a == "--protocol":
            protocol = next(it)
        elif a == "--limit":
            limit = int(next(it))
        else:
            print(__doc__)
            return 2
    here = Path(__file__).resolve().parent
    sys.path[:0] = [str(here)]
    print(json.dumps(measure(protocol, limit), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
