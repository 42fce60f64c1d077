"""Type stub for csrc/hanabi_engine.pyx: the native Hanabi rules and batch random play."""

CONFIG_ERRORS: dict[int, str]
SET_ERRORS: dict[int, str]


def config_error_message(code: int) -> str: ...
def set_error_message(code: int) -> str: ...
def native_random_games(players: int = 2, n_games: int = 10000, seed: int = 0,
                        num_threads: int = 1, colors: int = 5, ranks: int = 5,
                        hand_size: int = -1, max_information_tokens: int = 8,
                        max_life_tokens: int = 3) -> tuple[int, float]: ...
def check_random_playout(players: int = 2, n_games: int = 200, seed: int = 0, colors: int = 5,
                         ranks: int = 5, hand_size: int = -1, max_information_tokens: int = 8,
                         max_life_tokens: int = 3) -> dict[str, int]: ...
