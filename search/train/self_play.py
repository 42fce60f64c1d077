"""Self-play data collection and the trainer loop shared by deep MMD and PPO.

One iteration (``SelfPlayTrainer.update``):
  1. play ``games_per_update`` games in lockstep, every seat sampled from the current network;
     record each decision's input, legal mask, action, the network's full distribution and value;
  2. compute GAE advantages per (game, player) decision sequence (gamma = 1, reward only at
     the end, so the last decision's target is the player's final return);
  3. run ``epochs`` passes of minibatch gradient steps on the loss of the concrete algorithm
     (``loss(...)``, defined by ``uedtp.search.train.deep_mmd`` or ``uedtp.search.train.ppo``) plus the value
     loss (``minibatch_epochs``, also the optimiser of ``uedtp.eval.approx_exploitability``'s learner).

``evaluate`` plays seat-swapped matches against uniform random and earlier snapshots;
``trainer_state``/``load_trainer_state`` make runs resumable from a checkpoint.
"""
from __future__ import annotations

import copy
import dataclasses
import math
import time
from typing import Any, Callable, Sequence

import numpy as np
import torch

from uedtp.agents.neural.batch import NetActor, UniformActor, play_match
from uedtp.agents.neural.checkpoint import save as save_checkpoint
from uedtp.agents.neural.policy import PolicyValueNet, TorchPolicy
from uedtp.agents.protocol import sample_actions
from uedtp.envs.openspiel_games import as_game, require_two_player_zero_sum
from uedtp.envs.tensor_obs import encoding_for
from uedtp.envs.vector_env import make_batch, policy_inputs


SCHEDULES = ("constant", "linear", "inverse_sqrt")


def scheduled(start: float, end: float, schedule: str, progress: float) -> float:
    """Value at ``progress`` in [0, 1] of a schedule from ``start`` to ``end`` (the deep-MMD
    magnet weight and step size, PPO's entropy bonus)."""
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    progress = min(max(progress, 0.0), 1.0)
    if schedule == "constant":
        return start
    if schedule == "linear":
        return start + (end - start) * progress
    # inverse square root: start/sqrt(1 + k·progress) with k chosen to reach ``end`` at 1
    k = (start / end) ** 2 - 1.0 if end > 0 else 0.0
    return start / math.sqrt(1.0 + k * progress)


@dataclasses.dataclass
class Rollouts:
    """Flattened decisions of one collection round."""

    inputs: np.ndarray        # (N, D) float32
    masks: np.ndarray         # (N, A) bool
    actions: np.ndarray       # (N,)
    old_log_probs: np.ndarray  # (N, A) float32 (−inf on illegal actions)
    values: np.ndarray        # (N,)
    advantages: np.ndarray    # (N,)
    targets: np.ndarray       # (N,)
    players: np.ndarray       # (N,)
    game_returns: np.ndarray  # (games, 2)

    def __len__(self) -> int:
        return len(self.actions)


def gae_advantages(steps: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray | None]],
                   terminal: np.ndarray, gae_lambda: float) -> np.ndarray:
    """GAE (gamma = 1) over interleaved decision sequences: ``steps`` in play order, each
    (sequence index per row, value per row, reward per row or None for no reward); ``terminal``:
    each sequence's value after its last decision (its final return, or 0). Returns the
    advantages concatenated in play order."""
    next_value = terminal.copy()
    running = np.zeros_like(terminal)
    out = []
    for seq, value, reward in reversed(steps):
        target = next_value[seq] if reward is None else reward + next_value[seq]
        adv = target - value + gae_lambda * running[seq]
        running[seq] = adv
        next_value[seq] = value
        out.append(adv)
    out.reverse()
    return np.concatenate(out)


