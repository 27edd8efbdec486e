"""`mailwizard schedule`: the generated systemd units (checked by systemd-analyze verify), the
Task Scheduler XML (by structure), the launchd plist (plistlib); `off` removes exactly what
`daily` added; exit code 8; `show` and `report` say whether a schedule is installed; and the
scheduled command line, run for real against a loopback SMTP server, records the check.

Every test works in a throw-away HOME and XDG_CONFIG_HOME, never the real user's."""

from __future__ import annotations

import json
import os
import plistlib
import shlex
import shutil
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from functools import partial
from pathlib import Path

import pytest
from conftest import PASSWORD, USER
from support.cli import mailwizard

from mailwizard.core import exitcodes as ec
from mailwizard.core.admin import schedule

TASK_NS = "{http://schemas.microsoft.com/windows/2004/02/mit/task}"


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A throw-away HOME; no systemd user manager (its socket is not in XDG_RUNTIME_DIR)."""
    home = tmp_path / "home"
    home.mkdir()
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_RUNTIME_DIR": str(runtime)}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("MAILWIZARD_CONFIG", raising=False)
    return home


def tree(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            out[rel] = "link" if p.is_symlink() else "dir" if p.is_dir() else \
                p.read_bytes().hex()
    return out


cli = partial(mailwizard, timeout=120)  # systemd-analyze verify inside takes its time


def unit_dir(home: Path) -> Path:
    return home / ".config" / "systemd" / "user"


# -- Linux: systemd -------------------------------------------------------------------------------
@pytest.mark.parametrize("frequency", ["daily", "weekly"])
def test_the_systemd_units_pass_systemd_analyze_verify(home, tmp_path, frequency):
    if not shutil.which("systemd-analyze"):
        pytest.fail("systemd-analyze is missing: scripts/test.sh installs Debian's systemd")
    config = tmp_path / "erp mail" / "mail-settings.json"  # a space: quoting in ExecStart
    sched = schedule.install(frequency, config)
    units = unit_dir(home)
    service, timer = units / "mailwizard-check.service", units / "mailwizard-check.timer"
    # --user needs a runtime directory; without a user manager it only reads the files
    p = subprocess.run(["systemd-analyze", "verify", "--user", str(timer), str(service)],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "XDG_RUNTIME_DIR": os.environ["XDG_RUNTIME_DIR"]})
    assert p.returncode == 0 and p.stderr.strip() == "" and p.stdout.strip() == "", p
    text = timer.read_text()
    assert ("OnCalendar=*-*-* 09:30:00" if frequency == "daily"
            else "OnCalendar=Mon *-*-* 09:30:00") in text
    assert "Persistent=true" in text and "WantedBy=timers.target" in text
    link = units / "timers.target.wants" / "mailwizard-check.timer"
    assert link.is_symlink() and link.resolve() == timer.resolve()
    # the command line in ExecStart is the schedule's, quoting included
    exec_start = next(line for line in service.read_text().splitlines()
                      if line.startswith("ExecStart="))
    assert shlex.split(exec_start[len("ExecStart="):]) == sched.command
    assert sched.command[-4:] == ["check", "--notify", "--config", str(config)]
    assert "timer starts at your next sign-in" in sched.note


def test_a_broken_unit_is_caught_by_the_same_verification(home, tmp_path):
    """The verification is not a rubber stamp: a unit naming a missing program fails it."""
    schedule.install("daily", tmp_path / "m.json")
    service = unit_dir(home) / "mailwizard-check.service"
    service.write_text(service.read_text().replace(sys.executable, "/nonexistent/python"))
    p = subprocess.run(["systemd-analyze", "verify", "--user", str(service)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "/nonexistent/python" in p.stderr


@pytest.mark.parametrize("existing", [False, True])
def test_off_removes_exactly_what_daily_added(home, tmp_path, existing):
    config = home / ".config" / "mailwizard" / "mail-settings.json"
    if existing:  # the user's folders and other units are there already and must stay
        config.parent.mkdir(parents=True)
        config.write_text("{}")
        (unit_dir(home)).mkdir(parents=True)
        (unit_dir(home) / "other.service").write_text("[Service]\nExecStart=/bin/true\n")
    before = tree(home)
    p = cli("schedule", "daily", "--config", str(config))
    assert p.returncode == ec.OK, p.stderr
    added = set(tree(home)) - set(before)
    expected = {".config/systemd/user/mailwizard-check.service",
                ".config/systemd/user/mailwizard-check.timer",
                ".config/systemd/user/timers.target.wants",
                ".config/systemd/user/timers.target.wants/mailwizard-check.timer",
                ".config/mailwizard/schedule.json"}
    if not existing:
        expected |= {".config", ".config/systemd", ".config/systemd/user",
                     ".config/mailwizard"}
    assert added == expected
    assert "a daily check is installed" in p.stdout
    p = cli("schedule", "off")
    assert p.returncode == ec.OK, p.stderr
    assert tree(home) == before
    p = cli("schedule", "off")  # nothing installed: says so, changes nothing
    assert p.returncode == ec.OK and "nothing was changed" in p.stdout
    assert tree(home) == before


def test_daily_then_weekly_replaces_the_schedule(home, tmp_path):
    config = tmp_path / "m.json"
    assert cli("schedule", "daily", "--config", str(config)).returncode == ec.OK
    assert cli("schedule", "weekly", "--config", str(config)).returncode == ec.OK
    assert "Mon *-*-*" in (unit_dir(home) / "mailwizard-check.timer").read_text()
    p = cli("schedule", "status", "--json")
    assert json.loads(p.stdout)["schedule"]["frequency"] == "weekly"


def test_when_the_scheduler_cannot_install_it_is_exit_8_and_nothing_is_left(home, tmp_path):
    (home / ".config").mkdir()
    (home / ".config" / "systemd").write_text("not a folder")  # in the way of the units
    before = tree(home)
    p = cli("schedule", "daily", "--config", str(tmp_path / "m.json"))
    assert p.returncode == ec.SCHEDULE == 8
    assert "could not be installed" in p.stderr and "Nothing was changed" in p.stderr
    assert "Traceback" not in p.stderr
    assert tree(home) == before


def test_show_and_report_say_whether_a_schedule_is_installed(home, tmp_path):
    config = tmp_path / "m.json"
    p = cli("report", "--config", str(config))
    assert "== Scheduled check ==\nnone installed" in p.stdout
    cli("schedule", "daily", "--config", str(config))
    p = cli("report", "--config", str(config))
    assert "a daily check is installed (systemd user timer mailwizard-check.timer" in p.stdout
    assert "check --notify --config " + str(config) in p.stdout
    from mailwizard.core.store.config import SavedSettings, write_config
    from mailwizard.core.profile import Profile

    relay = Profile(host="127.0.0.1", port=25, security="none", auth="none", username="",
                    from_address=USER)
    write_config(SavedSettings(profile=relay, secret=None, profile_name="default"), config)
    p = cli("show", "--config", str(config))
    assert "Schedule:  a daily check is installed" in p.stdout, p.stdout + p.stderr
    p = cli("show", "--config", str(config), "--json")
    assert json.loads(p.stdout)["schedule"]["frequency"] == "daily"
    cli("schedule", "off")
    assert json.loads(cli("show", "--config", str(config), "--json").stdout)["schedule"] is None


# -- Windows: Task Scheduler (by structure; schtasks is not on this machine) ----------------------
class Recorder:
    """Stands in for schtasks/launchctl, which this Linux machine does not have: records the
    command (and the task file while it exists) and answers like the tool does."""

    def __init__(self):
        self.calls: list[list[str]] = []
        self.task_files: list[bytes] = []

    def __call__(self, cmd):
        cmd = list(cmd)
        self.calls.append(cmd)
        if "/XML" in cmd:
            self.task_files.append(Path(cmd[cmd.index("/XML") + 1]).read_bytes())
        return subprocess.CompletedProcess(cmd, 0, "SUCCESS", "")


def _children(el) -> list[str]:
    return [c.tag.replace(TASK_NS, "") for c in el]


@pytest.mark.parametrize("frequency", ["daily", "weekly"])
def test_the_task_scheduler_xml_has_the_schema_structure(frequency):
    command = [r"C:\Program Files\mailwizard\mailwizard.exe", "check", "--notify",
               "--config", r"C:\Users\Asha Rao\AppData\Roaming\mailwizard\mail-settings.json"]
    text = schedule.task_xml(frequency, command)
    data = text.encode("utf-16")
    assert data[:2] in (b"\xff\xfe", b"\xfe\xff")  # schtasks /XML reads UTF-16 with a BOM
    root = ET.fromstring(data)
    assert root.tag == TASK_NS + "Task" and root.get("version") == "1.2"
    # the order the task schema (taskschedulerschema 1.2) requires
    assert _children(root) == ["RegistrationInfo", "Triggers", "Principals", "Settings",
                               "Actions"]
    trigger = root.find(f"{TASK_NS}Triggers/{TASK_NS}CalendarTrigger")
    want = "ScheduleByDay" if frequency == "daily" else "ScheduleByWeek"
    assert _children(trigger) == ["StartBoundary", "Enabled", "RandomDelay", want]
    assert trigger.find(TASK_NS + "StartBoundary").text.endswith("T09:30:00")
    if frequency == "weekly":
        assert trigger.find(f"{TASK_NS}ScheduleByWeek/{TASK_NS}DaysOfWeek/{TASK_NS}Monday") \
            is not None
    principal = root.find(f"{TASK_NS}Principals/{TASK_NS}Principal")
    assert principal.find(TASK_NS + "LogonType").text == "InteractiveToken"  # the user's desktop
    assert principal.find(TASK_NS + "RunLevel").text == "LeastPrivilege"
    settings = root.find(TASK_NS + "Settings")
    assert settings.find(TASK_NS + "StartWhenAvailable").text == "true"
    # issue 23: start only with a network connection (the schema's place for it)
    assert settings.find(TASK_NS + "RunOnlyIfNetworkAvailable").text == "true"
    assert _children(settings).index("RunOnlyIfNetworkAvailable") > \
        _children(settings).index("StartWhenAvailable")
    assert settings.find(TASK_NS + "ExecutionTimeLimit").text == "PT1H"
    exec_ = root.find(f"{TASK_NS}Actions/{TASK_NS}Exec")
    assert exec_.find(TASK_NS + "Command").text == command[0]
    assert exec_.find(TASK_NS + "Arguments").text == (
        'check --notify --config "C:\\Users\\Asha Rao\\AppData\\Roaming\\mailwizard\\'
        'mail-settings.json"')
    assert root.find(f"{TASK_NS}RegistrationInfo/{TASK_NS}URI").text == "\\mailwizard\\check"


def test_windows_install_and_off_run_schtasks(home, tmp_path):
    rec = Recorder()
    sched = schedule.install("daily", tmp_path / "m.json", platform="win32", runner=rec)
    assert rec.calls[0][:5] == ["schtasks", "/Create", "/TN", "mailwizard\\check", "/XML"]
    assert rec.calls[0][-1] == "/F"
    assert ET.fromstring(rec.task_files[0]).tag == TASK_NS + "Task"
    assert not Path(rec.calls[0][5]).exists()  # the temporary task file is gone
    assert sched.task == "mailwizard\\check" and schedule.status() is not None
    removed = schedule.remove(platform="win32", runner=rec)
    assert rec.calls[-1] == ["schtasks", "/Delete", "/TN", "mailwizard\\check", "/F"]
    assert "task mailwizard\\check" in removed and schedule.status() is None


def test_windows_schtasks_refusing_is_a_schedule_error(home, tmp_path):
    def refuse(cmd):
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: Access is denied.")

    with pytest.raises(schedule.ScheduleError, match="Access is denied"):
        schedule.install("daily", tmp_path / "m.json", platform="win32", runner=refuse)
    assert schedule.status() is None and not (home / ".config" / "mailwizard").exists()


# -- macOS: launchd ---------------------------------------------------------------------------------
@pytest.mark.parametrize("frequency", ["daily", "weekly"])
def test_the_launchd_plist(home, tmp_path, frequency):
    rec = Recorder()
    sched = schedule.install(frequency, tmp_path / "m.json", platform="darwin", runner=rec)
    path = home / "Library" / "LaunchAgents" / "org.mailwizard.MailWizard.check.plist"
    data = plistlib.loads(path.read_bytes())
    assert data["Label"] == "org.mailwizard.MailWizard.check"
    assert data["ProgramArguments"] == sched.command
    want = {"Hour": 9, "Minute": 30} | ({"Weekday": 1} if frequency == "weekly" else {})
    assert data["StartCalendarInterval"] == want and data["RunAtLoad"] is False
    assert rec.calls == [["launchctl", "bootstrap", f"gui/{os.getuid()}", str(path)]]
    schedule.remove(platform="darwin", runner=rec)
    assert rec.calls[-1] == ["launchctl", "bootout",
                             f"gui/{os.getuid()}/org.mailwizard.MailWizard.check"]
    assert not (home / "Library").exists()


# -- the scheduled command, for real ------------------------------------------------------------------
def test_the_scheduled_command_line_records_the_check(home, tmp_path, smtp_server, ca_file,
                                                      secret_service):
    srv = smtp_server("starttls")
    config = tmp_path / "erp" / "mail-settings.json"
    name = f"sched{uuid.uuid4().hex[:6]}"
    p = cli("save", "--host", "127.0.0.1", "--port", str(srv.port), "--security", "starttls",
            "--username", USER, "--from", USER, "--cafile", ca_file, "--password-stdin",
            "--config", str(config), "--profile-name", name, stdin=PASSWORD + "\n")
    assert p.returncode == ec.OK, p.stderr
    record_path = config.with_name("mail-settings.last-check.json")
    saved_record = json.loads(record_path.read_text())  # `save` records the check it made
    assert saved_record["command"] == "save" and saved_record["ok"] is True
    assert cli("schedule", "daily", "--config", str(config)).returncode == ec.OK
    service = (unit_dir(home) / "mailwizard-check.service").read_text()
    exec_start = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    command = shlex.split(exec_start[len("ExecStart="):])
    record_path.unlink()
    p = subprocess.run(command, capture_output=True, text=True, timeout=120, env=os.environ)
    assert p.returncode == ec.OK, p.stderr
    record = json.loads(record_path.read_text())
    assert record["command"] == "check" and record["ok"] is True and record["exit_code"] == 0
    assert PASSWORD not in record_path.read_text()
    assert srv.recorder.logins == [USER, USER]  # the save's check, then the scheduled one
    cli("schedule", "off")


def test_the_unit_leaves_time_for_the_network_wait_the_retries_and_the_click():
    """Issue 23: a user manager cannot wait for network-online.target, so the check waits
    itself; the service's time limit covers that wait, the retries and the click."""
    from mailwizard.core.admin.daily import DailyPolicy

    service = schedule.systemd_units("daily", ["/usr/bin/mailwizard", "check", "--notify"])[
        "mailwizard-check.service"]
    assert "After=network-online.target" not in service  # said, not pretended
    assert "cannot wait for network-online.target" in service
    limit = int(service.split("TimeoutStartSec=")[1].split("min")[0])
    policy = DailyPolicy()
    assert limit >= policy.retry_minutes + policy.offline_wait_minutes + 30 + 5
