"""`mailwizard deliverability`, and the deliverability section of `check` and `report`: kept
apart from cli.py so that the command's options and wording live in one place.

Exit codes: 0 all in order, 40 a DNS record is needed, 41 mail from this address will be
rejected, 20 the DNS server could not be asked, 3 bad options."""

from __future__ import annotations

import sys
from pathlib import Path
TYPE_CHECKING = False  # typing only for type checkers (start-up of every command)
if TYPE_CHECKING:
    from typing import Any

from mailwizard.core import exitcodes as ec
from mailwizard.core.i18n import _

def add_parser(sub, site_opt) -> None:
    d = sub.add_parser(
        "deliverability", parents=[site_opt],
        help=_("will mail from this address reach inboxes? (SPF, DKIM, DMARC of the From "
             "domain for the sending service)"),
        description=_("Check the From domain's SPF, DKIM and DMARC records against the sending "
                    "service and the sender rules of Gmail, Yahoo and Outlook.com, and name "
                    "the exact DNS record to add or change. Exit 0: all in order; 40: a DNS "
                    "record is needed; 41: mail from this address will be rejected; 20: the "
                    "DNS server could not be asked."))
    d.add_argument("--config", type=Path, help=_("use the saved settings (From address and "
                                               "service) of this settings file"))
    d.add_argument("--from", dest="from_address", metavar="ADDRESS",
                   help=_("the From address (instead of --config)"))
    d.add_argument("--provider", metavar="ID", help=_("the sending service's preset (see "
                                                    "`mailwizard providers`)"))
    d.add_argument("--host", metavar="HOST", help=_("the SMTP server, when not a preset "
                                                  "(e.g. smtp-relay.brevo.com)"))
    d.add_argument("--recipients-per-day", type=int, metavar="N", default=None,
                   help=_("about how many people you email a day (above 5,000 the bulk-sender "
                        "rules apply; default: the site file's figure, else 0)"))
    d.add_argument("--dns-server", metavar="IP[:PORT]",
                   help=_("ask this DNS server (default: $MAILWIZARD_DNS_SERVER, else the "
                        "system's)"))
    d.add_argument("--details", action="store_true", help=_("also show the records read"))
    d.add_argument("--json", action="store_true", help=_("machine-readable report on stdout"))


def run(args, *, saved, site, fail) -> int:
    """The command. `saved`, `site` and `fail` are cli.py's helpers (settings file, site file,
    the error that becomes an exit code)."""
    if args.from_address and args.config:
        raise fail(ec.USAGE, _("deliverability: give --config or --from, not both"))
    provider, host = args.provider or "", args.host or ""
    if args.from_address:
        address = args.from_address
        if not provider and not host:
            raise fail(ec.INVALID_SETTINGS, _("deliverability: with --from, name the sending "
                                              "service with --provider ID or --host HOST"))
    else:
        _path, s = saved(args)
        address, provider = s.profile.from_address, provider or s.profile.provider_id or ""
        host = host or s.profile.host
    _local, at, domain = address.strip().rpartition("@")
    if not at or not domain.strip().rstrip("."):
        raise fail(ec.INVALID_SETTINGS, _("--from: “{address}” is not an email address"
                                          ).format(address=address))
    per_day = args.recipients_per_day
    if per_day is None:
        per_day = site(args).recipients_per_day or 0
    if per_day < 0:
        raise fail(ec.INVALID_SETTINGS, _("--recipients-per-day: 0 or more"))
    if args.dns_server:
        from mailwizard.core.discovery.dns import parse_server

        try:
            parse_server(args.dns_server)
        except ValueError as exc:
            raise fail(ec.INVALID_SETTINGS, f"--dns-server: {exc}") from None
    from mailwizard.core.deliverability.check import check_deliverability
    from mailwizard.core.deliverability.model import format_text

    report = check_deliverability(address, provider_id=provider, host=host,
                                  recipients_per_day=per_day, dns_server=args.dns_server)
    if args.json:
        from mailwizard.cli.common import RUN
        from mailwizard.cli.support import emit_json

        out = report.to_dict()
        problem = out.pop("error")  # the envelope's "error" is an object (the schema's)
        if problem:
            out["error"] = {"kind": "check_failed", "message": problem,
                            "meaning": ec.DESCRIPTIONS.get(report.exit_code, "")}
        emit_json(out, command=RUN.command, code=report.exit_code, message=report.headline())
    else:
        sys.stdout.write(format_text(report, details=args.details))
    return report.exit_code


def section_for_check(profile, recipients_per_day: int = 0,
                      dns_server: str | None = None) -> dict[str, Any]:
    """The deliverability section of `check` (and so of the last-check record `report`
    prints): the report's data, or why it was skipped. Never raises."""
    from mailwizard.core.deliverability.check import (check_deliverability,
                                                      not_checked_reason, skip_reason)

    why = skip_reason(profile.from_address, dns_server)
    if why:
        if not_checked_reason(profile.from_address, dns_server):  # its own outcome
            return {"skipped": why, "verdict": "not_checked", "exit_code": ec.NOT_CHECKED}
        return {"skipped": why}
    try:
        report = check_deliverability(profile.from_address, provider_id=profile.provider_id or "",
                                      host=profile.host, recipients_per_day=recipients_per_day,
                                      dns_server=dns_server, budget=8.0)
    except Exception as exc:  # informational: never breaks the check itself
        # kept in English: the last-check file a program reads records it
        return {"skipped": f"the deliverability check failed: {exc}"}
    return report.to_dict()


def print_summary(section: dict[str, Any]) -> None:
    """One short paragraph after `check`'s own result (text mode)."""
    if section and section.get("verdict") == "not_checked":
        print(_("Deliverability: {reason}").format(reason=section["skipped"]))
        return
    if not section or section.get("skipped"):
        return
    line = _("Deliverability: {verdict} — {headline}").format(
        verdict=section["verdict_words"], headline=section["headline"])
    if section["verdict"] in ("needs_record", "rejected", "advised"):
        line += " " + _("Run `mailwizard deliverability --config …` for the records to add.")
    print(line)

