"""Agent specs: every agent of the suite addressed by one string, and the registry that builds them.

A spec reads ``name[:path][(param=value, ...)][@blueprint-spec]``, for example
``mmd(eta=50,alpha=0.01,histories=10)``, ``md(eta=3)@convention``, ``tabular:policy.npz``,
``mcts(simulations=100)`` or ``uniform``. ``@x`` names the blueprint the agent searches against
(itself a spec). One step of this module: parse the string, look the name up in ``REGISTRY``,
check every parameter against its declared type and range, check the agent is defined for the
game, then build it with the given seed (``build_agent``).

``eval.tournament`` and ``eval.hanabi`` both build their agents here. The native Hanabi
searches take the parameters hanabi_eval's result rows are keyed by, e.g.
``md(eta=6,rollouts=1000,rollout_epsilon=0,searchers=0)`` or ``sparta(rollouts=10000,skip=0.99)``;
``smart``/``holmes``/``simple``/``value`` name the rule-based bots (as ``smartbot`` etc. do).

Agents that live in modules other engineers are still writing are registered with one small
``AgentEntry`` each; their modules are imported only when such an agent is built, so a missing
module makes that entry unavailable (with a clear error) without breaking the others.
"""
from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import re
from typing import Any, Callable, Literal

from agents.protocol import Agent

# ----------------------------------------------------------------------------------------------
# Parsing


class SpecError(ValueError):
    """An agent spec that does not parse, names an unknown agent or parameter, or has a bad value."""


@dataclasses.dataclass(frozen=True)
class AgentSpec:
    """A parsed spec. ``params`` keeps the order the user wrote; ``str()`` gives a canonical form."""

    name: str
    params: tuple[tuple[str, Any], ...] = ()
    path: str | None = None
    blueprint: "AgentSpec | None" = None

    def __str__(self) -> str:
        text = self.name
        if self.path is not None:
            text += ":" + (self.path if _BARE_PATH.fullmatch(self.path) else _quote(self.path))
        if self.params:
            text += "(" + ",".join(f"{k}={_format_value(v)}" for k, v in self.params) + ")"
        if self.blueprint is not None:
            text += "@" + str(self.blueprint)
        return text


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
_BARE_PATH = re.compile(r"[^\s()@,=\"']+")
_BARE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.+\-/]*")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_SEATS = re.compile(r"\d+(\+\d+)+")            # seat numbers joined by '+', e.g. searchers=0+1


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    return text if _BARE_WORD.fullmatch(text) and text.lower() not in ("true", "false", "none") \
        else _quote(text)


