"""MD search for Hanabi over a neural blueprint (a ``TorchPolicy``, e.g. the SmartBot clone).

One decision of a searching player i at state s (Algorithm 1, ``uedtp.search.update_equivalent.core``):
  1. beliefs: G hands of i drawn from i's posterior over its own hand. ``beliefs="neural"``
     (default): the likelihood of the partners' past moves is the network's probability
     (``uedtp.search.hanabi.neural.beliefs``: the epsilon-mixed SmartBot posterior reweighted by
     π_net / π_smart over at most ``max_hands`` hands). ``beliefs="smart"``: APPROXIMATION, the
     epsilon-mixed SmartBot likelihood alone (``uedtp.search.hanabi.beliefs.HanabiBeliefs("smart",
     belief_epsilon)``); the network imitates SmartBot (about 94 % agreement), so
     ``belief_epsilon`` defaults to 0.1 to leave room for the moves where they differ;
  2. values: for every legal move a, rollouts "apply a, then every seat samples the network to
     the end" (``uedtp.search.hanabi.neural.rollouts.NeuralRollouts``: all (move, column) rollouts
     advance in lockstep, one network call per step); column j uses the j-th sampled hand
     (cyclically) and its own deck shuffle, shared by every move (common random numbers); q(a) is
     the mean return of a's row;
  3. update: p'(a) ∝ p(a)·exp(eta·q(a)) with p the network's distribution (mirror descent,
     ``uedtp.search.update_equivalent.local_updates.MirrorDescent``);
  4. act: argmax of p' (or a sample from p').
The network's distribution at the decision is computed once and handed to the search; the
sampled hands go from the posterior to the rollouts as they are (no state copies).
When every seat searches, the joint policy is one MD step from the neural blueprint (update
equivalence, up to the belief approximation and Monte Carlo error).

Budget: ``rollouts`` per decision, split evenly over the legal moves (at least one column).
"""
from __future__ import annotations

import time
from numbers import Integral
from typing import Any, Iterable, Literal, Sequence

import numpy as np

from uedtp.agents.protocol import NetworkBlueprint, act_on_policy
from uedtp.envs.hanabi.game import HanabiState
from uedtp.search.hanabi.base import MDSearchAgent, check_budget, check_searchers
from uedtp.search.hanabi.neural.rollouts import NeuralRollouts
from uedtp.search.hanabi.beliefs import HanabiBeliefs, posterior_histories
from uedtp.search.hanabi.neural.beliefs import NeuralHanabiBeliefs
from uedtp.search.update_equivalent.local_updates import MirrorDescent
from uedtp.search.update_equivalent.core import UpdateEquivalentSearch

__all__ = ["NeuralRolloutValues", "HanabiNeuralMDSearch"]


