"""The command line's face of discovery: `mailwizard discover ADDRESS`, and `--discover` for
validate/save (and `discover = true` in answer files): the best candidate fills the server
settings the user did not give. Kept apart from cli.py; it imports no DNS library until a
discovery runs."""

from __future__ import annotations

import argparse
import os
import sys
TYPE_CHECKING = False  # typing only for type checkers (start-up of every command)
if TYPE_CHECKING:
    from typing import Any

from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import _


def add_lookup_options(p: argparse.ArgumentParser, *, timeout: bool) -> None:
    g = p.add_argument_group(_("finding the settings from the address"))
    g.add_argument("--no-online", action="store_true",
                   help=_("do not ask the domain's autoconfig address or the ISPDB (they learn "
                        "the domain); DNS and probing remain"))
    g.add_argument("--dns-server", metavar="IP[:PORT]", default=None,
                   help=_("ask this DNS server (default: $MAILWIZARD_DNS_SERVER, else the "
                        "system's)"))
    g.add_argument("--ispdb-url", metavar="URL", default=None,
                   help=_("the ISPDB address (default: the site file's, $MAILWIZARD_ISPDB_URL, "
                        "else https://autoconfig.thunderbird.net/v1.1/)"))
    if timeout:
        g.add_argument("--timeout", type=float, default=None, metavar="S",
                       help=_("seconds for the whole search (default 8)"))
        g.add_argument("--cafile", help=_("PEM file with extra CA certificate(s), added to the "
                                        "system's, for HTTPS look-ups and probes"))


def add_discover_parser(sub, site_opt) -> None:
    d = sub.add_parser("discover", parents=[site_opt],
                       help=_("find the outgoing-mail settings from an email address"),
                       description=_("Find SMTP settings from the address alone: built-in "
                                   "presets, the domain's own autoconfig file, the ISPDB, the "
                                   "MX and SRV records, and probing smtp./mail./the domain on "
                                   "465/587/25 (never signing in). Prints the candidates, "
                                   "best first, with where each comes from. Exit code 29 "
                                   "when nothing is found."))
    d.add_argument("address", metavar="ADDRESS", help=_("the email address, e.g. "
                                                      "billing@crystalheights.com"))
    d.add_argument("--json", action="store_true", help=_("machine-readable result on stdout"))
    add_lookup_options(d, timeout=True)


def add_discover_flag(p: argparse.ArgumentParser) -> None:
    """For validate and save: --discover and what it needs."""
    g = p.add_argument_group(_("--discover: find the server from the --from address"))
    g.add_argument("--discover", action="store_true",
                   help=_("fill the server name, port and security from the best candidate "
                        "`mailwizard discover` finds (options given here still win)"))
    g.add_argument("--allow-outside-host", metavar="HOST", action="append", default=[],
                   help=_("agree to send the password to HOST, which discovery found but which "
                        "is outside the address's domain and not a known provider"))
    add_lookup_options(p, timeout=False)


def options_from(args, site=None, *, cafile: str = "", timeout: float | None = None):
    from mailwizard.core.discovery.run import DEFAULT_TIMEOUT, DiscoveryOptions
    from mailwizard.core.admin.discovery_site import site_discovery

    online, ispdb = site_discovery(site)
    # `apply` has none of these options: the site file and the environment decide there.
    return DiscoveryOptions(timeout=timeout or DEFAULT_TIMEOUT,
                            dns_server=getattr(args, "dns_server", None),
                            cafile=cafile or "",
                            online=online and not getattr(args, "no_online", False),
                            ispdb_url=getattr(args, "ispdb_url", None) or ispdb or None)


def _run(email: str, options, as_json: bool):
    from mailwizard.core.discovery.run import Discovery, DiscoveryError

    def shown(c, best) -> None:
        if not as_json and c is best:
            print(_("  … best so far ({ms} ms): {server} — {reason}").format(
                ms=f"{c.elapsed_ms:.0f}", server=c.server_text(), reason=c.reason),
                file=sys.stderr)

    try:
        finder = Discovery(email, options, on_candidate=shown)
    except DiscoveryError as exc:
        from mailwizard.cli.run import _Fail

        raise _Fail(ec.INVALID_SETTINGS, "address: " + str(exc)) from None
    try:
        return finder.run()
    except DiscoveryError as exc:  # no DNS at all
        from mailwizard.cli.run import _Fail

        raise _Fail(ec.NOTHING_FOUND, "discovery: " + str(exc)) from None
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        finder.cancel()
        raise


def _found_words(result) -> str:
    """What discovery found, in one sentence (the --json "message"; the text when nothing)."""
    if not result.candidates:
        if result.cancelled:
            return _("cancelled")
        return _("No settings could be found for {domain} within {seconds} s. Ask whoever "
                 "runs your email for the outgoing (SMTP) server name, port and security, or "
                 "pick your provider with `mailwizard providers`.").format(
            domain=result.domain, seconds=f"{result.elapsed_ms / 1000:.1f}")
    return _("Found settings for {domain}: {server} ({reason})").format(
        domain=result.domain, server=result.candidates[0].server_text(),
        reason=result.candidates[0].reason)