class _Parser:
    """Recursive-descent parser over one spec string (positions are reported in errors)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, message: str) -> SpecError:
        return SpecError(f"bad agent spec {self.text!r}: {message} at position {self.pos}")

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            found = repr(self.peek()) if self.peek() else "end of spec"
            raise self.error(f"expected {char!r}, found {found}")
        self.pos += 1

    def spec(self) -> AgentSpec:
        self.skip()
        match = _NAME.match(self.text, self.pos)
        if match is None:
            raise self.error("expected an agent name (letters, digits, '_' or '-')")
        name = match.group(0).lower()
        self.pos = match.end()
        path = None
        if self.peek() == ":":
            self.pos += 1
            path = self.path()
        params: list[tuple[str, Any]] = []
        if self.peek() == "(":
            self.pos += 1
            params = self.arguments()
        blueprint = None
        if self.peek() == "@":
            self.pos += 1
            blueprint = self.spec()
        return AgentSpec(name, tuple(params), path, blueprint)

    def path(self) -> str:
        self.skip()
        if self.peek() in ("'", '"'):
            return self.quoted()
        match = _BARE_PATH.match(self.text, self.pos)
        if match is None:
            raise self.error("expected a path after ':'")
        self.pos = match.end()
        return match.group(0)

    def quoted(self) -> str:
        quote = self.text[self.pos]
        self.pos += 1
        out = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if char == quote:
                self.pos += 1
                return "".join(out)
            out.append(char)
            self.pos += 1
        raise self.error("unterminated quoted string")

    def arguments(self) -> list[tuple[str, Any]]:
        params: list[tuple[str, Any]] = []
        if self.peek() == ")":
            self.pos += 1
            return params
        while True:
            self.skip()
            match = _NAME.match(self.text, self.pos)
            if match is None:
                raise self.error("expected a parameter name")
            key = match.group(0)
            self.pos = match.end()
            if any(k == key for k, _ in params):
                raise self.error(f"parameter {key!r} given twice")
            self.expect("=")
            params.append((key, self.value()))
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect(")")
            return params

    def value(self) -> Any:
        self.skip()
        if self.peek() in ("'", '"'):
            return self.quoted()
        seats = _SEATS.match(self.text, self.pos)
        if seats is not None:
            self.pos = seats.end()
            return seats.group(0)
        number = _NUMBER.match(self.text, self.pos)
        if number is not None:
            self.pos = number.end()
            literal = number.group(0)
            return int(literal) if re.fullmatch(r"[+-]?\d+", literal) else float(literal)
        word = _BARE_WORD.match(self.text, self.pos)
        if word is None:
            raise self.error("expected a value (number, true/false, word or quoted string)")
        self.pos = word.end()
        lowered = word.group(0).lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "none":
            return None
        return word.group(0)


def parse_spec(text: "str | AgentSpec") -> AgentSpec:
    """Parse a spec string (syntax only; ``resolve`` checks names and parameters)."""
    if isinstance(text, AgentSpec):
        return text
    if not isinstance(text, str):
        raise SpecError(f"agent spec must be a string, got {type(text).__name__}")
    if not text.strip():
        raise SpecError("agent spec is empty")
    parser = _Parser(text)
    spec = parser.spec()
    if parser.peek():
        raise parser.error(f"unexpected {parser.peek()!r}")
    return spec


# ----------------------------------------------------------------------------------------------
# Registry

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
                raise SpecError(f"{where} must be true or false, got {_format_value(value)}")
        elif self.type is int:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                    (isinstance(value, float) and not value.is_integer()):
                raise SpecError(f"{where} must be an integer, got {_format_value(value)}")
            out = int(value)
        elif self.type is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SpecError(f"{where} must be a number, got {_format_value(value)}")
            out = float(value)
            if out != out or out in (float("inf"), float("-inf")):
                raise SpecError(f"{where} must be finite, got {value}")
        else:
            if not isinstance(value, str):
                raise SpecError(f"{where} must be a string, got {_format_value(value)}")
            out = value
        if self.pattern is not None and not re.fullmatch(self.pattern, out):
            raise SpecError(f"{where}: {_format_value(out)} is not valid ({self.doc})")
        if self.choices is not None and out not in self.choices:
            raise SpecError(f"{where} must be one of {', '.join(map(str, self.choices))}; "
                            f"got {_format_value(out)}")
        if self.positive and out <= 0:
            raise SpecError(f"{where} must be positive, got {_format_value(out)}")
        if self.minimum is not None and out < self.minimum:
            raise SpecError(f"{where} must be at least {self.minimum}, got {_format_value(out)}")
        return out

    def describe(self) -> str:
        text = f"{self.name}: {self.type.__name__} = {_format_value(self.default)}"
        if self.choices is not None:
            text += f" (one of {', '.join(map(str, self.choices))})"
        return text + (f" — {self.doc}" if self.doc else "")


@dataclasses.dataclass(frozen=True)
class AgentEntry:
    """One registered agent: how to check, document and build it.

    ``build(game, seed, blueprint=..., path=..., **params)`` returns the agent; ``supports(game)``
    returns why the agent is not defined for a game (or None); ``modules`` are imported lazily
    and decide availability; ``blueprint`` is "none", "optional" or "required"; ``threads``: the
    factory also takes ``num_threads`` (OpenMP threads of its rollouts, from ``build_agent``).
    """

    name: str
    summary: str
    games: str
    build: Factory
    params: tuple[Param, ...] = ()
    supports: GameSupport = lambda game: None
    modules: tuple[str, ...] = ()
    blueprint: str = "none"
    path: str = "none"              # "none" or "required" (``name:path``)
    threads: bool = False

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise SpecError(f"agent {self.name!r} has no parameter {name!r} (its parameters: {known})")

    def missing_modules(self) -> list[str]:
        missing = []
        for module in self.modules:
            try:
                found = importlib.util.find_spec(module) is not None
            except (ImportError, ValueError):
                found = False
            if not found:
                missing.append(module)
        return missing

    @property
    def available(self) -> bool:
        return not self.missing_modules()


REGISTRY: dict[str, AgentEntry] = {}


def register(entry: AgentEntry) -> AgentEntry:
    """Add an agent to the registry (a later entry with the same name replaces the earlier)."""
    if not _NAME.fullmatch(entry.name) or entry.name != entry.name.lower():
        raise ValueError(f"agent name {entry.name!r} must be lower-case letters, digits, '_' or '-'")
    if entry.blueprint not in ("none", "optional", "required"):
        raise ValueError(f"blueprint must be 'none', 'optional' or 'required', got {entry.blueprint!r}")
    REGISTRY[entry.name] = entry
    return entry


def _entry(name: str) -> AgentEntry:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise SpecError(f"unknown agent {name!r}; known agents: {known} "
                        "(python -m eval.tournament --list-agents)") from None


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
    """Resolve a spec and check it can be built for ``game`` (a handle or a game string)."""
    from envs.games import make_game
    handle = make_game(game) if isinstance(game, str) else game
    resolved = resolve(spec)
    _check_for_game(resolved, handle)
    return resolved


def _check_for_game(resolved: ResolvedSpec, game: Any) -> None:
    entry = resolved.entry
    missing = entry.missing_modules()
    if missing:
        raise SpecError(f"agent {entry.name!r} is not available: module(s) "
                        f"{', '.join(missing)} not found")
    reason = entry.supports(game)
    if reason:
        raise SpecError(f"agent {entry.name!r} cannot play {game.game_string}: {reason} "
                        f"(it plays {entry.games})")
    if resolved.blueprint is not None:
        _check_for_game(resolved.blueprint, game)


def build_agent(spec: "str | AgentSpec | ResolvedSpec", game: Any, seed: int, *,
                num_threads: int = 1) -> Agent:
    """Build the agent a spec names for ``game`` with randomness from ``seed``; agents that run
    rollouts in native threads (entries with ``threads``) use ``num_threads`` of them."""
    from envs.games import make_game
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise SpecError(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(num_threads, int) or isinstance(num_threads, bool) or num_threads < 1:
        raise SpecError(f"num_threads must be a positive integer, got {num_threads!r}")
    handle = make_game(game) if isinstance(game, str) else game
    resolved = spec if isinstance(spec, ResolvedSpec) else resolve(spec)
    _check_for_game(resolved, handle)
    return _build(resolved, handle, seed, num_threads)


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
        kwargs["path"] = resolved.spec.path
    if resolved.entry.threads:
        kwargs["num_threads"] = num_threads
    return resolved.entry.build(game, seed, **kwargs)


def describe_agents(game: Any = None) -> str:
    """Text for ``--list-agents``: every agent with its parameters, games and availability."""
    lines = []
    for name in sorted(REGISTRY):
        entry = REGISTRY[name]
        head = name + (":PATH" if entry.path == "required" else "")
        if entry.params:
            head += "(" + ",".join(p.name for p in entry.params) + ")"
        if entry.blueprint == "required":
            head += "@BLUEPRINT"
        elif entry.blueprint == "optional":
            head += "[@BLUEPRINT]"
        missing = entry.missing_modules()
        status = f"  [not available: {', '.join(missing)} missing]" if missing else ""
        if game is not None and not missing and entry.supports(game):
            status = f"  [not for {game.game_string}]"
        lines.append(f"{head}{status}")
        lines.append(f"    {entry.summary}")
        lines.append(f"    games: {entry.games}")
        for p in entry.params:
            lines.append(f"    - {p.describe()}")
    return "\n".join(lines)



# ----------------------------------------------------------------------------------------------
# Which games an agent plays (each returns the reason a game is not supported, or None)


def _openspiel(game: Any) -> str | None:
    return None if game.engine == "openspiel" else "it needs an OpenSpiel game"


def _native_hanabi(game: Any) -> str | None:
    return None if game.engine == "native-hanabi" else "it needs the native hanabi(...) game"


def _infostate_game(game: Any) -> str | None:
    if game.engine != "openspiel":
        return "it needs an OpenSpiel game"
    if not game.raw.get_type().provides_information_state_string:
        return "the game has no information_state_string"
    return None


def _zero_sum_infostate(game: Any) -> str | None:
    if not game.is_two_player_zero_sum:
        return "it needs a two-player zero-sum game"
    return _infostate_game(game)


def _common_payoff_infostate(game: Any) -> str | None:
    if not game.is_common_payoff:
        return "it needs a common-payoff (cooperative) game"
    return _infostate_game(game)


def _resamplable(game: Any) -> str | None:
    """OpenSpiel games whose states implement ``resample_from_infostate`` (needed by IS-MCTS)."""
    reason = _openspiel(game)
    if reason:
        return reason
    import numpy as np
    import pyspiel
    state = game.raw.new_initial_state()
    rng = np.random.default_rng(0)
    while state.is_chance_node():
        state.apply_action(game.sample_chance(state, rng))
    if state.is_terminal():
        return None
    try:
        state.resample_from_infostate(state.current_player(),
                                      pyspiel.UniformProbabilitySampler(0.0, 1.0))
    except pyspiel.SpielError:
        return "the game does not implement resample_from_infostate"
    return None


# ----------------------------------------------------------------------------------------------
# Factories (imports are local so that a missing module only disables its own agents)


def _build_uniform(game: Any, seed: int) -> Agent:
    from agents.uniform import UniformAgent
    return UniformAgent(seed)


def _build_tabular(game: Any, seed: int, *, path: str, average: bool) -> Agent:
    """``tabular:PATH``: a policy file written by ``search.cfr.tree_policy.save_policy``, a solver
    state written by ``TreeSolver.save`` (its average policy, or the current one with
    ``average=false``), a ``.npz`` with arrays infostates/indptr/actions/probs (``save_table``),
    or a ``.json`` {information state: {action: probability}}."""
    import os
    if not os.path.isfile(path):
        raise SpecError(f"tabular policy file {path!r} does not exist")
    key = (os.path.abspath(path), os.path.getmtime(path), game.game_string, average)
    if key not in _TABLE_CACHE:
        _TABLE_CACHE[key] = _load_table(path, game, average)
    kind, payload = _TABLE_CACHE[key]
    if kind == "slots":
        from search.cfr.tree_policy import SlotPolicyAgent as SlotAgent
        tree, probs = payload
        return SlotAgent(tree, probs, seed)
    from agents.tabular import TabularAgent
    return TabularAgent(payload, seed)


_TABLE_CACHE: dict[tuple[Any, ...], tuple[str, Any]] = {}


def _load_table(path: str, game: Any, average: bool) -> tuple[str, Any]:
    import json

    import numpy as np
    try:
        if path.endswith(".json"):
            with open(path, encoding="utf-8") as handle:
                raw = json.load(handle)
            return "dict", {str(k): {int(a): float(p) for a, p in v.items()}
                            for k, v in raw.items()}
        with np.load(path, allow_pickle=False) as data:
            files = set(data.files)
            arrays = {name: data[name] for name in files & {"infostates", "indptr", "actions",
                                                             "probs", "kind"}}
        if "meta" in files:                             # a TreeSolver.save file
            from search.cfr.cfr import load_solver
            solver = load_solver(path, game.raw)
            probs = solver.average_policy_array() if average else solver.current_policy_array()
            return "slots", (solver.tree, probs)
        if "kind" in arrays and arrays["kind"].tobytes() == b"tabular_policy":
            from envs.tree_compile import cached_game_tree
            from search.cfr.tree_policy import load_policy
            tree = cached_game_tree(game.raw)
            return "slots", (tree, load_policy(path, tree))
        from agents.tabular import TabularAgent
        return "dict", TabularAgent.load(path).table
    except (OSError, KeyError, ValueError, TypeError, AttributeError) as err:
        raise SpecError(f"cannot read tabular policy file {path!r}: {err}") from None


def save_table(path: str, table: dict[str, dict[int, float]]) -> None:
    """Write a tabular policy in the ``.npz`` layout ``tabular:PATH`` reads (``TabularAgent.save``)."""
    from agents.tabular import TabularAgent
    TabularAgent(table).save(path)


def _build_mmd(game: Any, seed: int, *, blueprint: Agent | None, eta: float, alpha: float,
               histories: int, rollouts: int, exact: bool, act: Literal["sample", "argmax"],
               max_nodes: int, particles: int) -> Agent:
    from search.update_equivalent.mmd import mmd_search
    return mmd_search(game.raw, eta=eta, alpha=alpha, blueprint=blueprint,
                      num_histories=histories, rollouts=rollouts, act_mode=act, exact=exact,
                      seed=seed, max_nodes=max_nodes, num_particles=particles)


AUTO = "auto"      # default of parameters whose value depends on the game (see their doc)


def _auto(value: Any, default: Any) -> Any:
    return default if value == AUTO else value


def _only_defaults(agent: str, where: str, **values: Any) -> None:
    """``SpecError`` if a parameter that means nothing for this game was given a non-default
    value (e.g. ``md(skip=0.99)`` on an OpenSpiel game)."""
    for name, value in values.items():
        if value != REGISTRY[agent].param(name).default:
            raise SpecError(f"{agent}: parameter {name!r} is for {where} only, got "
                            f"{name}={_format_value(value)}")


def _seats(searchers: str) -> tuple[int, ...] | None:
    """``searchers`` text -> None (every seat) or the seat numbers (``"0+1"`` -> (0, 1))."""
    return None if searchers == "all" else tuple(int(x) for x in searchers.split("+"))


def _hanabi_blueprint(agent: str, blueprint: Agent | None, bot: str, **mixing: Any) -> Any:
    """The blueprint of a native Hanabi search: ``@X`` if given, else the bot named by ``bot``
    (its name; ``mixing`` holds parameters that only apply to ``bot``, which must then stay at
    their defaults)."""
    if blueprint is None:
        return bot
    _only_defaults(agent, "the bot= blueprint (not with @blueprint)", bot=bot, **mixing)
    return blueprint


def _build_md(game: Any, seed: int, *, blueprint: Agent | None, eta: float, histories: Any,
              rollouts: Any, exact: bool, act: Literal["sample", "argmax"], max_nodes: int,
              particles: int, bot: str,
              epsilon: float, seconds: float | None, rollout_epsilon: float | None,
              searchers: str, max_exact: int, samples: int, skip: float | None,
              num_threads: int = 1) -> Agent:
    """Native Hanabi: ``HanabiMDSearch`` over ``@X`` or the epsilon-mixed ``bot`` (budget =
    rollouts per decision); OpenSpiel games: ``search.update_equivalent.md.md_search``."""
    if game.engine == "native-hanabi":
        from agents.full_support import full_support_bot
        from search.hanabi.md import HanabiMDSearch
        _only_defaults("md", "small OpenSpiel games", exact=exact, max_nodes=max_nodes,
                       particles=particles)
        bp = _hanabi_blueprint("md", blueprint, bot, epsilon=epsilon)
        try:
            if isinstance(bp, str):
                bp = full_support_bot(bp, epsilon, seed=seed)
            return HanabiMDSearch(bp, eta, rollouts=_auto(rollouts, 1000), seconds=seconds,
                                  num_histories=_auto(histories, 64),
                                  rollout_epsilon=rollout_epsilon, searchers=_seats(searchers),
                                  act_mode=act, max_exact=max_exact, num_samples=samples,
                                  skip_sure_plays=skip, num_threads=num_threads, seed=seed)
        except (ValueError, TypeError) as err:
            raise SpecError(f"md: {err}") from None
    _only_defaults("md", "native Hanabi", bot=bot, epsilon=epsilon, seconds=seconds,
                   rollout_epsilon=rollout_epsilon, searchers=searchers, max_exact=max_exact,
                   samples=samples, skip=skip)
    if rollouts is None:
        raise SpecError("md: rollouts=none (no rollout cap, a time budget) is for native Hanabi")
    from search.update_equivalent.md import md_search
    return md_search(game.raw, eta=eta, blueprint=blueprint, num_histories=_auto(histories, 10),
                     rollouts=_auto(rollouts, 1), act_mode=act, exact=exact, seed=seed,
                     max_nodes=max_nodes, num_particles=particles)


def _md_game(game: Any) -> str | None:
    return None if game.engine == "native-hanabi" else _common_payoff_infostate(game)


def _build_sparta(game: Any, seed: int, *, blueprint: Agent | None, rollouts: int | None,
                  seconds: float | None, threshold: float, batch: int, z: float, prune: bool,
                  epsilon: float, rollout_epsilon: float, searchers: str, max_exact: int,
                  samples: int, skip: float | None, bot: str, num_threads: int = 1) -> Agent:
    from search.hanabi.sparta import SpartaSearch
    bp = _hanabi_blueprint("sparta", blueprint, bot)
    try:
        agent = SpartaSearch(bp, rollouts=rollouts, seconds=seconds, threshold=threshold,
                             batch=batch, prune=prune, prune_z=z, belief_epsilon=epsilon,
                             rollout_epsilon=rollout_epsilon,
                             searchers=searchers if searchers == "first" else _seats(searchers),
                             max_exact=max_exact, num_samples=samples, skip_sure_plays=skip,
                             num_threads=num_threads, seed=seed)
    except (ValueError, TypeError) as err:
        raise SpecError(f"sparta: {err}") from None
    return agent


def _build_sparta_joint(game: Any, seed: int, *, blueprint: Agent | None, rollouts: int,
                        seconds: float | None, threshold: float, batch: int, z: float,
                        max_range: int, rollout_epsilon: float, max_exact: int, bot: str,
                        num_threads: int = 1) -> Agent:
    from search.hanabi.sparta_joint import JointSpartaSearch
    bp = _hanabi_blueprint("sparta-joint", blueprint, bot)
    try:
        return JointSpartaSearch(bp, rollouts=rollouts, seconds=seconds, threshold=threshold,
                                 batch=batch, prune_z=z, max_range=max_range,
                                 rollout_epsilon=rollout_epsilon, max_exact=max_exact,
                                 num_threads=num_threads, seed=seed)
    except (ValueError, TypeError) as err:
        raise SpecError(f"sparta-joint: {err}") from None


def _build_mcts(game: Any, seed: int, *, simulations: int, uct_c: float, rollouts: int,
                solve: bool) -> Agent:
    import numpy as np
    from open_spiel.python.algorithms import mcts

    from agents.adapters import BotAgent
    evaluator = mcts.RandomRolloutEvaluator(rollouts, np.random.RandomState(seed))
    bot = mcts.MCTSBot(game.raw, uct_c, simulations, evaluator, solve=solve,
                       random_state=np.random.RandomState(seed ^ 0x5EED))
    return BotAgent(bot)


def _build_ismcts(game: Any, seed: int, *, simulations: int, uct_c: float, rollouts: int) -> Agent:
    import numpy as np
    import pyspiel
    from open_spiel.python.algorithms import ismcts, mcts

    evaluator = mcts.RandomRolloutEvaluator(rollouts, np.random.RandomState(seed))
    bot = ismcts.ISMCTSBot(game.raw, evaluator, uct_c, simulations,
                           random_state=np.random.RandomState(seed ^ 0x5EED))
    # The bot's default world sampler is seeded from the clock; use a seeded one instead.
    sampler = pyspiel.UniformProbabilitySampler(seed, 0.0, 1.0)
    bot._resampler_cb = lambda state, player: state.resample_from_infostate(player, sampler)
    return _SteppingBot(bot)


class _SteppingBot:
    """A ``pyspiel.Bot`` that rebuilds its search at every ``step`` (IS-MCTS) used as an Agent;
    unlike ``agents.adapters.BotAgent`` it needs no ``restart_at``. Its policy is its move."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot

    def act(self, state: Any) -> int:
        return int(self.bot.step(state))

    def action_probabilities(self, state: Any) -> dict[int, float]:
        return {self.act(state): 1.0}


