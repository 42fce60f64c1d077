"""Agent specs of the native Hanabi engine: the rule-based bots (``smartbot``/``smart``, ...),
``convention`` (an epsilon-mixed bot), ``md`` (MD search, which also plays OpenSpiel games),
``sparta``, ``sparta-joint`` and the Hanabi Learning Environment agents.

The native Hanabi searches take the parameters hanabi_eval's result rows are keyed by, e.g.
``md(eta=6,rollouts=1000,rollout_epsilon=0,searchers=0)`` or ``sparta(rollouts=10000,skip=0.99)``;
without ``@blueprint`` they search against the bot named by ``bot=`` (epsilon-mixed for ``md``).
One step of a factory: pick the blueprint (``@X`` or the ``bot=`` bot), then construct the
search, turning its ValueError/TypeError into a ``SpecError`` naming the agent. ``md`` on an
OpenSpiel game is built by ``uedtp.eval.specs.openspiel.build_md_openspiel``; parameters that mean
nothing for the game at hand must keep their defaults.
"""
from __future__ import annotations

from typing import Any

from uedtp.agents.full_support import full_support_bot
from uedtp.agents.hanabi.bots import HanabiBotAgent
from uedtp.agents.hanabi.hle import HLEAgent
from uedtp.agents.protocol import ActMode, Agent, NetworkBlueprint, RuleBasedBlueprint
from uedtp.eval.specs.grammar import AgentSpec, SpecError, format_value, parse_spec
from uedtp.eval.specs.openspiel import HISTORY_PARAMS, build_md_openspiel
from uedtp.eval.specs.registry import (REGISTRY, AgentEntry, Factory, Param,
                                       common_payoff_infostate_game, native_hanabi_game, register)
from uedtp.search.hanabi.md import HanabiMDSearch
from uedtp.search.hanabi.sparta import SpartaSearch
from uedtp.search.hanabi.sparta_joint import JointSpartaSearch

__all__ = ["AUTO", "HANABI_BOTS", "hanabi_bot"]

AUTO = "auto"      # default of parameters whose value depends on the game (see their doc)


def _auto(value: Any, default: Any) -> Any:
    return default if value == AUTO else value


def _only_defaults(agent: str, where: str, **values: Any) -> None:
    """``SpecError`` if a parameter that means nothing for this game was given a non-default
    value (e.g. ``md(skip=0.99)`` on an OpenSpiel game)."""
    for name, value in values.items():
        if value != REGISTRY[agent].param(name).default:
            raise SpecError(f"{agent}: parameter {name!r} is for {where} only, got "
                            f"{name}={format_value(value)}")


def _seats(searchers: str) -> tuple[int, ...] | None:
    """``searchers`` text -> None (every seat) or the seat numbers (``"0+1"`` -> (0, 1))."""
    return None if searchers == "all" else tuple(int(x) for x in searchers.split("+"))


def _hanabi_blueprint(agent: str, blueprint: Agent | None, bot: str, seed: int,
                      epsilon: float | None = None, network: bool = False
                      ) -> RuleBasedBlueprint | NetworkBlueprint:
    """The blueprint of a native Hanabi search: ``@X`` if given, else the bot named by ``bot``
    (mixed with uniform when ``epsilon`` is given); with ``@X``, ``bot`` and ``epsilon`` must
    stay at their defaults; ``network``: a network blueprint (``@torch:PATH``) is accepted too."""
    if blueprint is None:
        try:
            return HanabiBotAgent(bot, seed=seed) if epsilon is None \
                else full_support_bot(bot, epsilon, seed=seed)
        except (ValueError, TypeError) as err:
            raise SpecError(f"{agent}: {err}") from None
    extra = {} if epsilon is None else {"epsilon": epsilon}
    _only_defaults(agent, "the bot= blueprint (not with @blueprint)", bot=bot, **extra)
    candidate: object = blueprint      # any Agent may also have a capability
    if isinstance(candidate, RuleBasedBlueprint) or \
            (network and isinstance(candidate, NetworkBlueprint)):
        return candidate
    kinds = "a rule-based Hanabi bot (e.g. @smartbot or @convention)" + \
        (" or a network (@torch:PATH)" if network else "")
    raise SpecError(f"{agent}: the blueprint must be {kinds}, got {type(blueprint).__name__}")


