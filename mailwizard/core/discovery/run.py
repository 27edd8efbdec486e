"""One discovery run: every source in parallel under one deadline, results streamed as they
come, cancellable from any thread (returns within a fraction of a second).

    d = Discovery("billing@crystalheights.com", DiscoveryOptions(timeout=8),
                  on_candidate=lambda c, best: ...)
    result = d.run()          # blocking: use a worker thread in a GUI
    d.cancel()                # from another thread

A built-in preset (gmail.com …), then Thunderbird's provider list kept in mailwizard
(snapshot.py), answer at once, without any network."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
TYPE_CHECKING = False  # typing only for type checkers (start-up of `discover`)
if TYPE_CHECKING:
    from typing import Any, Callable

from mailwizard.core.discovery import rank, sources
from mailwizard.core.discovery.candidate import PRESET, PROBE, Candidate, ProbeResult
from mailwizard.core.discovery.errors import StepFailed, Stopped
from mailwizard.core.email_address import check_email
from mailwizard.core.i18n import _
from mailwizard.core.profile_types import Security
from mailwizard.core.server_names import _LABEL, to_ascii_host

DEFAULT_TIMEOUT = 8.0
#: names from the MX hosts asked at the online ISPDB at most (Thunderbird asks one or two)
MAX_MX_LOOKUPS = 4


@dataclass
class DiscoveryOptions:
    timeout: float = DEFAULT_TIMEOUT   # the whole run
    dns_server: str | None = None      # IP[:PORT]; None: MAILWIZARD_DNS_SERVER, else system
    cafile: str = ""                   # added to the system CAs (HTTPS and probes)
    online: bool = True                # autoconfig and ISPDB (they send the domain out)
    ispdb_url: str | None = None       # None: MAILWIZARD_ISPDB_URL, else Thunderbird's
    probe: bool = True
    step_timeout: float = 4.0          # each HTTPS request / DNS query
    probe_timeout: float = 3.0         # each socket operation of a probe
    stagger: float = 0.05              # the most a guessed probe waits for the one before


@dataclass
class StepRecord:
    name: str        # "mx", "srv", "autoconfig", "ispdb", "probe"
    target: str
    status: str      # "found", "nothing", "failed", "stopped"
    ms: float            # its own work (after its start was staggered)
    detail: str = ""
    started_ms: float = 0.0  # when its work began, from the start of the run

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.name, "target": self.target, "status": self.status,
                "ms": round(self.ms, 1), "started_ms": round(self.started_ms, 1),
                "detail": self.detail}


@dataclass
class DiscoveryResult:
    email: str
    domain: str
    candidates: list[Candidate] = field(default_factory=list)  # ranked, best first
    steps: list[StepRecord] = field(default_factory=list)
    elapsed_ms: float = 0.0
    first_answer_ms: float | None = None
    cancelled: bool = False
    timed_out: bool = False
    online: bool = True
    #: words when a server looks like an organisation's own Exchange: the Exchange (EWS)
    #: service with Autodiscover is then worth offering too
    exchange_hint: str = ""

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def slowest_step_ms(self) -> float:
        """The longest single step the run waited for (the floor for its wall time)."""
        return max((s.ms for s in self.steps), default=0.0)

    def to_dict(self) -> dict[str, Any]:
        return {"email": self.email, "domain": self.domain, "online": self.online,
                "candidates": [c.to_dict() for c in self.candidates],
                "steps": [s.to_dict() for s in self.steps],
                "elapsed_ms": round(self.elapsed_ms, 1),
                "first_answer_ms": None if self.first_answer_ms is None
                else round(self.first_answer_ms, 1),
                "cancelled": self.cancelled, "timed_out": self.timed_out,
                "exchange_hint": self.exchange_hint}


class DiscoveryError(ValueError):
    """The address cannot be looked up (not an address, or no DNS at all)."""


def domain_of(email: str) -> tuple[str, str]:
    value, err = check_email(email, "email")
    if err:
        raise DiscoveryError(err.message)
    domain = value.rpartition("@")[2].rstrip(".")
    if domain.isascii() and all(_LABEL.match(label) for label in domain.split(".")):
        return value, domain.lower()  # already ASCII: the IDNA tables need not be loaded
    return value, to_ascii_host(domain).lower()


class Discovery:
    def __init__(self, email: str, options: DiscoveryOptions | None = None, *,
                 on_candidate: Callable[[Candidate, Candidate], None] | None = None,
                 on_step: Callable[[StepRecord], None] | None = None):
        self.email, self.domain = domain_of(email)
        self.options = options or DiscoveryOptions()
        self._on_candidate, self._on_step = on_candidate, on_step
        self._cancel = threading.Event()
        self._switch: Switch | None = None
        self._events: queue.Queue = queue.Queue()

    def cancel(self) -> None:
        self._cancel.set()
        self._events.put(("wake", None))
        if self._switch is not None:
            self._switch.stop()

    # -- the run ------------------------------------------------------------------------
    def run(self) -> DiscoveryResult:
        t0 = time.monotonic()
        self._t0 = t0
        r = self.result = DiscoveryResult(self.email, self.domain, online=self.options.online)
        self._found: list[Candidate] = []
        for c in sources.from_preset(self.email, self.domain):
            self._add(c)
        if not self._found:  # Thunderbird's provider list, kept in mailwizard
            for c in sources.from_snapshot(self.email, self.domain):
                self._add(c)
        o = self.options
        # A provider without encryption in the list: try encryption on its server first.
        plain = [c for c in self._found if c.security is Security.NONE] \
            if self._found and o.probe and rank.ranked(self._found)[0].security is \
            Security.NONE else []
        if (self._found and not plain) or self._cancel.is_set():
            # a known provider: no network at all
            r.cancelled = self._cancel.is_set()
            return self._finish()
        known = bool(self._found)

        from mailwizard.core.discovery.dns import Dns, DnsUnavailable
        from mailwizard.core.discovery.net import Switch

        deadline = t0 + o.timeout
        self._switch = switch = Switch(deadline)
        if self._cancel.is_set():
            switch.stop()
        try:
            self._dns = Dns(o.dns_server, timeout=o.step_timeout, deadline=deadline)
        except (DnsUnavailable, ValueError) as exc:
            raise DiscoveryError(str(exc)) from None
        self._ctx_lock = threading.Lock()
        self._ctx = None  # built by the first step that needs it: loading the CAs takes time
        self._pending = 0
        self._probed: set[tuple[str, int]] = set()

        d = self.domain
        if known:  # only the encryption probes of the listed server
            for c in plain:
                for port, security in ((c.port, Security.STARTTLS), (465, Security.TLS),
                                       (587, Security.STARTTLS)):
                    self._probe(c.host, port, security)
        else:
            self._spawn_sources(d)

        while self._pending:
            left = deadline - time.monotonic()
            if self._cancel.is_set() or left <= 0:
                break
            try:
                kind, payload = self._events.get(timeout=left)
            except queue.Empty:
                break
            self._handle(kind, payload)
        switch.stop()
        r.cancelled = self._cancel.is_set()
        r.timed_out = not r.cancelled and self._pending > 0
        # Steps still running when the run ended count as stopped at the deadline.
        return self._finish()

    def _spawn_sources(self, d: str) -> None:
        """Every source at once (a domain neither a preset nor the list knows)."""
        o = self.options
        self._spawn("mx", d, self._mx, kind="mx")
        self._spawn("srv", "_submissions._tcp." + d, lambda: self._srv(True))
        self._spawn("srv", "_submission._tcp." + d, lambda: self._srv(False))
        if o.online:
            self._spawn("autoconfig", d, lambda: sources.own_autoconfig(
                self.email, d, **self._net()))
            self._spawn("ispdb", d, lambda: sources.ispdb(self.email, d, d, o.ispdb_url,
                                                          **self._net()))
        if o.probe:
            # Likely ports first; each guessed probe starts when the one before it has
            # finished, or after `stagger` at the latest (never a burst of 9 connections).
            before = None
            for port, security in rank_guess_ports():
                for host in (f"smtp.{d}", f"mail.{d}", d):
                    before = self._probe(host, port, security, after=before)


    def _net(self) -> dict[str, Any]:
        from mailwizard.core.discovery.net import tls_context

        with self._ctx_lock:
            if self._ctx is None:
                self._ctx = tls_context(self.options.cafile)
        return dict(dns=self._dns, switch=self._switch, ctx=self._ctx,
                    timeout=self.options.step_timeout)

    def _finish(self) -> DiscoveryResult:
        r = self.result
        r.candidates = rank.ranked(self._found)
        r.elapsed_ms = (time.monotonic() - self._t0) * 1000
        return r

    # -- events (on the run's own thread: callbacks come from here only) ----------------
    def _handle(self, kind: str, payload) -> None:
        if kind == "wake":
            return
        self._pending -= 1
        step, found = payload
        self.result.steps.append(step)
        if self._on_step:
            self._on_step(step)
        if kind == "probe":
            p: ProbeResult = found
            if p.exchange and not self.result.exchange_hint:
                self.result.exchange_hint = _(
                    "{host} looks like an Exchange server run by your organisation: you can "
                    "also choose Microsoft Exchange (EWS) and let Autodiscover find its "
                    "address.").format(host=p.host)
            for c in self._found:
                rank.apply_probe(c, p)
            c = sources.from_probe(p, self.domain)
            if c is not None:
                self._add(c)
            elif self._found and self._on_candidate:  # a confirmation changes the order
                best = rank.ranked(self._found)[0]
                self._on_candidate(best, best)
            return
        if kind == "mx_hosts":  # names from the MX hosts the kept list lacks: ask online
            if self.options.online:
                for name in found[:MAX_MX_LOOKUPS]:
                    self._spawn("ispdb", name, lambda name=name: sources.ispdb(
                        self.email, self.domain, name, self.options.ispdb_url, via_mx=name,
                        **self._net()))
            return
        for c in found or ():
            self._add(c)

    def _add(self, c: Candidate) -> None:
        c.elapsed_ms = (time.monotonic() - self._t0) * 1000
        if self.result.first_answer_ms is None:
            self.result.first_answer_ms = c.elapsed_ms
        kept = rank.merge(self._found, c)
        if c.source not in (PRESET, PROBE) and self.options.probe and self._switch:
            if c.security is Security.NONE:  # listed without encryption: try it first
                self._probe(c.host, c.port, Security.STARTTLS)
                self._probe(c.host, 465, Security.TLS)
            else:
                self._probe(c.host, c.port, c.security)  # confirm (or contradict) it
        for p in self._probes_done.get((kept.host.lower(), kept.port), ()):
            rank.apply_probe(kept, p)
        if self._on_candidate:
            self._on_candidate(kept, rank.ranked(self._found)[0])

    @property
    def _probes_done(self) -> dict[tuple[str, int], list[ProbeResult]]:
        done: dict[tuple[str, int], list[ProbeResult]] = {}
        for s in self.result.steps:
            p = getattr(s, "_probe", None)
            if p is not None:
                done.setdefault((p.host.lower(), p.port), []).append(p)
        return done

    # -- workers ------------------------------------------------------------------------
    def _spawn(self, name: str, target: str, work: Callable[[], Any], kind: str = "found",
               after: threading.Event | None = None) -> threading.Event:
        self._pending += 2 if kind == "mx" else 1  # the MX step reports twice
        switch = self._switch
        done = threading.Event()

        def run() -> None:
            t = time.monotonic()
            status, detail, found = "nothing", "", None
            try:
                if after is not None and not after.is_set():
                    after.wait(self.options.stagger)
                if switch.stopped:
                    raise Stopped()
                t = time.monotonic()
                found = work()
                if kind == "probe":
                    status = "found" if found.ok else (
                        "stopped" if found.failure.startswith("stopped") else "failed")
                    detail = found.summary()
                elif kind == "mx":
                    status = "found" if found[0] else "nothing"
                    detail = ", ".join(found[0])
                elif found:
                    status = "found"
            except Stopped:
                status, detail = "stopped", "cancelled or out of time"
            except StepFailed as exc:
                status, detail = "failed", str(exc)
            except Exception as exc:  # a step must never take the run down
                from mailwizard.core.discovery.net import said
                status, detail = "failed", said(exc)
            done.set()
            step = StepRecord(name, target, status, (time.monotonic() - t) * 1000, detail,
                              (t - self._t0) * 1000)
            if kind == "probe" and found is not None:
                step._probe = found  # type: ignore[attr-defined]
            if kind == "mx":
                hosts, cands, ask = found or ([], [], [])
                self._events.put(("mx_hosts", (step, ask)))
                self._pending_add_mx(step, cands)
                return
            self._events.put((kind, (step, found)))

        threading.Thread(target=run, name=f"mailwizard-discovery-{name}", daemon=True).start()
        return done

    def _pending_add_mx(self, step: StepRecord, cands: list[Candidate]) -> None:
        # The MX step reports twice (its hosts, then its candidates): count the second.
        self._events.put(("found", (StepRecord("mx-provider", step.target, "found" if cands
                                               else "nothing", 0.0,
                                               cands[0].evidence[0] if cands else ""),
                                    cands)))

    def _mx(self):
        from mailwizard.core.discovery.dns import DnsUnavailable

        try:
            hosts = [m.host for m in self._dns.mx(self.domain)]
        except DnsUnavailable as exc:
            raise StepFailed(str(exc)) from None
        found = sources.from_mx(self.email, self.domain, hosts)
        if found or not hosts:  # a provider of the presets: its facts stand
            return hosts, found, []
        # As Thunderbird: the MX host without its first label, then its registrable
        # domain, in the kept list first; what it lacks is asked online (the run decides).
        names = sources.mx_lookup_names(hosts, self.domain)
        for name in names:
            found = sources.from_snapshot(self.email, self.domain, name, via_mx=name)
            if found:
                return hosts, found, []
        return hosts, [], names

    def _srv(self, secure: bool):
        from mailwizard.core.discovery.dns import DnsUnavailable

        name = ("_submissions._tcp." if secure else "_submission._tcp.") + self.domain
        try:
            return sources.from_srv(self.domain, self._dns.srv(name), secure)
        except DnsUnavailable as exc:
            raise StepFailed(str(exc)) from None

    def _probe(self, host: str, port: int, security: Security,
               after: threading.Event | None = None) -> threading.Event | None:
        key = (host.lower(), port)
        if key in self._probed or security is Security.NONE:
            return after
        self._probed.add(key)
        from mailwizard.core.discovery.probe import probe

        o = self.options
        return self._spawn("probe", f"{host}:{port}", lambda: probe(
            host, port, security, dns=self._dns, switch=self._switch, ctx=lambda: self._net()["ctx"],
            timeout=o.probe_timeout), kind="probe", after=after)


def rank_guess_ports():
    from mailwizard.core.discovery.probe import GUESS_PORTS

    return GUESS_PORTS