def _build_hle(kind: str) -> Factory:
    def build(game: Any, seed: int) -> Agent:
        from agents.hanabi.hle import HLEAgent
        return HLEAgent.from_name(kind, game.raw, seed=seed)
    return build


_HISTORY_PARAMS = (
    Param("histories", int, 10, "histories sampled from the searcher's posterior", positive=True),
    Param("rollouts", int, 1, "blueprint rollouts per history and action", positive=True),
    Param("exact", bool, False, "whole posterior and exact action values (small games)"),
    Param("max_nodes", int, 20_000, "node budget of the exact posterior enumeration",
          positive=True),
    Param("particles", int, 100, "particles of the sequential importance sampler", positive=True),
)

register(AgentEntry(
    "uniform", "uniform random over the legal actions", "any game", _build_uniform))
register(AgentEntry(
    "tabular", "a stored tabular policy: search.cfr.tree_policy.save_policy or TreeSolver.save "
    ".npz, a .npz with infostates/indptr/actions/probs (eval.specs.registry.save_table), or .json",
    "OpenSpiel games with information_state_string", _build_tabular,
    params=(Param("average", bool, True, "solver files: play the average policy "
                  "(false: the current iterate)"),),
    supports=_infostate_game, path="required"))
register(AgentEntry(
    "mmd", "MMD search (update-equivalent search with the magnetic mirror descent update); "
    "blueprint @X defaults to uniform", "two-player zero-sum OpenSpiel games", _build_mmd,
    params=(Param("eta", float, 50.0, "step size", positive=True),
            Param("alpha", float, 0.01, "magnet (regularisation) temperature", minimum=0.0),
            *_HISTORY_PARAMS[:3],
            Param("act", str, "sample", "how to act on the updated policy",
                  choices=("sample", "argmax")),
            *_HISTORY_PARAMS[3:]),
    supports=_zero_sum_infostate, modules=("search.update_equivalent.mmd",), blueprint="optional"))

