"""``python -m indic`` runs the command line."""

from indic.cli import main

main()
