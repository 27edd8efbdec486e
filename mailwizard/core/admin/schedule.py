"""A per-user scheduled `mailwizard check --notify`, with the platform's own scheduler: a
systemd user timer on Linux, a Task Scheduler task (schtasks) on Windows, a launchd agent on
macOS. `install` adds it, `remove` takes away exactly what `install` added, `status` says
whether one is installed.

What was added is written down in `schedule.json` in the user's mailwizard folder (beside the
default settings file): the files and folders created, the Windows task's name. `remove` works
from that record only, so it never deletes anything mailwizard did not make.

Linux: `~/.config/systemd/user/mailwizard-check.{service,timer}` and the enable link
`timers.target.wants/mailwizard-check.timer` (what `systemctl --user enable` makes). When a
user manager runs, it is reloaded and the timer started; without one (a headless session) the
timer starts at the user's next sign-in.
Windows (untested on a real Windows here): `schtasks /Create /TN mailwizard\\check /XML …`.
macOS (untested on a real Mac here): `~/Library/LaunchAgents/org.mailwizard.MailWizard.check
.plist`, loaded with `launchctl bootstrap gui/<uid>`.

Waiting for the network: a systemd *user* manager has no network-online.target (that is a
system unit, and user units cannot order themselves after system units), and launchd has no
network condition any more (KeepAlive's NetworkState is ignored since OS X 10.10); only the
Windows task can say "start only if a network connection is available"
(RunOnlyIfNetworkAvailable). Everywhere the check itself waits for the network and retries
(core/admin/daily.py), so a timer that fires while Wi-Fi is still connecting warns nobody.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

from mailwizard import APP_ID
from mailwizard.core.i18n import N_, _

FREQUENCIES = ("daily", "weekly")
UNIT = "mailwizard-check"
WINDOWS_TASK = "mailwizard\\check"
LAUNCHD_LABEL = f"{APP_ID}.check"
RECORD_NAME = "schedule.json"
#: When the check runs: 09:30 local time (weekly: on Mondays), when the computer is usually
#: on; a run missed while it was off is made up at the next start.
HOUR, MINUTE = 9, 30

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


class ScheduleError(RuntimeError):
    """The scheduler could not install or remove the check; the message says why and what to
    do (exit code 8)."""


def _run(cmd: Sequence[str]) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=60)


def platform_kind(platform: str | None = None) -> str:
    platform = platform or sys.platform
    if platform.startswith("win"):
        return "windows"
    if platform == "darwin":
        return "macos"
    return "linux"


def user_dir() -> Path:
    """The user's mailwizard folder (where the default settings file lives)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("mailwizard", appauthor=False, roaming=True))


def record_path() -> Path:
    return user_dir() / RECORD_NAME


# -- the command that runs ------------------------------------------------------------------
def check_command(config_path: Path, site_config: Path | None = None) -> list[str]:
    """The scheduled command line: this program's `check --notify` for these settings (the
    bundle's executable, else this Python with `-m mailwizard`)."""
    if getattr(sys, "frozen", False):
        cmd = [sys.executable]
    else:
        python = Path(sys.executable)
        if platform_kind() == "windows":  # no console window flashing up every day
            windowed = python.with_name("pythonw.exe")
            python = windowed if windowed.exists() else python
        cmd = [str(python), "-m", "mailwizard"]
    if site_config:
        cmd += ["--site-config", str(Path(site_config).absolute())]
    return cmd + ["check", "--notify", "--config", str(Path(config_path).absolute())]