# Parameters of the native Hanabi searches (md on native Hanabi, sparta, sparta-joint); the
# names and defaults are those eval.hanabi has keyed its result rows by.
_SEARCHERS = r"all|[0-4](\+[0-4])*"
_SECONDS = Param("seconds", float, None, "native Hanabi: seconds per decision (with rollouts: "
                 "whichever runs out first; none: rollouts only)", positive=True, nullable=True)
_THRESHOLD = Param("threshold", float, 0.05, "deviation threshold (points): play the best move "
                   "only if its value beats the blueprint move's by more", minimum=0.0)
_BATCH = Param("batch", int, 16, "hands drawn per round of rollouts", positive=True)
_Z = Param("z", float, 2.5, "prune a move whose mean is this many standard errors below the "
           "best", minimum=0.0)
_ROLLOUT_EPSILON = Param("rollout_epsilon", float, 0.0, "weight of uniform moves in the "
                         "rollouts", minimum=0.0)
_MAX_EXACT = Param("max_exact", int, 5000, "native Hanabi: enumerate own hands exactly up to "
                   "this many, else importance sampling", positive=True)
_SAMPLES = Param("samples", int, 2000, "native Hanabi: importance samples of own hands",
                 positive=True)
_SKIP = Param("skip", float, None, "native Hanabi: do not search when the blueprint plays a card "
              "believed playable with at least this probability (none: always search)",
              positive=True, nullable=True)
