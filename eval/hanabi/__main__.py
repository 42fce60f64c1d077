"""``python -m eval.hanabi``: the paired Hanabi search evaluation (``eval.hanabi.evaluate``)."""
from eval.hanabi.evaluate import main

if __name__ == "__main__":
    raise SystemExit(main())