# -- the files, per platform ------------------------------------------------------------------
def _systemd_quote(arg: str) -> str:
    """One ExecStart argument: % and $ escaped, quoted when it has spaces or quotes."""
    arg = arg.replace("%", "%%").replace("$", "$$")
    if arg and not any(c in arg for c in " \t\"'\\;"):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_units(frequency: str, command: Sequence[str]) -> dict[str, str]:
    """{"mailwizard-check.service": text, "mailwizard-check.timer": text}."""
    when = {"daily": f"*-*-* {HOUR:02d}:{MINUTE:02d}:00",
            "weekly": f"Mon *-*-* {HOUR:02d}:{MINUTE:02d}:00"}[frequency]
    service = (
        "# Made by `mailwizard schedule`; `mailwizard schedule off` removes it.\n"
        "[Unit]\n"
        "Description=mailwizard: check that the ERP's email settings still work\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        "# A user manager cannot wait for network-online.target (a system unit): the check\n"
        "# waits for the network itself (up to 5 minutes, asking NetworkManager or DNS) and\n"
        "# tries a temporary failure again (3 tries over 10 minutes).\n"
        f"ExecStart={' '.join(_systemd_quote(a) for a in command)}\n"
        "# ... and a failed check waits up to 30 minutes for a click on its notification\n"
        "TimeoutStartSec=50min\n"
        "# a failed check exits with its exit code; that is not a failure of the service\n"
        "SuccessExitStatus=3 4 5 7 20 21 22 23 24 25 26 27 30\n")
    timer = (
        "# Made by `mailwizard schedule`; `mailwizard schedule off` removes it.\n"
        "[Unit]\n"
        f"Description=mailwizard: {frequency} check of the ERP's email settings\n"
        "\n"
        "[Timer]\n"
        f"OnCalendar={when}\n"
        "Persistent=true\n"
        "RandomizedDelaySec=10min\n"
        f"Unit={UNIT}.service\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n")
    return {f"{UNIT}.service": service, f"{UNIT}.timer": timer}


def task_xml(frequency: str, command: Sequence[str], *, today: date | None = None) -> str:
    """The Task Scheduler task (schema 1.2) as text; schtasks reads it as UTF-16."""
    from xml.sax.saxutils import escape

    start = (today or date.today()) + timedelta(days=1)
    if frequency == "daily":
        schedule = "<ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay>"
    else:
        schedule = ("<ScheduleByWeek><DaysOfWeek><Monday /></DaysOfWeek>"
                    "<WeeksInterval>1</WeeksInterval></ScheduleByWeek>")
    args = subprocess.list2cmdline(list(command[1:]))
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>mailwizard: {frequency} check that the ERP's email settings still work. Made by `mailwizard schedule`; `mailwizard schedule off` removes it.</Description>
    <URI>\\{escape(WINDOWS_TASK)}</URI>
  </RegistrationInfo>
  <Triggers>
    <CalendarTrigger>
      <StartBoundary>{start.isoformat()}T{HOUR:02d}:{MINUTE:02d}:00</StartBoundary>
      <Enabled>true</Enabled>
      <RandomDelay>PT10M</RandomDelay>
      {schedule}
    </CalendarTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <StartWhenAvailable>true</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>true</RunOnlyIfNetworkAvailable>
    <Enabled>true</Enabled>
    <ExecutionTimeLimit>PT1H</ExecutionTimeLimit>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{escape(command[0])}</Command>
      <Arguments>{escape(args)}</Arguments>
    </Exec>
  </Actions>
</Task>
"""


def launchd_plist(frequency: str, command: Sequence[str]) -> bytes:
    import plistlib

    interval: dict[str, int] = {"Hour": HOUR, "Minute": MINUTE}
    if frequency == "weekly":
        interval["Weekday"] = 1  # Monday
    return plistlib.dumps({"Label": LAUNCHD_LABEL, "ProgramArguments": list(command),
                           "StartCalendarInterval": interval, "RunAtLoad": False,
                           "ProcessType": "Background"})


# -- what is installed --------------------------------------------------------------------------
@dataclass
class InstalledSchedule:
    """The record of an installed schedule (schedule.json)."""

    frequency: str
    platform: str
    command: list[str]
    installed_at: str = ""
    files: list[str] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)
    task: str = ""
    #: e.g. "starts at your next sign-in" when no user manager was running
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def describe(self) -> str:
        where = {"linux": _("systemd user timer {name}").format(name=f"{UNIT}.timer"),
                 "windows": _("Task Scheduler task {name}").format(name=WINDOWS_TASK),
                 "macos": _("launchd agent {name}").format(name=LAUNCHD_LABEL)}[self.platform]
        if self.frequency == "weekly":
            text = _("a weekly check is installed ({where}, since {since})")
        elif self.frequency == "daily":
            text = _("a daily check is installed ({where}, since {since})")
        else:
            text = f"a {self.frequency} check is installed ({{where}}, since {{since}})"
        return text.format(where=where, since=self.installed_at)

    def note_text(self) -> str:
        """The note in the user's language (the record keeps it in English)."""
        return _(self.note) if self.note else ""