def _build_md(game: Any, seed: int, *, blueprint: Agent | None, eta: float, histories: Any,
              rollouts: Any, exact: bool, act: ActMode, max_nodes: int, particles: int, bot: str,
              epsilon: float, seconds: float | None, rollout_epsilon: float | None,
              searchers: str, max_exact: int, samples: int, skip: float | None,
              num_threads: int = 1) -> Agent:
    """Native Hanabi: ``HanabiMDSearch`` over ``@X`` or the epsilon-mixed ``bot`` (budget =
    rollouts per decision); OpenSpiel games: ``build_md_openspiel``."""
    if game.engine != "native-hanabi":
        _only_defaults("md", "native Hanabi", bot=bot, epsilon=epsilon, seconds=seconds,
                       rollout_epsilon=rollout_epsilon, searchers=searchers,
                       max_exact=max_exact, samples=samples, skip=skip)
        return build_md_openspiel(game, seed, blueprint=blueprint, eta=eta,
                                  histories=_auto(histories, 10), rollouts=_auto(rollouts, 1),
                                  exact=exact, act=act, max_nodes=max_nodes, particles=particles)
    _only_defaults("md", "small OpenSpiel games", exact=exact, max_nodes=max_nodes,
                   particles=particles)
    network: object = blueprint        # any Agent may also be a NetworkBlueprint
    if isinstance(network, NetworkBlueprint) and not isinstance(network, RuleBasedBlueprint):
        return _build_md_network(network, seed, eta=eta, histories=histories,
                                 rollouts=rollouts, act=act, bot=bot, epsilon=epsilon,
                                 seconds=seconds, rollout_epsilon=rollout_epsilon,
                                 searchers=searchers, max_exact=max_exact, samples=samples,
                                 skip=skip, num_threads=num_threads)
    bp = _hanabi_blueprint("md", blueprint, bot, seed, epsilon=epsilon)
    try:
        return HanabiMDSearch(bp, eta, rollouts=_auto(rollouts, 1000), seconds=seconds,
                              num_histories=_auto(histories, 64),
                              rollout_epsilon=rollout_epsilon, searchers=_seats(searchers),
                              act_mode=act, max_exact=max_exact, num_samples=samples,
                              skip_sure_plays=skip, num_threads=num_threads, seed=seed)
    except (ValueError, TypeError) as err:
        raise SpecError(f"md: {err}") from None


def _build_md_network(policy: NetworkBlueprint, seed: int, *, eta: float, histories: Any,
                      rollouts: Any, act: ActMode, searchers: str, max_exact: int, samples: int,
                      num_threads: int, **bot_only: Any) -> Agent:
    """Native Hanabi over ``@torch:PATH``: ``HanabiNeuralMDSearch`` (neural beliefs, native
    fused rollouts; auto budget 200 rollouts and 32 histories per decision); the bot-only
    parameters must keep their defaults."""
    from uedtp.search.hanabi.neural.md import HanabiNeuralMDSearch
    _only_defaults("md", "rule-based bot blueprints (not @torch)", **bot_only)
    try:
        return HanabiNeuralMDSearch(policy, eta, rollouts=_auto(rollouts, 200),
                                    num_histories=_auto(histories, 32),
                                    searchers=_seats(searchers), act_mode=act,
                                    max_exact=max_exact, num_samples=samples,
                                    num_threads=num_threads, seed=seed)
    except (ValueError, TypeError) as err:
        raise SpecError(f"md: {err}") from None


def _md_game(game: Any) -> str | None:
    return None if game.engine == "native-hanabi" else common_payoff_infostate_game(game)


def _build_sparta(game: Any, seed: int, *, blueprint: Agent | None, rollouts: int | None,
                  seconds: float | None, threshold: float, batch: int, z: float, prune: bool,
                  epsilon: float, rollout_epsilon: float, searchers: str, max_exact: int,
                  samples: int, skip: float | None, bot: str, num_threads: int = 1) -> Agent:
    bp = _hanabi_blueprint("sparta", blueprint, bot, seed, network=True)
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
    bp = _hanabi_blueprint("sparta-joint", blueprint, bot, seed, network=True)
    try:
        return JointSpartaSearch(bp, rollouts=rollouts, seconds=seconds, threshold=threshold,
                                 batch=batch, prune_z=z, max_range=max_range,
                                 rollout_epsilon=rollout_epsilon, max_exact=max_exact,
                                 num_threads=num_threads, seed=seed)
    except (ValueError, TypeError) as err:
        raise SpecError(f"sparta-joint: {err}") from None


def _two_player_native_hanabi(game: Any) -> str | None:
    if game.engine != "native-hanabi":
        return "it needs the native hanabi(players=2) game"
    if game.num_players != 2:
        return (f"joint SPARTA is implemented for 2 players (as the original), got "
                f"{game.num_players}")
    return None


def _build_hle(kind: str) -> Factory:
    def build(game: Any, seed: int) -> Agent:
        return HLEAgent.from_name(kind, game.raw, seed=seed)
    return build


