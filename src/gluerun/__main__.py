"""`python -m gluerun` runs the CLI."""

from __future__ import annotations

from gluerun.cli import main

main()
