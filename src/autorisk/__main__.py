"""``python -m autorisk``: the command-line entry point."""

from autorisk.cli import main

raise SystemExit(main())