_BOT = Param("bot", str, "smart", "native Hanabi: the rule-based blueprint bot when no "
             "@blueprint is given", choices=("smart", "holmes", "simple", "value"))

register(AgentEntry(
    "md", "MD search (update-equivalent search with the mirror descent update); OpenSpiel games: "
    "blueprint @X defaults to uniform; native Hanabi: blueprint @X or the epsilon-mixed bot "
    "(bot=smart, epsilon=0.01), budget = rollouts per decision",
    "common-payoff OpenSpiel games (e.g. tiny_hanabi) and native hanabi(...)",
    _build_md,
    params=(Param("eta", float, 1.0, "step size", positive=True),
            Param("histories", int, AUTO, "histories sampled from the searcher's posterior "
                  "(auto: 10 on OpenSpiel games, 64 on native Hanabi)", positive=True),
            Param("rollouts", int, AUTO, "OpenSpiel games: blueprint rollouts per history and "
                  "action (auto: 1); native Hanabi: rollouts per decision, spread over the "
                  "sampled hands and legal moves (auto: 1000; none: no cap, needs seconds)",
                  positive=True, nullable=True),
            *_HISTORY_PARAMS[2:3],
            Param("act", str, "argmax", "how to act on the updated policy",
                  choices=("sample", "argmax")),
            *_HISTORY_PARAMS[3:],
            Param("epsilon", float, 0.01, "native Hanabi: uniform weight of the epsilon-mixed "
                  "bot= blueprint", positive=True),
            _SECONDS,
            Param("rollout_epsilon", float, None, "native Hanabi: weight of uniform moves in "
                  "the rollouts (none: the blueprint's epsilon; the measured runs use 0, as the "
                  "epsilon noise in ~1,000 rollouts caused spurious deviations)", minimum=0.0,
                  nullable=True),
            Param("searchers", str, "all", "native Hanabi: seats that search, all or seat "
                  "numbers joined by '+' (e.g. 0 or 0+1); the others play the blueprint",
                  pattern=_SEARCHERS),
            _MAX_EXACT, _SAMPLES, _SKIP, _BOT),
    supports=_md_game, modules=("search.update_equivalent.md",), blueprint="optional", threads=True))
