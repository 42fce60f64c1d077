"""The agent registry: one ``AgentEntry`` per agent name, and the steps that build a spec.

One step of this module: look a parsed spec's name up in ``REGISTRY``, check every parameter
against its declared type and range (``Param``), check the agent is defined for the game
(``AgentEntry.supports``), then build it with the given seed (``build_agent``); a blueprint
``@X`` is built first, from its own random stream. ``describe_agents`` is the text of
``python -m uedtp.eval.tournament --list-agents``. An entry whose path is optional fills a missing
path in from the game (``AgentEntry.default_path``: ``torch`` without ``:PATH`` is the game's
default network); ``pin_spec`` writes that path into a spec, so a stored run names what it played.

The entries themselves are registered by ``uedtp.eval.specs.openspiel`` (agents of OpenSpiel games)
and ``uedtp.eval.specs.hanabi`` (native Hanabi agents), which ``import uedtp.eval.specs`` loads; the game
predicates they share (``openspiel_game``, ``native_hanabi_game``, ``infostate_game``, ...) are
at the end of this module.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable, Literal

from uedtp.agents.protocol import Agent
from uedtp.envs.games import as_handle
from uedtp.envs.openspiel_games import GameError
from uedtp.eval.specs.grammar import NAME, AgentSpec, SpecError, format_value, parse_spec

GameSupport = Callable[[Any], "str | None"]     # game handle -> reason it is unsupported, or None
Factory = Callable[..., Agent]


@dataclasses.dataclass(frozen=True)
class Param:
    """A typed agent parameter. ``minimum`` is inclusive unless ``positive`` (strictly > 0).

    ``nullable``: ``none`` is a value (its meaning is in ``doc``). ``pattern``: a string value must
    match it in full (integers are then read as their text, e.g. ``searchers=0``). The default
    itself is always accepted, so a default such as ``auto`` (resolved by the factory per game)
    can also be written out.
    """

    name: str
    type: type
    default: Any
    doc: str = ""
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    positive: bool = False
    nullable: bool = False
    pattern: str | None = None

    def coerce(self, value: Any, agent: str) -> Any:
        """The value converted to this parameter's type; ``SpecError`` naming the problem."""
        where = f"parameter {self.name!r} of agent {agent!r}"
        if value is None and self.nullable:
            return None
        if isinstance(self.default, str) and self.type is not str and value == self.default:
            return value
        if self.pattern is not None and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if self.type is bool:
            if isinstance(value, bool):
                out: Any = value
            elif isinstance(value, int) and value in (0, 1):
                out = bool(value)
            else:
                raise SpecError(f"{where} must be true or false, got {format_value(value)}")
        elif self.type is int:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                    (isinstance(value, float) and not value.is_integer()):
                raise SpecError(f"{where} must be an integer, got {format_value(value)}")
            out = int(value)
        elif self.type is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SpecError(f"{where} must be a number, got {format_value(value)}")
            out = float(value)
            if out != out or out in (float("inf"), float("-inf")):
                raise SpecError(f"{where} must be finite, got {value}")
        else:
            if not isinstance(value, str):
                raise SpecError(f"{where} must be a string, got {format_value(value)}")
            out = value
        if self.pattern is not None and not re.fullmatch(self.pattern, out):
            raise SpecError(f"{where}: {format_value(out)} is not valid ({self.doc})")
        if self.choices is not None and out not in self.choices:
            raise SpecError(f"{where} must be one of {', '.join(map(str, self.choices))}; "
                            f"got {format_value(out)}")
        if self.positive and out <= 0:
            raise SpecError(f"{where} must be positive, got {format_value(out)}")
        if self.minimum is not None and out < self.minimum:
            raise SpecError(f"{where} must be at least {self.minimum}, got {format_value(out)}")
        return out

    def describe(self) -> str:
        text = f"{self.name}: {self.type.__name__} = {format_value(self.default)}"
        if self.choices is not None:
            text += f" (one of {', '.join(map(str, self.choices))})"
        return text + (f" — {self.doc}" if self.doc else "")


