"""Open the wizard the way a person does, on the X server and window manager that
test_wizard_keys_round3.py started, and write where its frame and buttons ended up (JSON):
{"available": [x, y, w, h], "frame": [...], "buttons": {text: [x, y, w, h]}}.

Run as: window_fit_probe.py OUT.json FONT_SCALE"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main(out: str, font_scale: float) -> None:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QPoint, QTimer
    from PySide6.QtGui import QFont, QGuiApplication
    from PySide6.QtWidgets import QWizard

    from mailwizard.gui.app import create_wizard, make_application

    app = make_application([])
    if font_scale != 1.0:
        font = QFont(app.font())
        font.setPointSizeF(font.pointSizeF() * font_scale)
        app.setFont(font)
    w = create_wizard(Path(tempfile.mkdtemp()) / "settings.json")
    w.show()

    def framed() -> bool:  # the window manager has put its frame around the window
        return w.frameGeometry() != w.geometry()

    loop, timer, clock = QEventLoop(), QTimer(), QElapsedTimer()
    clock.start()
    settled = {"since": None, "frame": None}

    def poll() -> None:
        # what the X server has said so far handled first (a starved probe may have its
        # window manager's last move still queued when it looks)
        QGuiApplication.sync()
        frame = w.frameGeometry().getRect()
        if framed() and frame == settled["frame"]:
            if clock.elapsed() - settled["since"] >= 2500:  # unchanged: the WM is done
                loop.quit()
        else:
            settled.update(frame=frame, since=clock.elapsed())
        if clock.elapsed() > 60000:
            loop.quit()

    timer.timeout.connect(poll)
    timer.start(50)
    loop.exec()
    buttons = {}
    for which in (QWizard.BackButton, QWizard.NextButton, QWizard.CancelButton):
        b = w.button(which)
        if b.isVisible():
            top_left = b.mapToGlobal(QPoint(0, 0))
            buttons[b.text()] = [top_left.x(), top_left.y(), b.width(), b.height()]
    Path(out).write_text(json.dumps({
        "available": list(w.screen().availableGeometry().getRect()),
        "screen": list(w.screen().geometry().getRect()),
        "frame": list(w.frameGeometry().getRect()),
        "framed": framed(), "buttons": buttons}))
    w.done(0)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