register(AgentEntry(
    "sparta", "single-agent SPARTA (Lerer et al. 2020): Monte Carlo search over the legal moves "
    "with UCB-style pruning, deviating from the blueprint move only by more than threshold; "
    "beliefs assume partners play the blueprint; blueprint @X or bot= (default smart)",
    "native hanabi(...)", _build_sparta,
    params=(Param("rollouts", int, 10_000, "rollouts per decision (none: no cap, needs "
                  "seconds)", positive=True, nullable=True),
            _SECONDS, _THRESHOLD, _BATCH, _Z,
            Param("prune", bool, True, "UCB-style pruning of moves"),
            Param("epsilon", float, 0.01, "belief epsilon of a deterministic bot blueprint (the "
                  "weight the belief gives partners' off-bot moves)", minimum=0.0),
            _ROLLOUT_EPSILON,
            Param("searchers", str, "first", "seats that search: first (the seat where this "
                  "agent object first moves: seat 0 when one object plays every seat as in "
                  "eval.hanabi, its own seat in a tournament), all, or seat numbers joined "
                  "by '+' (e.g. 0+1); the others play the blueprint",
                  pattern=r"first|" + _SEARCHERS),
            _MAX_EXACT, _SAMPLES, _SKIP, _BOT),
    supports=_native_hanabi, modules=("search.hanabi.sparta",), blueprint="optional", threads=True))
