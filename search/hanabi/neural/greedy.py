"""The most likely move of a Hanabi network blueprint, at a real position and at traced
hypothetical ones, computed with the same arithmetic.

Joint SPARTA over a network (``uedtp.search.hanabi.sparta_joint``) plays the network's argmax at
the moves it does not search and filters ranges strictly: a hypothetical hand of player p stays
in p's range at a move of q iff the network's argmax from q's view with p holding that hand is
the move q made. That is exact only if the move at the real position and the move at its traced
copy holding the true hand come out of the same computation, so ``GreedyMoves`` has one rule for
both. One evaluation of a view:
  1. encode the mover's view (SmartBot tables of that time) and its legal mask; a hypothetical
     view is the traced snapshot with p's hand written in (the encoding path of the neural
     belief: ``partner_move_argmax`` natively, ``partner_views`` on the torch path);
  2. one forward pass over that single row: native (``view_argmax`` / ``partner_move_argmax``
     share one C routine) when the blueprint has a native copy
     (``uedtp.agents.protocol.native_network``), else the blueprint's ``probabilities`` on a
     one-row batch (one row per call, so the batch size cannot change the rounding);
  3. the move is the first maximum over move uids (``np.argmax``).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from uedtp.agents.protocol import NetworkBlueprint, native_network
from uedtp.csrc.hanabi_belief import GameTrace
from uedtp.csrc.hanabi_bots import BotSeats
from uedtp.csrc.hanabi_features import encode_view, partner_move_argmax, view_argmax
from uedtp.envs.hanabi.game import HanabiState
from uedtp.search.hanabi.neural.beliefs import partner_views

__all__ = ["GreedyMoves"]


class GreedyMoves:
    """The network's most likely move at real (``move``) and traced hypothetical
    (``partner_moves``) Hanabi views (module docstring). ``native=False`` keeps the torch path
    even when a native copy exists; ``views`` counts the views evaluated."""

    def __init__(self, policy: NetworkBlueprint, native: bool = True) -> None:
        if not isinstance(policy, NetworkBlueprint):
            raise TypeError(f"policy must be a NetworkBlueprint (e.g. a TorchPolicy), got "
                            f"{type(policy).__name__}")
        self.policy = policy
        self.native = bool(native)
        self.views = 0

    def __repr__(self) -> str:
        return f"GreedyMoves({self.policy!r}, native={self.native})"

    def _one_row(self, row: np.ndarray, mask: np.ndarray) -> int:
        probs = self.policy.probabilities(row[None, :], mask[None, :])[0]
        return int(np.argmax(probs))

    def move(self, state: HanabiState, seats: BotSeats, player: int) -> int:
        """The most likely move from ``player``'s view of ``state`` (``seats``: the game's
        SmartBot tables, which the features read)."""
        self.views += 1
        net = native_network(self.policy) if self.native else None
        if net is not None:
            return int(view_argmax(state, seats, player, net, float(self.policy.temperature)))
        enc = self.policy.encoding
        row = np.zeros(enc.size, dtype=np.float32)
        encode_view(state, seats, player, row)
        return self._one_row(row, np.asarray(enc.legal_mask(state), dtype=bool))

    def partner_moves(self, trace: GameTrace, player: int, t: int, sources: np.ndarray,
                      hands: np.ndarray, which: Sequence[int]) -> np.ndarray:
        """For each i in ``which``: the most likely move of the mover of traced move t had
        ``player`` held at t the hand ``sources`` derives from ``hands[i]`` (int64 uids)."""
        which = [int(i) for i in which]
        self.views += len(which)
        if not which:
            return np.zeros(0, dtype=np.int64)
        net = native_network(self.policy) if self.native else None
        if net is not None:
            return partner_move_argmax(trace, player, [t] * len(which), sources, hands, which,
                                       net, float(self.policy.temperature))
        rows, masks = partner_views(trace, player, t, sources, hands, which,
                                    self.policy.encoding)
        return np.array([self._one_row(rows[r], masks[r]) for r in range(len(which))],
                        dtype=np.int64)