def collect(net: PolicyValueNet, game: Any, num_games: int, rng: np.random.Generator,
            gae_lambda: float = 0.95) -> Rollouts:
    """Play ``num_games`` self-play games with ``net`` in every seat; GAE per player sequence."""
    batch = make_batch(game, num_games, seed=int(rng.integers(2**31)))
    steps: list[tuple[np.ndarray, ...]] = []
    while True:
        live = batch.live_rows()
        if len(live) == 0:
            break
        players = batch.current[live].copy()
        x = policy_inputs(batch, live)
        mask = batch.legal_mask(live)
        with torch.inference_mode():
            logits, value = net(torch.from_numpy(x), torch.from_numpy(mask))
            logp = torch.log_softmax(logits, dim=-1).numpy()
        actions = sample_actions(np.exp(logp.astype(np.float64)), rng.random(len(live)))
        steps.append((live, players, x, mask, actions, logp, value.numpy()))
        batch.apply(live, actions, check=False)
    returns = batch.returns()                    # (games, 2); one sequence per (game, player)
    advantages = gae_advantages([(live * 2 + players, value, None)
                                 for live, players, *_, value in steps],
                                returns.reshape(-1), gae_lambda).astype(np.float32)
    cat = np.concatenate
    values = cat([s[6] for s in steps])
    return Rollouts(cat([s[2] for s in steps]), cat([s[3] for s in steps]),
                    cat([s[4] for s in steps]), cat([s[5] for s in steps]), values,
                    advantages, (advantages + values).astype(np.float32),
                    cat([s[1] for s in steps]), returns)


PolicyLoss = Callable[..., tuple[torch.Tensor, dict[str, float]]]


def minibatch_epochs(net: PolicyValueNet, optimizer: torch.optim.Optimizer,
                     tensors: Sequence[torch.Tensor], rng: np.random.Generator, epochs: int,
                     minibatch: int, policy_loss: PolicyLoss, value_coef: float,
                     max_grad_norm: float) -> dict[str, float]:
    """``epochs`` passes over the decisions ``tensors`` = (inputs, masks, actions, old log-probs,
    advantages, value targets[, extra tensors passed on to ``policy_loss``]) in ``rng``-shuffled
    minibatches; each step minimises
    ``policy_loss(logits, old, actions, advantages, masks) + value_coef · E[(V − target)²]`` with
    the gradient norm clipped to ``max_grad_norm``. Returns the last step's statistics."""
    stats: dict[str, float] = {}
    n = len(tensors[0])
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(n))
        for lo in range(0, n, minibatch):
            idx = order[lo:lo + minibatch]
            x, m, a, old, ad, tgt, *extra = (t[idx] for t in tensors)
            logits, value = net(x, m)
            loss, info = policy_loss(logits, old, a, ad, m, *extra)
            value_loss = torch.mean((value - tgt) ** 2)
            total = loss + value_coef * value_loss
            optimizer.zero_grad()
            total.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), max_grad_norm)
            optimizer.step()
            info["value_loss"] = value_loss.item()
            stats.update(info)
    return stats