class NeuralRolloutValues:
    """``ActionValues`` from batched neural rollouts (module docstring, step 2).

    ``states`` are the histories of a ``HanabiPosterior`` over SmartBot tables
    (``uedtp.search.hanabi.beliefs.posterior_histories``: its hands, root and trace go to the rollouts
    as they are). ``last_rollouts`` holds the number of rollouts of the last call.
    """

    def __init__(self, rollouts: NeuralRollouts, budget: int) -> None:
        self.rollouts = rollouts
        check_budget(budget, None, "NeuralRolloutValues")      # a positive int
        self.budget = int(budget)
        self.last_rollouts = 0

    def action_values(self, states: Sequence[Any], weights: np.ndarray, actions: Sequence[int],
                      player: int, rng: np.random.Generator) -> np.ndarray:
        root, trace, hands = posterior_histories(states, player, "NeuralRolloutValues")
        weights = np.asarray(weights, dtype=float)
        if len(weights) != len(hands):
            raise ValueError(f"{len(hands)} states but {len(weights)} weights")
        if trace.bot_name != "smart":
            raise ValueError(f"the network's features read SmartBot tables; the posterior's "
                             f"trace follows {trace.bot_name!r}")
        seats = trace.seats()
        columns = max(1, self.budget // len(actions))
        seed = int(rng.integers(0, 2**62))
        values = self.rollouts.values(root, seats, actions, hands, player, seed, columns)
        w = weights[np.arange(columns) % len(hands)]
        self.last_rollouts = values.size
        return values @ w / w.sum()


class HanabiNeuralMDSearch(MDSearchAgent):
    """MD search agent over a neural Hanabi blueprint (module docstring); Agent protocol.

    ``policy``: a ``TorchPolicy`` over ``uedtp.envs.hanabi.tensor``. ``eta``: MD step size (> 0).
    ``rollouts``: rollouts per decision (int > 0). ``num_histories``: posterior samples G.
    ``searchers``: seats that search (None = all). ``belief_epsilon``: SmartBot mixing weight of
    the SmartBot belief (the proposal of the neural one). ``beliefs``: "neural" or "smart"
    (module docstring); ``max_hands``: hands reweighted by the neural belief. ``batched=False``
    steps rollouts one by one (benchmarks only). ``num_threads``: OpenMP threads of the fused
    native rollouts.
    """

    def __init__(self, policy: NetworkBlueprint, eta: float, *, rollouts: int = 400,
                 num_histories: int = 32, searchers: Iterable[int] | str | None = None,
                 act_mode: Literal["argmax", "sample"] = "argmax", belief_epsilon: float = 0.1,
                 beliefs: Literal["neural", "smart"] = "neural", max_hands: int = 256,
                 max_exact: int = 5000, num_samples: int = 2000, batched: bool = True,
                 num_threads: int = 1, seed: int | None = 0) -> None:
        if not isinstance(policy, NetworkBlueprint):
            raise TypeError(f"policy must be a NetworkBlueprint (e.g. a TorchPolicy), got "
                            f"{type(policy).__name__}")
        check_budget(rollouts, None, "neural MD search")
        if isinstance(num_histories, bool) or not isinstance(num_histories, (int, Integral)) \
                or num_histories < 1:
            raise ValueError(f"num_histories must be an int >= 1, got {num_histories!r}")
        if act_mode not in ("argmax", "sample"):
            raise ValueError(f"act_mode must be 'argmax' or 'sample', got {act_mode!r}")
        if not 0.0 < float(belief_epsilon) <= 1.0:
            raise ValueError(f"belief_epsilon must be in (0, 1], got {belief_epsilon!r}")
        self.policy = policy
        self.update = MirrorDescent(eta)
        self.eta = self.update.eta
        self.act_mode = act_mode
        self.searchers = check_searchers(searchers)
        if beliefs == "neural":
            self.beliefs: Any = NeuralHanabiBeliefs(policy, float(belief_epsilon),
                                                    max_hands=max_hands, max_exact=max_exact,
                                                    num_samples=num_samples)
        elif beliefs == "smart":
            self.beliefs = HanabiBeliefs("smart", float(belief_epsilon), max_exact=max_exact,
                                         num_samples=num_samples)
        else:
            raise ValueError(f"beliefs must be 'neural' or 'smart', got {beliefs!r}")
        self.rollouts = NeuralRollouts(policy, batched=batched, threads=int(num_threads))
        self.values = NeuralRolloutValues(self.rollouts, rollouts)
        self.search = UpdateEquivalentSearch(policy, self.update, self.beliefs, self.values,
                                             num_histories=int(num_histories),
                                             act_mode=act_mode, seed=seed)
        self.rng = np.random.default_rng(seed)
        self.decisions = []

    def __repr__(self) -> str:
        return (f"HanabiNeuralMDSearch({self.policy!r}, eta={self.eta}, "
                f"rollouts={self.values.budget}, searchers="
                f"{self.searchers_label()})")

    def _check(self, state: Any) -> HanabiState:
        native = self.check_state(state)
        if native.is_terminal():
            raise ValueError("the game is over: no move to choose")
        return native

    def action_probabilities(self, state: HanabiState) -> dict[int, float]:
        """p' = MD update of the network's policy at a searching seat; the network elsewhere."""
        state = self._check(state)
        if not self.searches(state.current_player()):
            return self.policy.action_probabilities(state)
        return self.search.decide(state).as_dict()

    def act(self, state: HanabiState) -> int:
        state = self._check(state)
        start = time.perf_counter()
        player = state.current_player()
        prior = self.policy.action_probabilities(state)
        greedy = act_on_policy("argmax", self.rng, prior)
        if not self.searches(player) or len(prior) == 1:
            move = act_on_policy(self.act_mode, self.rng, prior)
            self.decisions.append(self.decision(state, player, start, searched=False,
                                                deviated=move != greedy))
            return int(move)
        return self.searched_move(state, player, start, prior, greedy)
