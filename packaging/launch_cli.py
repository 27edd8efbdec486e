"""Entry script of the bundled `mailwizard` command (console): the same as the installed one."""

import sys

from mailwizard.cli import main

sys.exit(main())
