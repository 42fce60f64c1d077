"""Type stub for csrc/hanabi_rollout.pyx: native bot rollouts from a Hanabi state."""
from typing import Iterable

import numpy as np
import numpy.typing as npt

from uedtp.csrc.hanabi_bots import BotSeats
from uedtp.csrc.hanabi_engine_state import HanabiState

SCORINGS: tuple[str, ...]


def rollout_scores(state: HanabiState, bots: BotSeats, n: int, seed: int = 0,
                   first_move: int | None = None, hands: npt.ArrayLike | None = None,
                   hand_player: int | None = None, reshuffle: bool = True, epsilon: float = 0.0,
                   scoring: str = "hle", num_threads: int = 2) -> npt.NDArray[np.int32]: ...
def rollout_action_values(state: HanabiState, bots: BotSeats, moves: Iterable[int], n: int,
                          seed: int = 0, hands: npt.ArrayLike | None = None,
                          hand_player: int | None = None, reshuffle: bool = True,
                          epsilon: float = 0.0, scoring: str = "hle",
                          num_threads: int = 2) -> npt.NDArray[np.int32]: ...


class RolloutRng:
    def __init__(self, seed: int, stream: int) -> None: ...
    def uniform(self) -> float: ...
    def below(self, n: int) -> int: ...
    def shuffle_undrawn(self, state: HanabiState) -> None: ...
    def set_hand(self, state: HanabiState, player: int, cards: Iterable[int]) -> None: ...
