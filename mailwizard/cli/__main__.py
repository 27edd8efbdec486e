"""`python -m mailwizard.cli` is the `mailwizard` command."""

import sys

from mailwizard.cli import main

sys.exit(main())
