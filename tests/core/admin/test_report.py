"""One report for both faces: the wizard's Copy details (a check just run) and
`mailwizard report` (the last check read back from disk) say the same about a check."""

from __future__ import annotations

import json
import re

from conftest import USER

from mailwizard.core.diagnosis.smtp import diagnose
from mailwizard.core.admin.health import read_last_check, record_last_check
from mailwizard.core.redact import register_secret
from mailwizard.core.admin.report import check_record, format_report
from mailwizard.core.admin.site import parse_site_config
from mailwizard.core.checks.smtp import run_check


def test_a_check_reads_the_same_live_and_from_the_last_check_file(smtp_server, make_profile,
                                                                  tmp_path):
    srv = smtp_server("starttls")
    secret = "canary-report-77"
    register_secret(secret)
    profile = make_profile(srv)
    result = run_check(profile, secret, send_test_to=USER)
    diagnosis = diagnose(result.failure, profile)
    assert not result.ok and diagnosis.code == "auth_failed"
    cfg = tmp_path / "mail-settings.json"
    record_last_check(cfg, check_record(result, diagnosis, command="check"))
    assert (tmp_path / "mail-settings.last-check.json").exists()
    site = parse_site_config({"hidden_services": ["oauth"]})
    live = format_report(result, diagnosis, config_path=cfg, site=site)
    stored = format_report(record=read_last_check(cfg), config_path=cfg, site=site)
    live_check = live.split("== Check ==")[1].split("\n", 2)[2]
    stored_check = stored.split("== Last check ==")[1].split("\n", 2)[2]
    # all but the time of the record (the live one is made now, a second later or not)
    when = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:?\d\d")
    assert when.sub("<time>", live_check) == when.sub("<time>", stored_check)
    assert "Diagnosis: auth_failed (stage auth)" in live
    assert "Status: missing" in live and "hidden services: oauth" in live
    for text in (live, stored, json.dumps(read_last_check(cfg))):
        assert secret not in text