def status() -> InstalledSchedule | None:
    """The installed schedule, or None. A record whose files are gone counts as none."""
    try:
        data = json.loads(record_path().read_text(encoding="utf-8"))
        sched = InstalledSchedule(**{k: data[k] for k in InstalledSchedule.__dataclass_fields__
                                     if k in data})
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if sched.files and not all(os.path.lexists(f) for f in sched.files):
        return None
    return sched


def describe_status() -> str:
    """One line for `show` and `report`."""
    sched = status()
    return sched.describe() if sched else _("no scheduled check is installed")


def _systemd_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def _user_manager_running() -> bool:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return bool(shutil.which("systemctl") and runtime
                and os.path.exists(os.path.join(runtime, "systemd", "private")))


#: install()'s note when no systemd user manager runs (kept in English in schedule.json)
NO_USER_MANAGER = N_("no systemd user manager is running in this session: the timer starts "
                     "at your next sign-in")


def starts_at_next_sign_in(platform: str | None = None) -> bool:
    """Before installing: whether the check would wait for the user's next sign-in (Linux
    without a running systemd user manager, e.g. a remote or headless session). A quick look
    at a file, no program is run."""
    return platform_kind(platform) == "linux" and not _user_manager_running()


def run_time() -> str:
    """When the check runs, as "9:30"."""
    return f"{HOUR}:{MINUTE:02d}"


def _mkdirs(path: Path, created: list[str]) -> None:
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir(mode=0o755)
        created.append(str(d))


def _write(path: Path, data: bytes, files: list[str]) -> None:
    path.write_bytes(data)
    files.append(str(path))


def _must(runner: Runner, cmd: Sequence[str], what: str) -> None:
    """Run `cmd`; `what` (marked N_) names the step in messages."""
    try:
        proc = runner(cmd)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ScheduleError(_("{step}: {program} could not be run ({problem}).").format(
            step=_(what), program=cmd[0], problem=exc)) from None
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout or "").strip().splitlines()
        raise ScheduleError(_("{step}: {program} said: {reply}").format(
            step=_(what), program=cmd[0], reply=detail[-1] if detail else proc.returncode))


def install(frequency: str, config_path: Path, *, site_config: Path | None = None,
            platform: str | None = None, runner: Runner = _run) -> InstalledSchedule:
    """Install (or replace) the scheduled check. Raises ScheduleError (nothing is left
    half-installed)."""
    if frequency not in FREQUENCIES:
        raise ValueError(frequency)
    kind = platform_kind(platform)
    if status() is not None:
        remove(platform=platform, runner=runner)
    command = check_command(config_path, site_config)
    sched = InstalledSchedule(frequency, kind, command,
                              datetime.now(timezone.utc).isoformat(timespec="seconds"))
    try:
        record = record_path()
        _mkdirs(record.parent, sched.dirs)
        if kind == "linux":
            _install_systemd(sched, runner)
        elif kind == "windows":
            _install_windows(sched, runner)
        else:
            _install_launchd(sched, runner)
        _write(record, b"", sched.files)
        record.write_text(json.dumps(sched.to_dict(), indent=2) + "\n", encoding="utf-8")
    except (OSError, ScheduleError) as exc:
        _undo(sched, runner)
        if isinstance(exc, ScheduleError):
            raise
        raise ScheduleError(_("The scheduled check could not be installed: {problem}").format(
            problem=exc)) from None
    return sched


