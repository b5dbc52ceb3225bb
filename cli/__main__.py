"""`python -m cli`: the `qa` command."""

import sys

from cli import main

sys.exit(main())
