"""Results shared by every experiment CLI: the append-only store (``store``), worker pools
that die with their parent (``processes``) and the execution backends that run the work
(``backends``: serial, local processes, Ray)."""
