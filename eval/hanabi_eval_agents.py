"""Agent specs of the Hanabi search evaluation: parse ``name(key=value,...)`` and build agents.

Specs (all keys optional unless stated):
- ``smart`` / ``holmes`` / ``simple``: the deterministic rule-based bot (the blueprint);
- ``md(eta=..., rollouts=1000, seconds=, histories=64, epsilon=0.01, rollout_epsilon=,
  searchers=all, act=argmax, skip=, bot=smart)``: MD search (``eta`` required; searchers ``all`` or
  seats joined by ``+``, e.g. ``0+1``);
- ``sparta(rollouts=10000, seconds=, threshold=0.05, batch=16, z=2.5, prune=1, epsilon=0.01,
  rollout_epsilon=0, searchers=0, skip=, bot=smart)``: single-agent SPARTA (``skip=0.99``:
  do not search where the blueprint plays a card believed playable with probability >= 0.99);
- ``sparta-joint(rollouts=..., max_range=..., ...)``: multi-agent SPARTA (2 players).
Building an agent from a spec is one step: parse, validate the keys, construct with the seed.
"""
from __future__ import annotations

import re
from typing import Any, Callable

BOTS = ("smart", "holmes", "simple")
_SPEC = re.compile(r"^\s*([a-z][a-z0-9_-]*)\s*(?:\((.*)\))?\s*$")


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """``"md(eta=3,rollouts=300)"`` -> ``("md", {"eta": "3", "rollouts": "300"})``."""
    if not isinstance(spec, str):
        raise TypeError(f"agent spec must be a string, got {type(spec).__name__}")
    m = _SPEC.match(spec)
    if not m:
        raise ValueError(f"cannot parse agent spec {spec!r} (expected name or name(k=v,...))")
    name, body = m.group(1), m.group(2)
    args: dict[str, str] = {}
    if body and body.strip():
        for part in body.split(","):
            if "=" not in part:
                raise ValueError(f"agent spec {spec!r}: argument {part.strip()!r} is not key=value")
            k, v = part.split("=", 1)
            k = k.strip()
            if not k or k in args:
                raise ValueError(f"agent spec {spec!r}: empty or repeated key {k!r}")
            args[k] = v.strip()
    return name, args


def _num(args: dict[str, str], key: str, kind: Callable[[str], Any], default: Any) -> Any:
    if key not in args:
        return default
    raw = args.pop(key)
    if raw.lower() in ("none", ""):
        return None
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{key}={raw!r} is not a valid {kind.__name__}") from None


def _searchers(args: dict[str, str], default: Any) -> Any:
    if "searchers" not in args:
        return default
    raw = args.pop("searchers")
    if raw == "all":
        return None
    try:
        return tuple(int(x) for x in raw.split("+"))
    except ValueError:
        raise ValueError(f"searchers={raw!r}: use 'all' or seats joined by '+'") from None


def _done(name: str, args: dict[str, str]) -> None:
    if args:
        raise ValueError(f"unknown argument(s) for {name}: {sorted(args)}")


def build_agent(spec: str, seed: int, num_threads: int = 1) -> Any:
    """The agent described by ``spec`` (module docstring), seeded with ``seed``."""
    name, args = parse_spec(spec)
    if name in BOTS:
        _done(name, args)
        from agents.hanabi_bots import HanabiBotAgent
        return HanabiBotAgent(name, seed=seed)
    bot = args.pop("bot", "smart")
    if name == "md":
        from agents.full_support import full_support_bot
        from search.hanabi_md_search import HanabiMDSearch
        if "eta" not in args:
            raise ValueError("md needs eta=...")
        eta = _num(args, "eta", float, None)
        eps = _num(args, "epsilon", float, 0.01)
        kw = dict(rollouts=_num(args, "rollouts", int, 1000),
                  seconds=_num(args, "seconds", float, None),
                  num_histories=_num(args, "histories", int, 64),
                  rollout_epsilon=_num(args, "rollout_epsilon", float, None),
                  searchers=_searchers(args, None),
                  act_mode=args.pop("act", "argmax"),
                  max_exact=_num(args, "max_exact", int, 5000),
                  num_samples=_num(args, "samples", int, 2000),
                  skip_sure_plays=_num(args, "skip", float, None))
        _done(name, args)
        return HanabiMDSearch(full_support_bot(bot, eps, seed=seed), eta, seed=seed,
                              num_threads=num_threads, **kw)
    if name == "sparta":
        from search.sparta import SpartaSearch
        kw = dict(rollouts=_num(args, "rollouts", int, 10_000),
                  seconds=_num(args, "seconds", float, None),
                  threshold=_num(args, "threshold", float, 0.05),
                  batch=_num(args, "batch", int, 16),
                  prune_z=_num(args, "z", float, 2.5),
                  prune=bool(_num(args, "prune", int, 1)),
                  belief_epsilon=_num(args, "epsilon", float, 0.01),
                  rollout_epsilon=_num(args, "rollout_epsilon", float, 0.0),
                  searchers=_searchers(args, (0,)),
                  max_exact=_num(args, "max_exact", int, 5000),
                  num_samples=_num(args, "samples", int, 2000),
                  skip_sure_plays=_num(args, "skip", float, None))
        _done(name, args)
        return SpartaSearch(bot, seed=seed, num_threads=num_threads, **kw)
    if name == "sparta-joint":
        from search.sparta_joint import JointSpartaSearch
        kw = dict(rollouts=_num(args, "rollouts", int, 10_000),
                  seconds=_num(args, "seconds", float, None),
                  threshold=_num(args, "threshold", float, 0.05),
                  batch=_num(args, "batch", int, 16),
                  prune_z=_num(args, "z", float, 2.5),
                  max_range=_num(args, "max_range", int, 200),
                  rollout_epsilon=_num(args, "rollout_epsilon", float, 0.0),
                  max_exact=_num(args, "max_exact", int, 20_000))
        _done(name, args)
        return JointSpartaSearch(bot, seed=seed, num_threads=num_threads, **kw)
    raise ValueError(f"unknown agent {name!r} (known: {', '.join(BOTS)}, md, sparta, "
                     "sparta-joint)")


def is_blueprint(spec: str) -> bool:
    """Whether the spec is a plain rule-based bot (the paired-difference reference)."""
    return parse_spec(spec)[0] in BOTS
