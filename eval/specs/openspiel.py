"""Agent specs of OpenSpiel games: uniform, tabular, mmd, mcts/ismcts, cfr solvers, cfr-subgame,
torch checkpoints, and the ``mixed`` full-support wrapper of any agent.

Each entry is one ``register(AgentEntry(...))`` with its factory ``_build_<name>(game, seed,
**params)``. One step of a factory: turn the checked parameters into the constructor call of the
agent (a solver run once per process and a loaded file or network are cached, keyed by what they
were built from). ``build_md_openspiel`` is the OpenSpiel half of ``md``, whose entry (which
dispatches by game) is in ``uedtp.eval.specs.hanabi``.
"""
from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import pyspiel
from open_spiel.python.algorithms import ismcts, mcts

from uedtp.agents.adapters import BotAgent
from uedtp.agents.full_support import full_support
from uedtp.agents.protocol import ActMode, Agent
from uedtp.agents.tabular import TabularAgent
from uedtp.agents.uniform import UniformAgent
from uedtp.envs.tree_compile import cached_game_tree
from uedtp.eval.specs.grammar import SpecError
from uedtp.eval.specs.registry import (AgentEntry, Param, infostate_game, openspiel_game,
                                       register, zero_sum_infostate_game)
from uedtp.search.cfr.cfr import load_solver
from uedtp.search.cfr.solvers import SOLVERS, WARM_START_SOLVERS, make_solver
from uedtp.agents.neural.shipped import DEFAULT_NETWORKS, shipped_names
from uedtp.search.cfr.tree_policy import SlotPolicyAgent, load_policy
from uedtp.search.subgame.agent import SubgameSolvingAgent
from uedtp.search.update_equivalent.md import md_search
from uedtp.search.update_equivalent.mmd import mmd_search

__all__ = ["HISTORY_PARAMS", "build_md_openspiel", "save_table"]


def _resamplable(game: Any) -> str | None:
    """OpenSpiel games whose states implement ``resample_from_infostate`` (needed by IS-MCTS)."""
    reason = openspiel_game(game)
    if reason:
        return reason
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


def _build_uniform(game: Any, seed: int) -> Agent:
    return UniformAgent(seed)


def _build_tabular(game: Any, seed: int, *, path: str, average: bool) -> Agent:
    """``tabular:PATH``: a policy file written by ``uedtp.search.cfr.tree_policy.save_policy``, a solver
    state written by ``TreeSolver.save`` (its average policy, or the current one with
    ``average=false``), a ``.npz`` with arrays infostates/indptr/actions/probs (``save_table``),
    or a ``.json`` {information state: {action: probability}}."""
    if not os.path.isfile(path):
        raise SpecError(f"tabular policy file {path!r} does not exist")
    key = (os.path.abspath(path), os.path.getmtime(path), game.game_string, average)
    if key not in _TABLE_CACHE:
        _TABLE_CACHE[key] = _load_table(path, game, average)
    kind, payload = _TABLE_CACHE[key]
    if kind == "slots":
        tree, probs = payload
        return SlotPolicyAgent(tree, probs, seed)
    return TabularAgent(payload, seed)


_TABLE_CACHE: dict[tuple[Any, ...], tuple[str, Any]] = {}


def _load_table(path: str, game: Any, average: bool) -> tuple[str, Any]:
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
            solver = load_solver(path, game.raw)
            probs = solver.average_policy_array() if average else solver.current_policy_array()
            return "slots", (solver.tree, probs)
        if "kind" in arrays and arrays["kind"].tobytes() == b"tabular_policy":
            tree = cached_game_tree(game.raw)
            return "slots", (tree, load_policy(path, tree))
        return "dict", TabularAgent.load(path).table
    except (OSError, KeyError, ValueError, TypeError, AttributeError) as err:
        raise SpecError(f"cannot read tabular policy file {path!r}: {err}") from None


def save_table(path: str, table: dict[str, dict[int, float]]) -> None:
    """Write a tabular policy in the ``.npz`` layout ``tabular:PATH`` reads (``TabularAgent.save``)."""
    TabularAgent(table).save(path)


