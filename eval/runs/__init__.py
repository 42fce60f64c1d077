"""Results shared by every experiment CLI: the append-only store (``store``) and worker pools
that die with their parent (``processes``)."""