def _install_systemd(sched: InstalledSchedule, runner: Runner) -> None:
    units = _systemd_dir()
    wants = units / "timers.target.wants"
    _mkdirs(wants, sched.dirs)
    for name, text in systemd_units(sched.frequency, sched.command).items():
        _write(units / name, text.encode("utf-8"), sched.files)
    link = wants / f"{UNIT}.timer"
    link.symlink_to(units / f"{UNIT}.timer")  # what `systemctl --user enable` makes
    sched.files.append(str(link))
    if _user_manager_running():
        _must(runner, ["systemctl", "--user", "daemon-reload"], N_("Reloading systemd"))
        _must(runner, ["systemctl", "--user", "start", f"{UNIT}.timer"],
              N_("Starting the timer"))
    else:  # kept in English in schedule.json; shown through note_text()
        sched.note = NO_USER_MANAGER


def _install_windows(sched: InstalledSchedule, runner: Runner) -> None:
    import tempfile

    fd, tmp = tempfile.mkstemp(suffix=".xml", prefix="mailwizard-task-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(task_xml(sched.frequency, sched.command).encode("utf-16"))
        _must(runner, ["schtasks", "/Create", "/TN", WINDOWS_TASK, "/XML", tmp, "/F"],
              N_("Creating the task"))
        sched.task = WINDOWS_TASK
    finally:
        os.unlink(tmp)


def _launch_agents() -> Path:
    return Path.home() / "Library" / "LaunchAgents"


def _install_launchd(sched: InstalledSchedule, runner: Runner) -> None:
    agents = _launch_agents()
    _mkdirs(agents, sched.dirs)
    path = agents / f"{LAUNCHD_LABEL}.plist"
    _write(path, launchd_plist(sched.frequency, sched.command), sched.files)
    _must(runner, ["launchctl", "bootstrap", f"gui/{os.getuid()}", str(path)],
          N_("Loading the launchd agent"))
    sched.task = LAUNCHD_LABEL


def _undo(sched: InstalledSchedule, runner: Runner) -> list[str]:
    """Take away what the record lists; returns what was removed."""
    removed: list[str] = []
    if sched.platform == "linux" and _user_manager_running():
        try:  # best effort: the files go anyway
            runner(["systemctl", "--user", "stop", f"{UNIT}.timer"])
        except (OSError, subprocess.SubprocessError):
            pass
    if sched.platform == "windows" and sched.task:
        _must(runner, ["schtasks", "/Delete", "/TN", sched.task, "/F"],
              N_("Removing the task"))
        removed.append(_("task {name}").format(name=sched.task))
    if sched.platform == "macos" and sched.task:
        try:
            runner(["launchctl", "bootout", f"gui/{os.getuid()}/{sched.task}"])
        except (OSError, subprocess.SubprocessError):
            pass
    for f in reversed(sched.files):
        try:
            os.unlink(f)
            removed.append(f)
        except FileNotFoundError:
            pass
    for d in reversed(sched.dirs):
        try:
            os.rmdir(d)  # only when empty: something else may live there now
            removed.append(d)
        except OSError:
            pass
    if sched.platform == "linux" and _user_manager_running():
        try:
            runner(["systemctl", "--user", "daemon-reload"])
        except (OSError, subprocess.SubprocessError):
            pass
    return removed


def remove(*, platform: str | None = None, runner: Runner = _run) -> list[str]:
    """Remove the installed schedule (exactly what the record lists); [] when none."""
    sched = status()
    if sched is None:
        # a record whose files someone deleted: tidy the record itself
        try:
            record_path().unlink()
        except OSError:
            pass
        return []
    try:
        return _undo(sched, runner)
    except OSError as exc:
        raise ScheduleError(_("The scheduled check could not be removed: {problem}").format(
            problem=exc)) from None