def build_md_openspiel(game: Any, seed: int, *, blueprint: Agent | None, eta: float,
                       histories: int, rollouts: int | None, exact: bool, act: ActMode,
                       max_nodes: int, particles: int) -> Agent:
    """``md`` on an OpenSpiel game: ``uedtp.search.update_equivalent.md.md_search``."""
    if rollouts is None:
        raise SpecError("md: rollouts=none (no rollout cap, a time budget) is for native Hanabi")
    return md_search(game.raw, eta=eta, blueprint=blueprint, num_histories=histories,
                     rollouts=rollouts, act_mode=act, exact=exact, seed=seed,
                     max_nodes=max_nodes, num_particles=particles)


def _build_mmd(game: Any, seed: int, *, blueprint: Agent | None, eta: float, alpha: float,
               histories: int, rollouts: int, exact: bool, act: ActMode, max_nodes: int,
               particles: int, beliefs: str) -> Agent:
    """``mmd_search``; over a network blueprint (``@torch:PATH``) in Phantom Tic-Tac-Toe / Dark
    Hex (not ``exact``), the batched search ``uedtp.search.neural.search.neural_mmd`` (batched
    beliefs, fused native rollouts; ``max_nodes`` bounds its belief frontier)."""
    from uedtp.agents.protocol import NetworkBlueprint, is_uniform
    from uedtp.agents.uniform import UniformNetworkBlueprint
    from uedtp.envs.phantom.batch import supports as phantom_batch_game
    network: object = blueprint        # any Agent may also be a NetworkBlueprint
    if beliefs == "batched" and (blueprint is None or is_uniform(blueprint)) and not exact \
            and phantom_batch_game(game.raw):
        network = UniformNetworkBlueprint(game.raw, seed)   # opt-in: auto keeps the sampler
    batched = isinstance(network, NetworkBlueprint) and not exact and \
        phantom_batch_game(game.raw)
    if beliefs == "batched" and not batched:
        raise SpecError("mmd: beliefs=batched needs a network or the uniform blueprint in "
                        "phantom_ttt or dark_hex, without exact=true")
    if batched and beliefs != "sampler":
        assert isinstance(network, NetworkBlueprint)
        from uedtp.search.neural.search import neural_mmd
        try:
            return neural_mmd(network, eta, alpha, num_histories=histories, rollouts=rollouts,
                              max_frontier=max_nodes, act_mode=act, seed=seed)
        except (ValueError, TypeError) as err:
            raise SpecError(f"mmd: {err}") from None
    return mmd_search(game.raw, eta=eta, alpha=alpha, blueprint=blueprint,
                      num_histories=histories, rollouts=rollouts, act_mode=act, exact=exact,
                      seed=seed, max_nodes=max_nodes, num_particles=particles)


def _build_mcts(game: Any, seed: int, *, simulations: int, uct_c: float, rollouts: int,
                solve: bool) -> Agent:
    evaluator = mcts.RandomRolloutEvaluator(rollouts, np.random.RandomState(seed))
    bot = mcts.MCTSBot(game.raw, uct_c, simulations, evaluator, solve=solve,
                       random_state=np.random.RandomState(seed ^ 0x5EED))
    return BotAgent(bot)


def _build_ismcts(game: Any, seed: int, *, simulations: int, uct_c: float, rollouts: int) -> Agent:
    evaluator = mcts.RandomRolloutEvaluator(rollouts, np.random.RandomState(seed))
    bot = ismcts.ISMCTSBot(game.raw, evaluator, uct_c, simulations,
                           random_state=np.random.RandomState(seed ^ 0x5EED))
    # The bot's default world sampler is seeded from the clock; use a seeded one instead.
    sampler = pyspiel.UniformProbabilitySampler(seed, 0.0, 1.0)
    bot._resampler_cb = lambda state, player: state.resample_from_infostate(player, sampler)
    return _SteppingBot(bot)


