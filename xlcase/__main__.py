"""`python -m xlcase` runs the command line."""

from xlcase.cli import main

main()
