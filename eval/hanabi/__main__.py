"""``python -m uedtp.eval.hanabi``: the paired Hanabi search evaluation (``uedtp.eval.hanabi.evaluate``)."""
from uedtp.eval.hanabi.evaluate import main

if __name__ == "__main__":
    raise SystemExit(main())