@dataclasses.dataclass(frozen=True)
class AgentEntry:
    """One registered agent: how to check, document and build it.

    ``build(game, seed, blueprint=..., path=..., **params)`` returns the agent; ``supports(game)``
    returns why the agent is not defined for a game (or None); ``blueprint`` and ``path`` are
    "none", "optional" or "required"; an optional path missing from a spec is
    ``default_path(game)`` (which raises ``SpecError`` for a game without one); ``threads``: the
    factory also takes ``num_threads`` (OpenMP threads of its rollouts, from ``build_agent``).
    """

    name: str
    summary: str
    games: str
    build: Factory
    params: tuple[Param, ...] = ()
    supports: GameSupport = lambda game: None
    blueprint: str = "none"
    path: str = "none"              # "none", "optional" or "required" (``name:path``)
    threads: bool = False
    default_path: Callable[[Any], str] | None = None

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise SpecError(f"agent {self.name!r} has no parameter {name!r} (its parameters: {known})")


REGISTRY: dict[str, AgentEntry] = {}


def register(entry: AgentEntry) -> AgentEntry:
    """Add an agent to the registry (a later entry with the same name replaces the earlier)."""
    if not NAME.fullmatch(entry.name) or entry.name != entry.name.lower():
        raise ValueError(f"agent name {entry.name!r} must be lower-case letters, digits, '_' or '-'")
    if entry.blueprint not in ("none", "optional", "required"):
        raise ValueError(f"blueprint must be 'none', 'optional' or 'required', got {entry.blueprint!r}")
    if entry.path not in ("none", "optional", "required"):
        raise ValueError(f"path must be 'none', 'optional' or 'required', got {entry.path!r}")
    if (entry.path == "optional") != (entry.default_path is not None):
        raise ValueError(f"agent {entry.name!r}: an optional path needs a default_path (and only "
                         "an optional path has one)")
    REGISTRY[entry.name] = entry
    return entry


def _entry(name: str) -> AgentEntry:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise SpecError(f"unknown agent {name!r}; known agents: {known} "
                        "(python -m uedtp.eval.tournament --list-agents)") from None


@dataclasses.dataclass(frozen=True)
class ResolvedSpec:
    """A spec checked against the registry: its entry, every parameter (defaults filled in)."""

    spec: AgentSpec
    entry: AgentEntry
    params: dict[str, Any]
    blueprint: "ResolvedSpec | None"


def resolve(spec: "str | AgentSpec") -> ResolvedSpec:
    """Check names, parameters and values of a spec (and its blueprint); ``SpecError`` if bad."""
    spec = parse_spec(spec)
    entry = _entry(spec.name)
    params = {p.name: p.default for p in entry.params}
    for key, value in spec.params:
        params[key] = entry.param(key).coerce(value, entry.name)
    if entry.path == "required" and not spec.path:
        raise SpecError(f"agent {entry.name!r} needs a path: write {entry.name}:PATH")
    if entry.path == "none" and spec.path is not None:
        raise SpecError(f"agent {entry.name!r} takes no path, got {entry.name}:{spec.path}")
    if entry.blueprint == "none" and spec.blueprint is not None:
        raise SpecError(f"agent {entry.name!r} takes no blueprint, got @{spec.blueprint}")
    if entry.blueprint == "required" and spec.blueprint is None:
        raise SpecError(f"agent {entry.name!r} needs a blueprint: write {entry.name}@BLUEPRINT")
    blueprint = resolve(spec.blueprint) if spec.blueprint is not None else None
    canonical = AgentSpec(spec.name, tuple((p.name, params[p.name]) for p in entry.params
                                           if any(k == p.name for k, _ in spec.params)),
                          spec.path, blueprint.spec if blueprint else None)
    return ResolvedSpec(canonical, entry, params, blueprint)


def canonical_spec(spec: "str | AgentSpec") -> str:
    """The canonical text of a spec: registry parameter order, typed values, no spaces."""
    return str(resolve(spec).spec)


def check_spec(spec: "str | AgentSpec", game: Any) -> ResolvedSpec:
    """Resolve a spec and check it can be built for ``game`` (a game string, an ``uedtp.envs.games``
    handle, a ``pyspiel.Game`` or a ``HanabiGame``)."""
    handle = _handle(game)
    resolved = resolve(spec)
    _check_for_game(resolved, handle)
    return resolved


def pin_spec(spec: str, game: Any) -> str:
    """``spec`` with every missing optional path written in for ``game`` (``torch`` ->
    ``torch:adh_mmd_10m`` in dark hex), in canonical form; a spec with no missing path comes back
    as written. Stores keep pinned specs, so a later change of a default cannot change a run."""
    handle = _handle(game)
    resolved = check_spec(spec, handle)

    def pinned(r: ResolvedSpec) -> tuple[AgentSpec, bool]:
        blueprint, changed = pinned(r.blueprint) if r.blueprint is not None else (None, False)
        path = r.spec.path
        if path is None and r.entry.default_path is not None:
            path, changed = r.entry.default_path(handle), True
        return dataclasses.replace(r.spec, path=path, blueprint=blueprint), changed

    out, changed = pinned(resolved)
    return str(out) if changed else spec


