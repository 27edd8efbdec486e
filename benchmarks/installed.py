"""The program as a user installs it, for the whole-process benchmarks.

The development venv has mailwizard as an *editable* install: setuptools' import finder,
which every Python process of that venv loads from a .pth file at start-up (pathlib,
importlib.util, fnmatch …: ≈ 30 ms on the development machine, `python -X importtime -c pass`),
whether it runs mailwizard or not. A user's `pip install`, or the bundle, has none of it. So
the start-up and validate benchmarks run mailwizard from a plain (wheel) install in
benchmarks/out/installed/, reinstalled from this tree on every run; its other packages come
from the development venv through a path file (a path in a .pth adds the folder only: the
editable finder's own .pth there is not run). Baselines (python -c pass, bare smtplib, a bare
QWizard) run with the same interpreter, so both sides start alike.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PLACE = HERE / "out" / "installed"
CWD = str(PLACE)


def installed_python(editable: bool = False) -> str:
    """The interpreter that runs the installed copy (editable=True: the development venv's,
    to compare). Run it with cwd=PLACE (`CWD`): from the project folder, `-m mailwizard`
    would find the source tree first."""
    if editable:
        return sys.executable
    python = PLACE / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(PLACE)], check=True)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig."
                                "get_paths()['purelib'])"], check=True, capture_output=True,
                               text=True).stdout.strip())
    (site / "dev-venv-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "--no-deps", "--force-reinstall", "--upgrade", "--target", str(site), str(ROOT)],
                   check=True)
    # pip --target puts the console scripts in site/bin; the benchmarks call the module
    check = subprocess.run([str(python), "-c", "import mailwizard, sys; "
                            "print(mailwizard.__file__); print('__editable__' in "
                            "''.join(map(str, sys.meta_path)))"], check=True,
                           capture_output=True, text=True, cwd=PLACE).stdout.split()
    assert check[0].startswith(str(site)), check
    assert check[1] == "False", "the editable finder is loaded in the installed copy"
    return str(python)
