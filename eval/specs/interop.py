"""Any agent spec as an agent of the two other Hanabi platforms: HLE and OpenSpiel.

- ``hle_agent_class(spec, seed)``: an HLE ``rl_env.Agent`` subclass built HLE's way,
  ``cls(config)``; it plays the agent ``build_agent(spec, game, seed)`` builds for the config's
  rules from the observations alone (``uedtp.agents.hanabi.rl_agent.SuiteAgent``).
- ``openspiel_bot(spec, game, seed)`` / ``openspiel_policy(spec, game, seed)``: a
  ``pyspiel.Bot`` / an OpenSpiel ``Policy`` (``uedtp.agents.adapters.AgentBot`` / ``AgentPolicy``)
  for an OpenSpiel game. For OpenSpiel ``hanabi`` the agent is built for the native engine's
  equal rules (``uedtp.envs.hanabi.convert.game_from_openspiel``); the Hanabi agents take OpenSpiel
  ``hanabi`` states directly (``uedtp.envs.hanabi.convert.native_state``). Other OpenSpiel games
  build the spec for the game itself.

One step of each: resolve the game (an HLE config, a pyspiel game), build the agent with
``build_agent``, wrap it.
"""
from __future__ import annotations

from typing import Any

import pyspiel

from uedtp.agents.adapters import AgentBot, AgentPolicy
from uedtp.agents.hanabi.rl_agent import game_from_config, hle_agent_class as _hle_class
from uedtp.envs.hanabi.convert import game_from_openspiel
from uedtp.eval.specs.registry import build_agent

__all__ = ["hle_agent_class", "openspiel_bot", "openspiel_policy", "agent_for_openspiel"]


def hle_agent_class(spec: str, seed: int = 0) -> type:
    """An ``rl_env.Agent`` subclass, ``cls(config)``, playing ``spec`` (e.g. ``"smartbot"``,
    ``"md(rollouts=1000)"``) from observations; the spec is checked now, on 2-player rules."""
    build_agent(spec, game_from_config({"players": 2}), seed)       # SpecError early
    name = "".join(ch for ch in spec.split("(")[0].title() if ch.isalnum()) + "HLEAgent"
    return _hle_class(lambda game: build_agent(spec, game, seed), name)


def agent_for_openspiel(spec: str, game: "pyspiel.Game", seed: int = 0) -> Any:
    """The agent ``spec`` names for an OpenSpiel game (native rules for ``hanabi``)."""
    if not isinstance(game, pyspiel.Game):
        raise TypeError(f"expected a pyspiel.Game, got {type(game).__module__}."
                        f"{type(game).__qualname__}")
    if game.get_type().short_name == "hanabi":
        return build_agent(spec, game_from_openspiel(game), seed)
    return build_agent(spec, game, seed)


def openspiel_bot(spec: str, game: "pyspiel.Game", seed: int = 0) -> AgentBot:
    """``spec`` as a ``pyspiel.Bot`` (for ``pyspiel.evaluate_bots``)."""
    return AgentBot(agent_for_openspiel(spec, game, seed))


def openspiel_policy(spec: str, game: "pyspiel.Game", seed: int = 0) -> AgentPolicy:
    """``spec`` as an OpenSpiel ``Policy`` (``action_probabilities(state)``)."""
    return AgentPolicy(game, agent_for_openspiel(spec, game, seed))
