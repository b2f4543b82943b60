"""`python -m flows` runs the `winnow` command line."""

import sys

from flows.cli import main

if __name__ == "__main__":
    sys.exit(main())
