"""`python -m mailwizard` is the same as the `mailwizard` command."""

import sys

from mailwizard.cli import main

sys.exit(main())
