"""The interface of the agents layer: the verbs every agent speaks and the capabilities search uses.

- ``action_probabilities(state) -> dict[action, probability]``: the policy at ``state`` for the
  player to move (same name and meaning as OpenSpiel's ``Policy.action_probabilities``).
- ``act(state) -> action``: choose the action to play at ``state``.

A *blueprint* only needs ``action_probabilities``; an *agent* has both. ``state`` is whatever the
game layer hands out: a ``pyspiel.State`` for OpenSpiel games or an ``uedtp.envs.hanabi.game.HanabiState`` for
the native Hanabi engine. Agents receive their randomness as a ``seed`` at construction, so a
tournament reproduces a game by rebuilding its agents with the same seeds.

``search/`` depends on the agents layer only through this module, so the blueprints it needs
more from than the two verbs are described here as capabilities (``runtime_checkable``
protocols, checked with ``isinstance``):

- ``RuleBasedBlueprint``: a rule-based Hanabi bot, possibly epsilon-mixed with uniform (bot
  name, mixing epsilon, the bot's own move); implemented by ``uedtp.agents.hanabi.bots.HanabiBotAgent``
  and ``uedtp.agents.full_support.MixedBotPolicy``.
- ``NetworkBlueprint``: a neural blueprint with batched probabilities over encoded inputs;
  implemented by ``uedtp.agents.neural.policy.TorchPolicy``.
- ``native_network(policy)``: the native copy (``uedtp.csrc.mlp.NativeMLP``) of a network blueprint
  that offers one (``TorchPolicy.native_network``), else None, so search can run the fused
  native rollout kernels and fall back to batched ``probabilities`` calls otherwise.
- ``UniformBlueprint``: a policy that can say it is uniform over the legal actions at every
  state (so search may use native uniform kernels); ``UniformPolicy`` is the smallest one, the
  default blueprint of the OpenSpiel searches, and ``uedtp.agents.uniform.UniformAgent`` extends it.

Small pieces both layers share also live here: ``UniformPolicy``, ``sample_actions``
(inverse-CDF sampling of batched action distributions with given uniforms), and the one way
every agent and search turns a policy into a move: ``sample_action(rng, policy)`` (one draw from
the seeded generator) and ``act_on_policy(act_mode, rng, policy)`` (argmax or a sample, for
searches acting on their updated policy). ``DecisionGuard`` is the one check agents run at the
top of ``act`` / ``action_probabilities``: the state must be a decision (not terminal, not a
chance node) of the agent's own game (``WrongStateError`` otherwise).
"""
from __future__ import annotations

from typing import Any, Literal, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

from uedtp.csrc.mlp import NativeMLP

ActionProbabilities = dict[int, float]
PolicyTable = dict[str, dict[int, float]]      # information state -> {action: probability}

ActMode = Literal["sample", "argmax"]


PolicyOrActions = Mapping[int, float] | Sequence[int] | np.ndarray


def _actions_and_probs(policy: PolicyOrActions, probs: Sequence[float] | np.ndarray | None
                       ) -> tuple[Sequence[int] | np.ndarray, np.ndarray]:
    if probs is None:
        if not isinstance(policy, Mapping):
            raise TypeError("give a dict action -> probability, or the actions and their probs")
        return list(policy), np.fromiter(policy.values(), float, len(policy))
    actions, p = policy, np.asarray(probs, dtype=float)
    if len(actions) == 0 or len(p) != len(actions):
        raise ValueError(f"{len(actions)} actions with {len(p)} probabilities")
    return actions, p  # type: ignore[return-value]


def sample_action(rng: np.random.Generator, policy: PolicyOrActions,
                  probs: Sequence[float] | np.ndarray | None = None) -> int:
    """One action drawn from a policy with ``rng``: ``policy`` is either a dict action ->
    probability, or the actions themselves with their ``probs`` in the same order.

    The probabilities are normalised and drawn with one ``rng.choice(len(actions), p=...)`` (a
    single uniform from the generator): the one draw every agent and search of the suite makes
    to pick its action, so a seed gives the same actions wherever the policy is the same.
    """
    actions, p = _actions_and_probs(policy, probs)
    return int(actions[rng.choice(len(actions), p=p / p.sum())])


def act_on_policy(act_mode: ActMode, rng: np.random.Generator, policy: PolicyOrActions,
                  probs: Sequence[float] | np.ndarray | None = None) -> int:
    """Act on an (updated) policy: ``"argmax"`` takes the most likely action (ties go to the
    first in the policy's order, as ``np.argmax``), ``"sample"`` draws one with
    ``sample_action`` (the only mode that consumes ``rng``)."""
    if act_mode == "sample":
        return sample_action(rng, policy, probs)
    if act_mode != "argmax":
        raise ValueError(f"act_mode must be 'sample' or 'argmax', got {act_mode!r}")
    actions, p = _actions_and_probs(policy, probs)
    return int(actions[int(np.argmax(p))])


@runtime_checkable
class Policy(Protocol):
    """Anything that gives a distribution over the legal actions of the player to move."""

    def action_probabilities(self, state: Any) -> ActionProbabilities:
        ...


@runtime_checkable
class Agent(Policy, Protocol):
    """A policy that also chooses an action (possibly after search)."""

    def act(self, state: Any) -> int:
        ...


# ----------------------------------------------------------------------------------------------
# Capabilities of blueprints that search uses


