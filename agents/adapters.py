"""Adapters between this suite's agents and OpenSpiel's bots and policies, both ways.

- ``AgentBot(agent)``: a ``pyspiel.Bot`` so OpenSpiel's ``evaluate_bots`` can play our agents.
- ``BotAgent(bot)``: a ``pyspiel.Bot`` (e.g. OpenSpiel's MCTS bot) used as our ``Agent``.
- ``AgentPolicy(game, agent)``: an ``open_spiel.python.policy.Policy`` so OpenSpiel's
  ``exploitability``/``expected_game_score`` accept our agents and blueprints unchanged; the
  agent is asked once per information state (``uedtp.agents.tabular.CachedPolicy``), so a sampled
  agent is one behavioural policy, the same one ``uedtp.agents.tabular.tabulate`` freezes.
- ``PolicyAgent(policy)``: an OpenSpiel ``Policy`` used as our ``Agent``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyspiel
from open_spiel.python import policy as os_policy

from uedtp.agents.protocol import Agent, Policy, sample_action
from uedtp.agents.tabular import CachedPolicy, cached


class AgentBot(pyspiel.Bot):
    """Wrap an ``Agent`` as a ``pyspiel.Bot`` (stateless: every step reads the whole state)."""

    def __init__(self, agent: Agent) -> None:
        pyspiel.Bot.__init__(self)
        self.agent = agent

    def step(self, state: pyspiel.State) -> int:
        return int(self.agent.act(state))

    def restart_at(self, state: pyspiel.State) -> None:
        pass

    def inform_action(self, state: pyspiel.State, player_id: int, action: int) -> None:
        pass

    def provides_policy(self) -> bool:
        return True

    def get_policy(self, state: pyspiel.State) -> list[tuple[int, float]]:
        return list(self.agent.action_probabilities(state).items())

    def step_with_policy(self, state: pyspiel.State) -> tuple[list[tuple[int, float]], int]:
        return self.get_policy(state), self.step(state)


class BotAgent:
    """Use a ``pyspiel.Bot`` as an ``Agent``; the bot is restarted at every decision state.

    Bots with internal memory (e.g. MCTS trees) are simply re-rooted; bots that provide a policy
    expose it through ``action_probabilities``, others get probability 1 on their choice.
    """

    def __init__(self, bot: pyspiel.Bot) -> None:
        self.bot = bot

    def act(self, state: pyspiel.State) -> int:
        self.bot.restart_at(state)
        return int(self.bot.step(state))

    def action_probabilities(self, state: pyspiel.State) -> dict[int, float]:
        if self.bot.provides_policy():
            self.bot.restart_at(state)
            return {int(a): float(p) for a, p in self.bot.get_policy(state)}
        return {self.act(state): 1.0}


class AgentPolicy(os_policy.Policy):
    """Expose any of our policies/agents as an OpenSpiel ``Policy``, asked once per information
    state (``cache``: a ``CachedPolicy``; pass one to share it)."""

    def __init__(self, game: pyspiel.Game, agent: Policy) -> None:
        super().__init__(game, list(range(game.num_players())))
        self.cache: CachedPolicy = cached(agent)
        self.agent = self.cache.policy

    def action_probabilities(self, state: pyspiel.State, player_id: int | None = None
                             ) -> dict[int, float]:
        return self.cache.action_probabilities(state)


class PolicyAgent:
    """Use an OpenSpiel ``Policy`` as an ``Agent`` (samples its distribution)."""

    def __init__(self, policy: os_policy.Policy, seed: int | None = 0) -> None:
        self.policy = policy
        self._rng = np.random.default_rng(seed)

    def action_probabilities(self, state: Any) -> dict[int, float]:
        return {int(a): float(p) for a, p in self.policy.action_probabilities(state).items()}

    def act(self, state: Any) -> int:
        return sample_action(self._rng, self.action_probabilities(state))
