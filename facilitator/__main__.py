"""`python -m facilitator` runs the command line."""

from .cli import main

main()