def cmd_discover(args) -> int:
    from mailwizard.cli.run import _site

    result = _run(args.address, options_from(args, _site(args), cafile=args.cafile or "",
                                              timeout=args.timeout), args.json)
    code = ec.OK if result.candidates else (ec.CANCELLED if result.cancelled
                                            else ec.NOTHING_FOUND)
    note = _note(result)
    if args.json:
        from mailwizard.cli.run import RUN
        from mailwizard.cli.support import emit_json

        emit_json({**result.to_dict(), "note": note}, command=RUN.command, code=code,
                  message=_found_words(result))
        return code
    if not result.candidates:
        print(_found_words(result))
    for i, c in enumerate(result.candidates, 1):
        flag = "  " + _("[needs your yes: outside your domain]") if c.needs_confirmation \
            else ""
        # Translators: one candidate of `mailwizard discover`: number, server, then where it
        # comes from, how sure it is (a number) and when it was found.
        print(_("{n}. {server}   ({source}, confidence {confidence}, found after {ms} ms)"
                ).format(n=i, server=c.server_text(), source=c.source,
                         confidence=c.confidence, ms=f"{c.elapsed_ms:.0f}") + flag)
        print(f"   {c.reason}")
        if c.username:
            print("   " + _("user name: {username}").format(username=c.username))
        for e in c.evidence:
            print(f"   - {e}")
    if note:
        print("\n" + _("Note: {note}").format(note=note))
    if result.exchange_hint:
        print("\n" + _("Note: {note}").format(note=result.exchange_hint))
    print("\n" + _searched_line(result))
    for s in result.steps:
        print(f"  {s.status:8} {s.name:11} {s.target:40} {s.ms:8.1f} ms  {s.detail[:100]}")
    return code


def _note(result) -> str:
    """Why the best settings found must not be used with a password, or ""."""
    if result.best is None:
        return ""
    from mailwizard.core.discovery.choice import sign_in_note
    from mailwizard.core.providers import load_catalogue

    return sign_in_note(result.best, load_catalogue())


def _searched_line(result) -> str:
    """How the search went, in one sentence."""
    parts = [_("Searched {ms} ms").format(ms=f"{result.elapsed_ms:.0f}")]
    if not result.online:
        parts[0] = _("Searched {ms} ms (online look-ups off)").format(
            ms=f"{result.elapsed_ms:.0f}")
    if result.first_answer_ms is not None:
        parts.append(_("first answer after {ms} ms").format(
            ms=f"{result.first_answer_ms:.0f}"))
    if result.timed_out:
        parts.append(_("stopped at the time limit"))
    return "; ".join(parts) + "."


#: Profile keys a discovered candidate fills (only where the user gave nothing).
_FILLS = ("host", "port", "security", "username", "provider")


def discovered_values(args, values: dict[str, Any], site=None, *, email: str = "",
                      allow_hosts=()) -> dict[str, Any]:
    """`values` with the server settings of the best discovered candidate added (keys the
    user or the file gave win). Exits 29 when nothing is found, 3 when the best candidate
    needs a yes that was not given."""
    from mailwizard.cli.run import _Fail

    email = email or values.get("from_address") or (site.defaults.get("from_address")
                                                    if site else "")
    if not email:
        raise _Fail(ec.INVALID_SETTINGS, _("--discover: give the address with --from"))
    result = _run(email, options_from(args, site, cafile=values.get("cafile", ""),
                                      timeout=None), getattr(args, "json", False))
    if not result.candidates:
        raise _Fail(ec.CANCELLED if result.cancelled else ec.NOTHING_FOUND,
                    _("--discover: no settings could be found for {domain}; give --host, "
                      "--port and --security (ask whoever runs your email)").format(
                        domain=result.domain))
    best = result.best
    note = _note(result)
    if note:  # OAuth only, or no encryption: no password goes there
        raise _Fail(ec.INVALID_SETTINGS, _("--discover: {note}").format(note=note))
    allowed = {h.lower() for h in (*getattr(args, "allow_outside_host", []), *allow_hosts)}
    if best.needs_confirmation and best.host.lower() not in allowed:
        raise _Fail(ec.INVALID_SETTINGS,
                    _("--discover: the best settings found send your password to {host}, "
                      "which is outside {domain} and not a provider mailwizard knows "
                      "({reason}). If whoever runs your email confirms it, add "
                      "--allow-outside-host {host}.").format(
                        host=best.host, domain=result.domain, reason=best.reason))
    if not getattr(args, "json", False):
        print(_("Discovered: {server} — {reason}").format(
            server=best.server_text(), reason=best.reason), file=sys.stderr)
    found = {"host": best.host, "port": best.port, "security": best.security.value,
             "username": best.username or email, "provider": best.provider_id or ""}
    if values.get("provider") or site is not None and site.provider:
        found.pop("provider")  # a chosen preset stays; discovery only fills its server
    out = dict(values)
    for key in _FILLS:
        if key in found and found[key] and key not in out:
            out[key] = found[key]
    out.setdefault("from_address", email)
    args._check_options = {"resolve": _resolver(args)}
    return out


def _resolver(args):
    """Checks after --discover resolve names with the same DNS server discovery asked, when
    one was named (closed networks, tests); otherwise the system's resolver as always."""
    server = getattr(args, "dns_server", None) or os.environ.get("MAILWIZARD_DNS_SERVER")
    if not server:
        return None
    from mailwizard.core.discovery.dns import resolver_for_checks

    return resolver_for_checks(server)
