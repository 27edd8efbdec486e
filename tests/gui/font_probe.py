"""Run in its own process (tests/gui/test_fonts.py): start the wizard as `mailwizard gui`
does (gui/app.py's main: language from --lang / MAILWIZARD_LANG / the site file / the one
chosen last / the system) with MAILWIZARD_FONT_REPORT, which makes it write what Qt's font
database says about the first page (gui/fonts.py's report) and close; print that report.

    python font_probe.py [--no-bundled] [--png FILE] [mailwizard gui options...]

--no-bundled: the control — the bundled fonts are not offered (what the wizard drew before
they travelled with it), so letters the system cannot draw show up as missing.
--png FILE: keep the screenshot of the first page there."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    from mailwizard.gui import app, fonts

    png = None
    if "--png" in argv:
        i = argv.index("--png")
        png = argv[i + 1]
        del argv[i:i + 2]
    if "--no-bundled" in argv:
        argv.remove("--no-bundled")
        fonts.ensure = lambda language=None: []
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "fonts.json"
        os.environ["MAILWIZARD_FONT_REPORT"] = str(report)
        rc = app.main(argv)
        assert rc == 0, rc
        if png:
            shutil.copy(str(report) + ".png", png)
        print(json.dumps(json.loads(report.read_text(encoding="utf-8")), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