def _check_for_game(resolved: ResolvedSpec, game: Any) -> None:
    entry = resolved.entry
    reason = entry.supports(game)
    if reason:
        raise SpecError(f"agent {entry.name!r} cannot play {game.game_string}: {reason} "
                        f"(it plays {entry.games})")
    if resolved.blueprint is not None:
        _check_for_game(resolved.blueprint, game)


def build_agent(spec: "str | AgentSpec | ResolvedSpec", game: Any, seed: int, *,
                num_threads: int = 1) -> Agent:
    """Build the agent a spec names for ``game`` (any game object ``check_spec`` accepts) with
    randomness from ``seed``; agents that run
    rollouts in native threads (entries with ``threads``) use ``num_threads`` of them."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise SpecError(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(num_threads, int) or isinstance(num_threads, bool) or num_threads < 1:
        raise SpecError(f"num_threads must be a positive integer, got {num_threads!r}")
    handle = _handle(game)
    resolved = spec if isinstance(spec, ResolvedSpec) else resolve(spec)
    _check_for_game(resolved, handle)
    return _build(resolved, handle, seed, num_threads)


def _handle(game: Any) -> Any:
    try:
        return as_handle(game)
    except GameError as err:
        raise SpecError(str(err)) from None


def _build(resolved: ResolvedSpec, game: Any, seed: int, num_threads: int = 1) -> Agent:
    blueprint = None
    if resolved.blueprint is not None:
        # The blueprint gets its own stream so it never shares random numbers with the searcher.
        blueprint = _build(resolved.blueprint, game, (seed * 1_000_003 + 7919) % 2**31,
                           num_threads)
    kwargs: dict[str, Any] = dict(resolved.params)
    if resolved.entry.blueprint != "none":
        kwargs["blueprint"] = blueprint
    if resolved.entry.path != "none":
        path = resolved.spec.path
        if path is None and resolved.entry.default_path is not None:
            path = resolved.entry.default_path(game)
        kwargs["path"] = path
    if resolved.entry.threads:
        kwargs["num_threads"] = num_threads
    agent = resolved.entry.build(game, seed, **kwargs)
    bind = getattr(agent, "for_game", None)     # agents that learn their game after building
    return bind(game.raw) if callable(bind) else agent


def describe_agents(game: Any = None) -> str:
    """Text for ``--list-agents``: every agent with its parameters and games (and, given a game,
    which agents do not play it)."""
    lines = []
    for name in sorted(REGISTRY):
        entry = REGISTRY[name]
        head = name + {"required": ":PATH", "optional": "[:PATH]"}.get(entry.path, "")
        if entry.params:
            head += "(" + ",".join(p.name for p in entry.params) + ")"
        if entry.blueprint == "required":
            head += "@BLUEPRINT"
        elif entry.blueprint == "optional":
            head += "[@BLUEPRINT]"
        status = ""
        if game is not None and entry.supports(game):
            status = f"  [not for {game.game_string}]"
        lines.append(f"{head}{status}")
        lines.append(f"    {entry.summary}")
        lines.append(f"    games: {entry.games}")
        for p in entry.params:
            lines.append(f"    - {p.describe()}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# Which games an agent plays (each returns the reason a game is not supported, or None)


def openspiel_game(game: Any) -> str | None:
    return None if game.engine == "openspiel" else "it needs an OpenSpiel game"


def native_hanabi_game(game: Any) -> str | None:
    return None if game.engine == "native-hanabi" else "it needs the native hanabi(...) game"


def infostate_game(game: Any) -> str | None:
    if game.engine != "openspiel":
        return "it needs an OpenSpiel game"
    if not game.raw.get_type().provides_information_state_string:
        return "the game has no information_state_string"
    return None


def zero_sum_infostate_game(game: Any) -> str | None:
    if not game.is_two_player_zero_sum:
        return "it needs a two-player zero-sum game"
    return infostate_game(game)


def common_payoff_infostate_game(game: Any) -> str | None:
    if not game.is_common_payoff:
        return "it needs a common-payoff (cooperative) game"
    return infostate_game(game)