# Parameters of the native Hanabi searches (md on native Hanabi, sparta, sparta-joint); the
# names and defaults are those uedtp.eval.hanabi has keyed its result rows by.
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
    "(bot=smart, epsilon=0.01), budget = rollouts per decision; over @torch:PATH (a Hanabi "
    "network) neural beliefs and native network rollouts (auto: 200 rollouts, 32 histories)",
    "common-payoff OpenSpiel games (e.g. tiny_hanabi) and native hanabi(...)",
    _build_md,
    params=(Param("eta", float, 1.0, "step size", positive=True),
            Param("histories", int, AUTO, "histories sampled from the searcher's posterior "
                  "(auto: 10 on OpenSpiel games, 64 on native Hanabi)", positive=True),
            Param("rollouts", int, AUTO, "OpenSpiel games: blueprint rollouts per history and "
                  "action (auto: 1); native Hanabi: rollouts per decision, spread over the "
                  "sampled hands and legal moves (auto: 1000; none: no cap, needs seconds)",
                  positive=True, nullable=True),
            *HISTORY_PARAMS[2:3],
            Param("act", str, "argmax", "how to act on the updated policy",
                  choices=("sample", "argmax")),
            *HISTORY_PARAMS[3:],
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
    supports=_md_game, blueprint="optional", threads=True))
register(AgentEntry(
    "sparta", "single-agent SPARTA (Lerer et al. 2020): Monte Carlo search over the legal moves "
    "with UCB-style pruning, deviating from the blueprint move only by more than threshold; "
    "beliefs assume partners play the blueprint; blueprint @X or bot= (default smart); over "
    "@torch:PATH the network's most likely move is the blueprint move, beliefs use its "
    "likelihood (epsilon: the SmartBot proposal's) and rollouts sample it natively",
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
                  "uedtp.eval.hanabi, its own seat in a tournament), all, or seat numbers joined "
                  "by '+' (e.g. 0+1); the others play the blueprint",
                  pattern=r"first|" + _SEARCHERS),
            _MAX_EXACT, _SAMPLES, _SKIP, _BOT),
    supports=native_hanabi_game, blueprint="optional", threads=True))
register(AgentEntry(
    "sparta-joint", "multi-agent (public-belief) SPARTA: every seat searches and replicates its "
    "search over its range so partners' beliefs stay consistent; above max_range it plays the "
    "blueprint; blueprint @X or bot= (default smart); over @torch:PATH the network's most likely "
    "move is the blueprint move (ranges filtered strictly by it) and rollouts sample it natively",
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
    supports=_two_player_native_hanabi, blueprint="optional", threads=True))
register(AgentEntry(
    "hle-simple", "Hanabi Learning Environment's SimpleAgent (via uedtp.agents.hanabi.hle)",
    "native hanabi(...)", _build_hle("simple"), supports=native_hanabi_game))
register(AgentEntry(
    "hle-random", "Hanabi Learning Environment's RandomAgent (via uedtp.agents.hanabi.hle)",
    "native hanabi(...)", _build_hle("random"), supports=native_hanabi_game))


def _build_hanabi_bot(bot: str) -> Factory:
    def build(game: Any, seed: int) -> Agent:
        return HanabiBotAgent(bot, seed=seed)
    return build


def _build_convention(game: Any, seed: int, *, bot: str, epsilon: float) -> Agent:
    return full_support_bot(bot, epsilon=epsilon, seed=seed)


HANABI_BOTS: dict[str, str] = {}        # agent name -> rule-based bot it is ("smartbot" -> "smart")


def hanabi_bot(spec: "str | AgentSpec") -> str | None:
    """The rule-based bot a spec names ("smart" for ``smart`` or ``smartbot``), or None for any
    other agent or a spec that does not parse (uedtp.eval.hanabi's paired-difference reference)."""
    try:
        return HANABI_BOTS.get(parse_spec(spec).name)
    except SpecError:
        return None


for _bot, _text in (("simple", "SimpleBot: play hinted-playable, hint playable, discard oldest"),
                    ("value", "ValueBot: SimpleBot plus valuable/worthless tracking and warnings"),
                    ("holmes", "HolmesBot: card-knowledge deduction, warnings"),
                    ("smart", "SmartBot: tracks what partners can deduce; hint conventions")):
    for _name, _summary in ((f"{_bot}bot", f"{_text} (native rule-based bot, deterministic)"),
                            (_bot, f"= {_bot}bot (the name uedtp.eval.hanabi uses)")):
        register(AgentEntry(_name, _summary, "native hanabi(...)", _build_hanabi_bot(_bot),
                            supports=native_hanabi_game))
        HANABI_BOTS[_name] = _bot
register(AgentEntry(
    "convention", "epsilon-mixed rule-based convention bot: the full-support Hanabi blueprint "
    "for MD search / SPARTA (@convention)", "native hanabi(...)", _build_convention,
    params=(Param("bot", str, "smart", "rule-based bot", choices=("simple", "holmes", "smart")),
            Param("epsilon", float, 0.05, "weight of the uniform mixture", positive=True)),
    supports=native_hanabi_game))