register(AgentEntry(
    "sparta-joint", "multi-agent (public-belief) SPARTA: every seat searches and replicates its "
    "search over its range so partners' beliefs stay consistent; above max_range it plays the "
    "blueprint; blueprint @X or bot= (default smart)",
    "native hanabi(players=2)", _build_sparta_joint,
    params=(Param("rollouts", int, 10_000, "rollouts per decision", positive=True),
            Param("seconds", float, None, "not supported (the replicated searches need a "
                  "rollout budget): none only", positive=True, nullable=True),
            _THRESHOLD, _BATCH, _Z,
            Param("max_range", int, 200, "largest range searched (else blueprint)",
                  positive=True),
            _ROLLOUT_EPSILON,
            Param("max_exact", int, 20_000, "enumerate ranges exactly up to this many hands",
                  positive=True),
            _BOT),
    supports=_native_hanabi, modules=("search.hanabi.sparta_joint",), blueprint="optional",
    threads=True))
register(AgentEntry(
    "mcts", "OpenSpiel's MCTSBot with random-rollout evaluation. It searches the TRUE state "
    "(sees hidden cards): an omniscient reference, not a fair imperfect-information player",
    "OpenSpiel games", _build_mcts,
    params=(Param("simulations", int, 100, "simulations per move", positive=True),
            Param("uct_c", float, 2.0, "UCT exploration constant", minimum=0.0),
            Param("rollouts", int, 1, "random rollouts per leaf evaluation", positive=True),
            Param("solve", bool, False, "MCTS-Solver backups of proven values")),
    supports=_openspiel))
register(AgentEntry(
    "ismcts", "OpenSpiel's information-set MCTS bot (samples worlds from the player's "
    "information state)", "OpenSpiel games implementing resample_from_infostate "
    "(e.g. kuhn_poker, leduc_poker)", _build_ismcts,
    params=(Param("simulations", int, 100, "simulations per move", positive=True),
            Param("uct_c", float, 2.0, "UCT exploration constant", minimum=0.0),
            Param("rollouts", int, 1, "random rollouts per leaf evaluation", positive=True)),
    supports=_resamplable))
register(AgentEntry(
    "hle-simple", "Hanabi Learning Environment's SimpleAgent (via agents.hanabi.hle)",
    "native hanabi(...)", _build_hle("simple"), supports=_native_hanabi,
    modules=("hanabi_learning_environment", "envs.hanabi.game")))
register(AgentEntry(
    "hle-random", "Hanabi Learning Environment's RandomAgent (via agents.hanabi.hle)",
    "native hanabi(...)", _build_hle("random"), supports=_native_hanabi,
    modules=("hanabi_learning_environment", "envs.hanabi.game")))


def _build_hanabi_bot(bot: str) -> Factory:
    def build(game: Any, seed: int) -> Agent:
        from agents.hanabi.bots import HanabiBotAgent
        return HanabiBotAgent(bot, seed=seed)
    return build


def _build_convention(game: Any, seed: int, *, bot: str, epsilon: float) -> Agent:
    from agents.full_support import full_support_bot
    return full_support_bot(bot, epsilon=epsilon, seed=seed)


def _build_mixed(game: Any, seed: int, *, blueprint: Agent, epsilon: float,
                 temperature: float | None) -> Agent:
    from agents.full_support import FullSupportPolicy
    return FullSupportPolicy(blueprint, epsilon=epsilon, temperature=temperature, seed=seed)


_SOLVERS: dict[str, tuple[str, str]] = {
    "cfr": ("search.cfr.cfr", "CFRSolver"), "cfr+": ("search.cfr.cfr", "CFRPlusSolver"),
    "dcfr": ("search.cfr.dcfr", "DCFRSolver"), "lcfr": ("search.cfr.dcfr", "LinearCFRSolver"),
    "pcfr+": ("search.cfr.pcfr", "PCFRPlusSolver"), "mmd": ("search.cfr.mmd", "MMDSolver"),
}
_SOLVED: dict[tuple[str, str, int, bool], Any] = {}


def _build_solver(game: Any, seed: int, *, solver: str, iters: int, average: bool) -> Agent:
    """Solve the whole game once per process (cached) and play the resulting policy."""
    from search.cfr.tree_policy import SlotPolicyAgent as SlotAgent
    key = (game.game_string, solver, iters, average)
    if key not in _SOLVED:
        module, name = _SOLVERS[solver]
        cls = getattr(importlib.import_module(module), name)
        instance = cls(game.raw).run(iters)
        probs = instance.average_policy_array() if average else instance.current_policy_array()
        _SOLVED[key] = (instance.tree, probs)
    tree, probs = _SOLVED[key]
    return SlotAgent(tree, probs, seed)


HANABI_BOTS: dict[str, str] = {}        # agent name -> rule-based bot it is ("smartbot" -> "smart")


def hanabi_bot(spec: "str | AgentSpec") -> str | None:
    """The rule-based bot a spec names ("smart" for ``smart`` or ``smartbot``), or None for any
    other agent or a spec that does not parse (eval.hanabi's paired-difference reference)."""
    try:
        return HANABI_BOTS.get(parse_spec(spec).name)
    except SpecError:
        return None