@runtime_checkable
class RuleBasedBlueprint(Agent, Protocol):
    """A rule-based Hanabi bot as a blueprint: ``(1 - bot_epsilon) * bot + bot_epsilon * uniform``.

    ``bot``: the bot's name ("simple", "holmes", "smart" or "value"), which the native rollout
    and belief kernels take; ``bot_epsilon``: the uniform mixing weight (0 for the pure,
    deterministic bot); ``bot_move(state)``: the bot's own move (the blueprint's most likely).
    """

    @property
    def bot(self) -> str: ...

    @property
    def bot_epsilon(self) -> float: ...

    def bot_move(self, state: Any) -> int: ...


class Encoding(Protocol):
    """What a network blueprint's encoder provides (``TensorEncoding``, ``HanabiEncoding``)."""

    @property
    def game_string(self) -> str: ...

    @property
    def num_actions(self) -> int: ...

    @property
    def size(self) -> int: ...

    def encode_batch(self, states: Sequence[Any]) -> np.ndarray: ...

    def legal_mask(self, state: Any) -> np.ndarray: ...

    def as_dict(self) -> dict[str, Any]: ...


@runtime_checkable
class NetworkBlueprint(Policy, Protocol):
    """A neural blueprint: ``probabilities(inputs, masks)`` gives the (k, A) action probabilities
    of k encoded inputs (zero on masked actions), ``encoding`` encodes states of the game named
    by ``game_string``, ``temperature`` is the one the probabilities are taken at."""

    encoding: Encoding
    temperature: float

    @property
    def game_string(self) -> str: ...

    def probabilities(self, inputs: np.ndarray, masks: np.ndarray) -> np.ndarray: ...


def native_network(policy: object) -> NativeMLP | None:
    """``policy.native_network()`` (a ``uedtp.csrc.mlp.NativeMLP`` with the blueprint's current
    weights) when the blueprint offers one and it is not None; None otherwise."""
    get = getattr(policy, "native_network", None)
    if not callable(get):
        return None
    net = get()
    if net is not None and not isinstance(net, NativeMLP):
        raise TypeError(f"{type(policy).__name__}.native_network() returned "
                        f"{type(net).__name__}, not a uedtp.csrc.mlp.NativeMLP")
    return net


def network_digest(policy: object) -> str | None:
    """``policy.weights_digest()`` (a digest of the blueprint's network weights, equal for
    blueprints loaded from one checkpoint) when the blueprint offers one; None otherwise."""
    get = getattr(policy, "weights_digest", None)
    return str(get()) if callable(get) else None


@runtime_checkable
class UniformBlueprint(Policy, Protocol):
    """A policy that can tell whether it is uniform over the legal actions at every state."""

    def uniform_over_legal_actions(self) -> bool:
        """True only if ``action_probabilities`` is 1 / |legal| at every state."""
        ...


def is_uniform(policy: object) -> bool:
    """Whether ``policy`` declares itself uniform (``UniformBlueprint``) and is."""
    return isinstance(policy, UniformBlueprint) and policy.uniform_over_legal_actions()


class UniformPolicy:
    """Uniform over ``state.legal_actions()`` (no randomness of its own: it never acts).

    A subclass that overrides ``action_probabilities`` is no longer declared uniform.
    """

    def action_probabilities(self, state: Any) -> ActionProbabilities:
        actions = state.legal_actions()
        p = 1.0 / len(actions)
        return {a: p for a in actions}

    def uniform_over_legal_actions(self) -> bool:
        return type(self).action_probabilities is UniformPolicy.action_probabilities

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


# ----------------------------------------------------------------------------------------------
# Sampling shared by agents and search


def sample_actions(probs: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Inverse-CDF sampling of one action per row of ``probs`` (k, A) from ``uniforms`` (k,).

    Only actions with positive probability can be returned (rounding is clamped to the last
    positive entry), so the same uniforms give the same action for identical rows (common
    random numbers).
    """
    cdf = np.cumsum(probs, axis=1)
    actions = (cdf <= uniforms[:, None] * cdf[:, -1:]).sum(axis=1)
    last_positive = probs.shape[1] - 1 - np.argmax(probs[:, ::-1] > 0, axis=1)
    return np.minimum(actions, last_positive)


class WrongStateError(ValueError):
    """An agent was asked to decide at a state it cannot decide at: a terminal or chance state,
    or a state of another game than the one it was built for."""


def state_game(state: Any) -> Any:
    """The game object a state belongs to (``pyspiel.State.get_game()``, ``HanabiState.game``)."""
    get = getattr(state, "get_game", None)
    return get() if get is not None else getattr(state, "game", None)


class DecisionGuard:
    """Refuses states an agent must not decide at (``check``). ``game``: the agent's game
    (``pyspiel.Game`` or ``HanabiGame``; None: any game). Cheap on every decision: the game
    of the state is compared by identity with the last game accepted, by ``==`` only when it
    is another object (pyspiel and Hanabi games compare by their parameters)."""

    __slots__ = ("game", "who", "_accepted")

    def __init__(self, game: Any, who: str) -> None:
        self.game = game
        self.who = who
        self._accepted = game

    def check(self, state: Any) -> None:
        if state.is_terminal():
            raise WrongStateError(f"{self.who} cannot act at a terminal state (the game is over)")
        chance = getattr(state, "is_chance_node", None)
        if chance is not None and chance():
            raise WrongStateError(f"{self.who} cannot act at a chance node (resolve it with the "
                                  "game's chance outcomes first)")
        if self.game is None:
            return
        game = state_game(state)
        if game is self._accepted:
            return
        if game is not None and game == self.game:
            self._accepted = game
            return
        raise WrongStateError(f"{self.who} was built for {self.game} but got a state of {game}")