class _SteppingBot:
    """A ``pyspiel.Bot`` that rebuilds its search at every ``step`` (IS-MCTS) used as an Agent;
    unlike ``uedtp.agents.adapters.BotAgent`` it needs no ``restart_at``. Its policy is its move."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot

    def act(self, state: Any) -> int:
        return int(self.bot.step(state))

    def action_probabilities(self, state: Any) -> dict[int, float]:
        return {self.act(state): 1.0}


HISTORY_PARAMS = (
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
    "tabular", "a stored tabular policy: uedtp.search.cfr.tree_policy.save_policy or TreeSolver.save "
    ".npz, a .npz with infostates/indptr/actions/probs (uedtp.eval.specs.save_table), or .json",
    "OpenSpiel games with information_state_string", _build_tabular,
    params=(Param("average", bool, True, "solver files: play the average policy "
                  "(false: the current iterate)"),),
    supports=infostate_game, path="required"))
register(AgentEntry(
    "mmd", "MMD search (update-equivalent search with the magnetic mirror descent update); "
    "blueprint @X defaults to uniform; over @torch:PATH in phantom_ttt / dark_hex the batched "
    "search (batched beliefs, native network rollouts)", "two-player zero-sum OpenSpiel games",
    _build_mmd,
    params=(Param("eta", float, 50.0, "step size", positive=True),
            Param("alpha", float, 0.01, "magnet (regularisation) temperature", minimum=0.0),
            *HISTORY_PARAMS[:3],
            Param("act", str, "sample", "how to act on the updated policy",
                  choices=("sample", "argmax")),
            *HISTORY_PARAMS[3:],
            Param("beliefs", str, "auto", "posterior: batched (network blueprints in "
                  "phantom_ttt / dark_hex: batched beliefs and native rollouts; over uniform "
                  "the same batched search, as approx_exploitability runs it), sampler (the "
                  "per-state history sampler; uses particles) or auto (batched over a network, "
                  "else sampler)", choices=("auto", "batched", "sampler"))),
    supports=zero_sum_infostate_game, blueprint="optional"))
register(AgentEntry(
    "mcts", "OpenSpiel's MCTSBot with random-rollout evaluation. It searches the TRUE state "
    "(sees hidden cards): an omniscient reference, not a fair imperfect-information player",
    "OpenSpiel games", _build_mcts,
    params=(Param("simulations", int, 100, "simulations per move", positive=True),
            Param("uct_c", float, 2.0, "UCT exploration constant", minimum=0.0),
            Param("rollouts", int, 1, "random rollouts per leaf evaluation", positive=True),
            Param("solve", bool, False, "MCTS-Solver backups of proven values")),
    supports=openspiel_game))
register(AgentEntry(
    "ismcts", "OpenSpiel's information-set MCTS bot (samples worlds from the player's "
    "information state)", "OpenSpiel games implementing resample_from_infostate "
    "(e.g. kuhn_poker, leduc_poker)", _build_ismcts,
    params=(Param("simulations", int, 100, "simulations per move", positive=True),
            Param("uct_c", float, 2.0, "UCT exploration constant", minimum=0.0),
            Param("rollouts", int, 1, "random rollouts per leaf evaluation", positive=True)),
    supports=_resamplable))


def _build_mixed(game: Any, seed: int, *, blueprint: Agent, epsilon: float,
                 temperature: float | None) -> Agent:
    return full_support(blueprint, epsilon=epsilon, temperature=temperature, seed=seed)


_SOLVED: dict[tuple[str, str, int, bool], Any] = {}


def _build_solver(game: Any, seed: int, *, solver: str, iters: int, average: bool) -> Agent:
    """Solve the whole game once per process (cached) and play the resulting policy."""
    key = (game.game_string, solver, iters, average)
    if key not in _SOLVED:
        instance = make_solver(solver, game.raw).run(iters)
        probs = instance.average_policy_array() if average else instance.current_policy_array()
        _SOLVED[key] = (instance.tree, probs)
    tree, probs = _SOLVED[key]
    return SlotPolicyAgent(tree, probs, seed)


register(AgentEntry(
    "mixed", "(1 - epsilon) * blueprint + epsilon * uniform, sampled (full-support wrapper of "
    "any agent; Boltzmann over the blueprint's action_scores with temperature)",
    "the blueprint's games", _build_mixed,
    params=(Param("epsilon", float, 0.05, "weight of the uniform mixture", positive=True),
            Param("temperature", float, None, "Boltzmann temperature (blueprints with "
                  "action_scores only)", positive=True)),
    blueprint="required"))
register(AgentEntry(
    "cfr", "a tabular solver run on the whole game at start-up (once per worker process), "
    "playing its average policy (mmd: last iterate recommended, average=false)",
    "OpenSpiel games whose tree fits in memory (kuhn_poker, leduc_poker, small dark_hex, ...)",
    _build_solver,
    params=(Param("solver", str, "cfr+", "algorithm", choices=tuple(SOLVERS)),
            Param("iters", int, 1000, "iterations", positive=True),
            Param("average", bool, True, "play the average policy (false: current iterate)")),
    supports=infostate_game))


def _build_subgame(game: Any, seed: int, *, blueprint: Agent | None, iters: int, algorithm: str,
                   gadget: str, opt_out: str, max_public_histories: int,
                   max_subgame_nodes: int, rollouts: int) -> Agent:
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
                  choices=WARM_START_SOLVERS),
            Param("gadget", str, "resolve", "opt-out gadget", choices=("resolve", "none")),
            Param("opt_out", str, "best_response", "opt-out value of the opponent",
                  choices=("best_response", "blueprint")),
            Param("max_public_histories", int, 100_000, "above this public-state size play "
                  "the blueprint", positive=True),
            Param("max_subgame_nodes", int, 500_000, "larger subgames are depth-limited",
                  positive=True),
            Param("rollouts", int, 4, "blueprint playouts per depth-limited leaf (uncompiled "
                  "games)", positive=True)),
    supports=zero_sum_infostate_game, blueprint="optional"))


_NETS: dict[tuple[Any, ...], Any] = {}


def _torch_game(game: Any) -> str | None:
    return None if game.engine == "native-hanabi" else openspiel_game(game)


def _network_game_string(game: Any) -> str:
    """The game string a checkpoint for ``game`` records (the Hanabi encoding's in Hanabi, the
    canonical pyspiel string otherwise: ``phantom_ttt()``)."""
    if game.engine == "native-hanabi":
        from uedtp.envs.hanabi.tensor import hanabi_encoding_for
        return str(hanabi_encoding_for(game.raw).game_string)
    return str(game.raw)


def _default_network(game: Any) -> str:
    """The shipped network of ``torch`` without ``:PATH`` (``agents.neural.shipped``)."""
    from uedtp.agents.neural.shipped import CheckpointNotFoundError, default_network
    try:
        return default_network(_network_game_string(game))
    except CheckpointNotFoundError as err:
        raise SpecError(f"torch: {err}") from None


def _build_torch(game: Any, seed: int, *, path: str, temperature: float) -> Agent:
    """A neural blueprint checkpoint (uedtp.agents.neural.checkpoint); the network is loaded once per
    process and shared by the agents built from it (inference only)."""
    # torch takes about a second to import: only this entry needs it
    from uedtp.agents.neural.checkpoint import load_policy
    from uedtp.agents.neural.policy import TorchPolicy
    from uedtp.agents.neural.shipped import CheckpointNotFoundError, resolve
    try:
        path = resolve(path)
    except CheckpointNotFoundError as err:
        raise SpecError(str(err)) from None
    if not os.path.isfile(path):
        raise SpecError(f"checkpoint {path!r} is not a file")
    game_string = _network_game_string(game)
    key = (os.path.abspath(path), os.path.getmtime(path), game_string)
    if key not in _NETS:
        try:
            _NETS[key] = load_policy(path, game_string, seed=0)
        except ValueError as err:
            raise SpecError(f"cannot use checkpoint {path!r}: {err}") from None
    loaded = _NETS[key]
    return TorchPolicy(loaded.net, loaded.encoding, seed=seed, temperature=temperature)


register(AgentEntry(
    "torch", "a neural blueprint checkpoint (uedtp.agents.neural.checkpoint), sampled; PATH is a "
    f"file or a shipped name ({', '.join(shipped_names())}); without PATH, the game's default "
    "network (" + "; ".join(f"{g}: {n}" for g, n in DEFAULT_NETWORKS.items()) + ")",
    "the OpenSpiel game or native hanabi(...) the checkpoint was trained on", _build_torch,
    params=(Param("temperature", float, 1.0, "divides the logits (small = nearly greedy)",
                  positive=True),),
    supports=_torch_game, path="optional", default_path=_default_network))
