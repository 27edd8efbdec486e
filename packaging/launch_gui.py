"""Entry script of the bundled `mailwizard-gui` (windowed on Windows: no console window)."""

import sys

from mailwizard.gui.app import main

sys.exit(main(sys.argv[1:]))
