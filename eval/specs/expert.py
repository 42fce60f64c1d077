"""The expert of expert iteration (``uedtp.search.train.expert_iteration``) named by an agent spec.

``spec_expert("sparta(rollouts=3000,skip=0.99)", players=2)`` checks the spec for native
Hanabi and returns a ``SpecExpert``: a small picklable object (the spec with every parameter
written out, ``full_spec``; the player count; the rollout threads) that travels to the workers with each chunk. One ``label``: build
the spec's agent with the decision's seed (``uedtp.eval.specs.build_agent``; cheap for the
searches over a rule-based bot), let it ``act`` on a copy of the state, and report the move,
its wall time, and from the agent's decision record whether it searched and how many
rollouts it used; for SPARTA also its estimate of the move's gain over the blueprint move and
that estimate's standard error (``search_gain``). Building per decision makes the label a function of the state and the seed
alone, whatever ran before it in the same worker.

Refused: specs that do not build for the game, a ``seconds=`` budget (the labels would depend
on the machine's speed, so a resumed or distributed run could mix labels of different
strength), and ``searchers=`` naming only some seats (the expert must search at every seat's
decisions; ``first`` is every seat here, as each decision gets a fresh agent).
"""
from __future__ import annotations

import dataclasses
import time

from uedtp.envs.hanabi.game import HanabiGame, HanabiState
from uedtp.eval.specs.grammar import AgentSpec, SpecError
from uedtp.eval.specs.registry import ResolvedSpec, build_agent, check_spec
from uedtp.search.train.expert_iteration import ExpertLabel

__all__ = ["SpecExpert", "spec_expert"]


@dataclasses.dataclass(frozen=True)
class SpecExpert:
    """Labels states with the move of the agent ``name`` (a canonical agent spec)."""

    name: str
    players: int
    threads: int = 1

    def label(self, state: HanabiState, seed: int) -> ExpertLabel:
        agent = build_agent(self.name, HanabiGame(players=self.players), int(seed),
                            num_threads=self.threads)
        start = time.perf_counter()
        move = int(agent.act(state.clone()))
        seconds = time.perf_counter() - start
        decisions = getattr(agent, "decisions", None)
        if decisions:
            last = decisions[-1]
            gain, se = search_gain(getattr(agent, "last", None), move) if last.searched \
                else (0.0, 0.0)
            return ExpertLabel(move, seconds, bool(last.searched), int(last.rollouts), gain, se)
        return ExpertLabel(move, seconds, searched=False)


def search_gain(outcome: object, move: int) -> tuple[float, float]:
    """(mean, s.e.) of ``move``'s paired difference to the blueprint move in a SPARTA search
    outcome (``moves`` with the blueprint move first, ``means``, ``stderrs``); (0, 0) for the
    blueprint move or an agent without one (MD search: NaN, NaN)."""
    moves = getattr(outcome, "moves", None)
    if moves is None:
        return float("nan"), float("nan")
    i = list(moves).index(int(move))
    if i == 0:
        return 0.0, 0.0
    means, stderrs = getattr(outcome, "means"), getattr(outcome, "stderrs")
    return float(means[i]), float(stderrs[i])


def spec_expert(spec: str, players: int, threads: int = 1) -> SpecExpert:
    """The checked ``SpecExpert`` of ``spec`` for ``players``-player native Hanabi
    (``SpecError`` naming the problem otherwise)."""
    resolved = check_spec(spec, HanabiGame(players=players))
    params = resolved.params
    if params.get("seconds") is not None:
        raise SpecError(f"expert {spec!r}: a seconds= budget makes the labels depend on the "
                        "machine's speed; give a rollouts= budget")
    searchers = params.get("searchers")
    if searchers is not None and searchers not in ("all", "first"):
        raise SpecError(f"expert {spec!r}: searchers={searchers} leaves some seats unsearched; "
                        "the expert must search every seat (all or first)")
    return SpecExpert(str(full_spec(resolved)), players, threads)


def full_spec(resolved: ResolvedSpec) -> AgentSpec:
    """The spec with every parameter written out (defaults too, in registry order), so the
    expert's name, which a run is fingerprinted by, is the same however the spec was written
    and changes if a default changes."""
    return AgentSpec(resolved.spec.name, tuple(resolved.params.items()), resolved.spec.path,
                     full_spec(resolved.blueprint) if resolved.blueprint is not None else None)