for _bot, _text in (("simple", "SimpleBot: play hinted-playable, hint playable, discard oldest"),
                    ("value", "ValueBot: SimpleBot plus valuable/worthless tracking and warnings"),
                    ("holmes", "HolmesBot: card-knowledge deduction, warnings"),
                    ("smart", "SmartBot: tracks what partners can deduce; hint conventions")):
    for _name, _summary in ((f"{_bot}bot", f"{_text} (native rule-based bot, deterministic)"),
                            (_bot, f"= {_bot}bot (the name eval.hanabi uses)")):
        register(AgentEntry(_name, _summary, "native hanabi(...)", _build_hanabi_bot(_bot),
                            supports=_native_hanabi,
                            modules=("agents.hanabi.bots", "envs.hanabi.game")))
        HANABI_BOTS[_name] = _bot
register(AgentEntry(
    "convention", "epsilon-mixed rule-based convention bot: the full-support Hanabi blueprint "
    "for MD search / SPARTA (@convention)", "native hanabi(...)", _build_convention,
    params=(Param("bot", str, "smart", "rule-based bot", choices=("simple", "holmes", "smart")),
            Param("epsilon", float, 0.05, "weight of the uniform mixture", positive=True)),
    supports=_native_hanabi, modules=("agents.full_support", "agents.hanabi.bots",
                                      "envs.hanabi.game")))
register(AgentEntry(
    "mixed", "(1 - epsilon) * blueprint + epsilon * uniform, sampled (full-support wrapper of "
    "any agent; Boltzmann over the blueprint's action_scores with temperature)",
    "the blueprint's games", _build_mixed,
    params=(Param("epsilon", float, 0.05, "weight of the uniform mixture", positive=True),
            Param("temperature", float, None, "Boltzmann temperature (blueprints with "
                  "action_scores only)", positive=True)),
    modules=("agents.full_support",), blueprint="required"))
register(AgentEntry(
    "cfr", "a tabular solver run on the whole game at start-up (once per worker process), "
    "playing its average policy (mmd: last iterate recommended, average=false)",
    "OpenSpiel games whose tree fits in memory (kuhn_poker, leduc_poker, small dark_hex, ...)",
    _build_solver,
    params=(Param("solver", str, "cfr+", "algorithm", choices=tuple(_SOLVERS)),
            Param("iters", int, 1000, "iterations", positive=True),
            Param("average", bool, True, "play the average policy (false: current iterate)")),
    supports=_infostate_game, modules=("search.cfr.cfr", "csrc.cfr_kernels")))


def _build_subgame(game: Any, seed: int, *, blueprint: Agent | None, iters: int, algorithm: str,
                   gadget: str, opt_out: str, max_public_histories: int,
                   max_subgame_nodes: int, rollouts: int) -> Agent:
    from agents.uniform import UniformAgent
    from search.subgame.agent import SubgameSolvingAgent
    return SubgameSolvingAgent(game.raw, blueprint if blueprint is not None else UniformAgent(seed),
                               iterations=iters, algorithm=algorithm, seed=seed, gadget=gadget,
                               opt_out=opt_out, max_public_histories=max_public_histories,
                               max_subgame_nodes=max_subgame_nodes, rollouts=rollouts)


register(AgentEntry(
    "cfr-subgame", "decision-time subgame solving at the current public state (resolve gadget), "
    "the public-belief-state baseline; blueprint @X defaults to uniform",
    "two-player zero-sum OpenSpiel games", _build_subgame,
    params=(Param("iters", int, 200, "solver iterations per subgame", positive=True),
            Param("algorithm", str, "cfr+", "subgame solver",
                  choices=("cfr+", "dcfr", "cfr", "lcfr", "pcfr+")),
            Param("gadget", str, "resolve", "opt-out gadget", choices=("resolve", "none")),
            Param("opt_out", str, "best_response", "opt-out value of the opponent",
                  choices=("best_response", "blueprint")),
            Param("max_public_histories", int, 100_000, "above this public-state size play "
                  "the blueprint", positive=True),
            Param("max_subgame_nodes", int, 500_000, "larger subgames are depth-limited",
                  positive=True),
            Param("rollouts", int, 4, "blueprint playouts per depth-limited leaf (uncompiled "
                  "games)", positive=True)),
    supports=_zero_sum_infostate, modules=("search.subgame.agent",), blueprint="optional"))


_NETS: dict[tuple[Any, ...], Any] = {}


def _build_torch(game: Any, seed: int, *, path: str, temperature: float) -> Agent:
    """A neural blueprint checkpoint (agents.neural.checkpoint); the network is loaded once per
    process and shared by the agents built from it (inference only)."""
    import os

    from agents.neural.checkpoint import load_policy
    from agents.neural.policy import TorchPolicy
    if not os.path.isfile(path):
        raise SpecError(f"checkpoint {path!r} does not exist")
    key = (os.path.abspath(path), os.path.getmtime(path), game.game_string)
    if key not in _NETS:
        try:
            _NETS[key] = load_policy(path, game.game_string, seed=0)
        except ValueError as err:
            raise SpecError(f"cannot use checkpoint {path!r}: {err}") from None
    loaded = _NETS[key]
    return TorchPolicy(loaded.net, loaded.encoding, seed=seed, temperature=temperature)


register(AgentEntry(
    "torch", "a neural blueprint checkpoint (agents.neural.checkpoint), sampled",
    "the OpenSpiel game the checkpoint was trained on", _build_torch,
    params=(Param("temperature", float, 1.0, "divides the logits (small = nearly greedy)",
                  positive=True),),
    supports=_openspiel, modules=("torch", "agents.neural.checkpoint"), path="required"))