@dataclasses.dataclass
class TrainerConfig:
    """Hyper-parameters common to the self-play trainers."""

    hidden: tuple[int, ...] = (128, 128)
    games_per_update: int = 256
    epochs: int = 2
    minibatch: int = 512
    learning_rate: float = 3e-4
    gae_lambda: float = 0.95
    value_coef: float = 0.5
    max_grad_norm: float = 1.0
    total_updates: int = 1000

    def check(self) -> None:
        for name in ("games_per_update", "epochs", "minibatch", "total_updates"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        for name in ("learning_rate", "max_grad_norm"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if not 0.0 <= self.gae_lambda <= 1.0:
            raise ValueError(f"gae_lambda must be in [0, 1], got {self.gae_lambda}")
        if not self.hidden or any(int(h) <= 0 for h in self.hidden):
            raise ValueError(f"hidden sizes must be positive, got {self.hidden}")


class SelfPlayTrainer:
    """Base class: collection, minibatch optimisation, evaluation and resumable state."""

    algorithm = "self-play"

    def __init__(self, game: Any, config: TrainerConfig, seed: int = 0) -> None:
        config.check()
        self.game = as_game(game)
        require_two_player_zero_sum(self.game, self.algorithm)
        self.config = config
        self.encoding = encoding_for(self.game)
        torch.manual_seed(seed)
        self.net = PolicyValueNet(self.encoding.size, self.encoding.num_actions, config.hidden)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=config.learning_rate)
        self.rng = np.random.default_rng(seed)
        self.iteration = 0
        self.decisions = 0
        self.snapshots: list[dict[str, torch.Tensor]] = []
        self.history: list[dict[str, Any]] = []

    @property
    def progress(self) -> float:
        """Fraction of the run's updates done (what the schedules are functions of)."""
        return self.iteration / max(1, self.config.total_updates)

    # -- implemented by the algorithms ------------------------------------------
    def loss(self, logits: torch.Tensor, old_log_probs: torch.Tensor, actions: torch.Tensor,
             advantages: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        raise NotImplementedError

    def prepare_advantages(self, advantages: np.ndarray) -> np.ndarray:
        return advantages

    # -- one iteration ------------------------------------------------------------
    def update(self) -> dict[str, float]:
        """One collection round and its optimisation epochs; returns training statistics."""
        start = time.perf_counter()
        self.net.train()
        data = collect(self.net, self.game, self.config.games_per_update, self.rng,
                       self.config.gae_lambda)
        adv = self.prepare_advantages(data.advantages)
        tensors = [torch.from_numpy(data.inputs), torch.from_numpy(data.masks),
                   torch.from_numpy(data.actions.astype(np.int64)),
                   torch.from_numpy(data.old_log_probs), torch.from_numpy(adv.astype(np.float32)),
                   torch.from_numpy(data.targets)]
        n = len(data)
        stats = minibatch_epochs(self.net, self.optimizer, tensors, self.rng, self.config.epochs,
                                 self.config.minibatch, self.loss, self.config.value_coef,
                                 self.config.max_grad_norm)
        self.net.eval()
        self.iteration += 1
        self.decisions += n
        stats.update({"iteration": self.iteration, "decisions": self.decisions,
                      "player0_return": float(data.game_returns[:, 0].mean()),
                      "seconds": time.perf_counter() - start})
        return stats

    # -- evaluation ---------------------------------------------------------------
    def policy(self, net: PolicyValueNet | None = None, seed: int = 0) -> TorchPolicy:
        return TorchPolicy(net if net is not None else self.net, self.encoding, seed=seed)

    def snapshot(self) -> None:
        self.snapshots.append(copy.deepcopy(self.net.state_dict()))

    def evaluate(self, games: int = 1000, seed: int = 12345) -> dict[str, Any]:
        """Seat-swapped matches of the current policy vs uniform and vs each earlier snapshot."""
        me = NetActor(self.policy(), seed=seed)
        out: dict[str, Any] = {"iteration": self.iteration,
                               "vs_uniform": play_match(self.game, me, UniformActor(seed + 1),
                                                        games, seed).as_dict()}
        for k, state in enumerate(self.snapshots[-3:]):
            old = PolicyValueNet(self.encoding.size, self.encoding.num_actions, self.config.hidden)
            old.load_state_dict(state)
            res = play_match(self.game, me, NetActor(self.policy(old.eval()), seed=seed + 2 + k),
                             games, seed + 7)
            out[f"vs_snapshot_{len(self.snapshots) - min(3, len(self.snapshots)) + k}"] = \
                res.as_dict()
        self.history.append(out)
        return out

    # -- checkpoints --------------------------------------------------------------
    def trainer_state(self) -> dict[str, Any]:
        return {"algorithm": self.algorithm, "config": dataclasses.asdict(self.config),
                "optimizer": self.optimizer.state_dict(), "iteration": self.iteration,
                "decisions": self.decisions, "rng": self.rng.bit_generator.state,
                "torch_rng": torch.get_rng_state(), "snapshots": self.snapshots,
                "history": self.history}

    def load_trainer_state(self, state: dict[str, Any]) -> None:
        if state.get("algorithm") != self.algorithm:
            raise ValueError(f"checkpoint was trained by {state.get('algorithm')!r}, "
                             f"not {self.algorithm!r}")
        self.optimizer.load_state_dict(state["optimizer"])
        self.iteration = int(state["iteration"])
        self.decisions = int(state["decisions"])
        self.rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])
        self.snapshots = list(state["snapshots"])
        self.history = list(state["history"])

    def save(self, path: str, meta: dict[str, Any] | None = None, with_trainer: bool = True
             ) -> None:
        info = {"algorithm": self.algorithm, "iteration": self.iteration,
                "decisions": self.decisions, "config": dataclasses.asdict(self.config),
                "evaluations": self.history[-1:]}
        info.update(meta or {})
        save_checkpoint(path, self.net, self.encoding, info,
                        self.trainer_state() if with_trainer else None)
