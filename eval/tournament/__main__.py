"""``python -m eval.tournament``: the tournament command line (``eval.tournament.cli``)."""
from eval.tournament.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
