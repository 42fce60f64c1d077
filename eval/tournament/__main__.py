"""``python -m uedtp.eval.tournament``: the tournament command line (``uedtp.eval.tournament.cli``)."""
from uedtp.eval.tournament.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
