"""The order in which discovery's candidates are offered (documented in README, tested in
tests/core/discovery/test_discovery_rank.py).

1. By source: a built-in preset for the address's own domain (gmail.com …) > the domain's own
   autoconfig file > the ISPDB > a provider known from the MX hosts > SRV records > probing.
2. Within a source: ports 465/587 before other ports, port 25 last; encryption before none.
   Equal scores keep the source's own order (a provider file lists its preferred server
   first).
3. Among probes: a valid certificate first, then sign-in (AUTH) offered.
4. A probe of the same host and port that works with a valid certificate confirms a
   candidate (+30, confidence "high"); one that answers differently (refused, certificate
   not trusted, no encryption) contradicts it (-350: a contradicted claim falls below a
   working probe with a valid certificate, and the contradiction is shown). A probe that
   could not reach the host (DNS, time-out) changes nothing.
5. Several sources naming the same settings are merged into the strongest one (+10 for
   each other source that is not a probe).
"""

from __future__ import annotations

from mailwizard.core.discovery.candidate import (AUTOCONFIG, ISPDB, MX, PRESET, PROBE, SRV,
                                                 Candidate, ProbeResult)
from mailwizard.core.profile_types import Security

SOURCE_SCORE = {PRESET: 600, AUTOCONFIG: 500, ISPDB: 400, MX: 300, SRV: 200, PROBE: 100}
CONFIRMED, CONTRADICTED, AGREEING = 30, -350, 10


def port_score(port: int, security: Security) -> int:
    s = 20 if port in (465, 587) else 0 if port == 25 else 10
    return s - (60 if security is Security.NONE else 0)


def score(c: Candidate) -> int:
    agreeing = [s for s in c.also_from if s != PROBE]  # a probe speaks through `confirmed`
    s = SOURCE_SCORE[c.source] + port_score(c.port, c.security) + AGREEING * len(agreeing)
    if c.source == PROBE and c.probe is not None:
        s += (40 if c.probe.cert_verified else 0) + (20 if c.probe.auth_mechanisms else 0)
    elif c.confirmed is True:
        s += CONFIRMED
    elif c.confirmed is False:
        s += CONTRADICTED
    return s


def apply_probe(c: Candidate, p: ProbeResult) -> None:
    """What a probe of the candidate's own host and port says about it."""
    if c.source == PROBE or (p.host.lower(), p.port) != (c.host.lower(), c.port):
        return
    if p.ok and p.cert_verified and p.security is c.security:
        c.confirmed = True
        c.evidence.append(f"confirmed by a probe: {p.summary()}")
    elif p.contradicts or (p.ok and p.security is not c.security):
        c.confirmed = False
        c.evidence.append(f"contradicted by a probe: {p.summary()}")
    c.probe = p


def merge(candidates: list[Candidate], new: Candidate) -> Candidate:
    """Add `new`, or fold it into an existing candidate with the same settings; returns the
    one that stays."""
    for c in candidates:
        if c.key == new.key:
            strong, weak = (c, new) if SOURCE_SCORE[c.source] >= SOURCE_SCORE[new.source] \
                else (new, c)
            if strong is new:
                candidates[candidates.index(c)] = new
                new.also_from = c.also_from + [c.source]
                new.confirmed = new.confirmed if new.confirmed is not None else c.confirmed
                new.probe = new.probe or c.probe
                new.evidence += [e for e in c.evidence if e not in new.evidence]
                new.elapsed_ms = min(new.elapsed_ms, c.elapsed_ms)
            elif weak.source not in strong.also_from and weak.source != strong.source:
                strong.also_from.append(weak.source)
                strong.evidence += [e for e in weak.evidence if e not in strong.evidence]
            return strong
    candidates.append(new)
    return new


def ranked(candidates: list[Candidate]) -> list[Candidate]:
    for c in candidates:
        c.score = score(c)
    return sorted(candidates, key=lambda c: (-c.score, c.preference, c.elapsed_ms, c.host,
                                             c.port))
