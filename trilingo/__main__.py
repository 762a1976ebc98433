"""`python -m trilingo …` runs the CLI, like the `trilingo` script."""

from trilingo.cli import main

main()
