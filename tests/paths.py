"""Where the tests find the repository's files (no machine path: everything is relative to here)."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHECKPOINTS = REPO / "checkpoints"
DATA = REPO / "tests" / "data"
