"""HLE agents in the native Hanabi engine: exact rl_env observation dicts, move mapping, legal
complete games with our bots, reproducible randomness."""
from __future__ import annotations

import random

import pytest
from hanabi_learning_environment import rl_env

KEYS = ("current_player", "current_player_offset", "life_tokens", "information_tokens",
        "num_players", "deck_size", "fireworks", "legal_moves", "legal_moves_as_int",
        "observed_hands", "discard_pile", "card_knowledge")


def hle_game_record(players: int, seed: int, agent_cls):
    """Play a game in HLE's own rl_env; return (per-step observation dicts and moves, deal)."""
    from hanabi_learning_environment import pyhanabi

    from uedtp.envs.hanabi.game import card_id
    config = {"colors": 5, "ranks": 5, "players": players, "max_information_tokens": 8,
              "max_life_tokens": 3, "seed": seed}
    env = rl_env.HanabiEnv(config=config)
    random.seed(seed)
    obs = env.reset()
    agent = agent_cls(config)
    steps, done = [], False
    while not done:
        mine = obs["player_observations"][obs["current_player"]]
        move = agent.act(mine)
        steps.append(({k: mine[k] for k in KEYS + ("vectorized",)}, move))
        obs, _, done, _ = env.step(move)
    deals = [card_id(h.move().color(), h.move().rank()) for h in env.state.move_history()
             if h.move().type() == pyhanabi.HanabiMoveType.DEAL]
    return steps, deals, env.state.score()


@pytest.mark.parametrize("players", [2, 3, 5])
@pytest.mark.parametrize("kind", ["simple", "random"])
def test_observation_dicts_equal_rl_env(players, kind):
    from hanabi_learning_environment.agents.random_agent import RandomAgent
    from hanabi_learning_environment.agents.simple_agent import SimpleAgent

    from uedtp.agents.hanabi.hle import HLEAgent, move_dict, move_uid, observation_dict
    from uedtp.envs.hanabi.game import HanabiGame
    agent_cls = SimpleAgent if kind == "simple" else RandomAgent
    game = HanabiGame(players=players)
    for seed in range(3):
        steps, deals, hle_score = hle_game_record(players, seed, agent_cls)
        rest = game.full_deck()
        for card in deals:
            rest.remove(card)
        state = game.new_initial_state(deck=deals + rest)     # the same deal as HLE's
        ours = HLEAgent(agent_cls, game, seed=0)
        for observation, move in steps:
            observation = {k: v for k, v in observation.items() if k in KEYS}
            assert observation_dict(state) == observation
            uid = move_uid(game, move)
            assert move_dict(game, uid) == move
            if kind == "simple":                   # deterministic: the adapter picks the same
                assert ours.act(state) == uid
            state.apply_action(uid)
        assert state.is_terminal() and state.score() == hle_score


def test_hle_simple_partnered_with_our_bots_plays_complete_legal_games():
    from uedtp.agents.hanabi.bots import HanabiBotAgent
    from uedtp.agents.hanabi.hle import HLEAgent
    from uedtp.envs.hanabi.game import HanabiGame
    for players in (2, 3):
        game = HanabiGame(players=players)
        for seed in range(10):
            seats = [HLEAgent.from_name("simple", game, seed=seed)] + \
                [HanabiBotAgent(bot, seed=seed) for bot in ("smart", "holmes")[:players - 1]]
            state = game.new_initial_state(seed=seed)
            moves = 0
            while not state.is_terminal():
                uid = seats[state.current_player()].act(state)
                assert uid in state.legal_actions()
                state.apply_action(uid)
                moves += 1
            assert state.is_terminal() and moves >= 3
            assert 0 <= state.score() <= 25


def test_random_agent_is_seeded_and_leaves_global_random_alone():
    from uedtp.agents.hanabi.hle import HLEAgent
    from uedtp.envs.hanabi.game import HanabiGame
    game = HanabiGame(players=2)

    def play(seed):
        agent = HLEAgent.from_name("random", game, seed=seed)
        state = game.new_initial_state(seed=1)
        moves = []
        while not state.is_terminal():
            moves.append(agent.act(state))
            state.apply_action(moves[-1])
        return moves

    random.seed(123)
    before = random.random()
    random.seed(123)
    assert play(4) == play(4)
    assert play(4) != play(5)
    assert random.random() == before                      # the global stream was untouched
    agent = HLEAgent.from_name("random", game, seed=0)
    state = game.new_initial_state(seed=2)
    probs = agent.action_probabilities(state)
    assert set(probs) == set(state.legal_actions())
    assert sum(probs.values()) == pytest.approx(1.0)


def test_full_observation_gives_rl_env_vectorized_encoding():
    from hanabi_learning_environment.agents.simple_agent import SimpleAgent

    from uedtp.agents.hanabi.hle import HLEAgent, move_uid
    from uedtp.envs.hanabi.game import HanabiGame
    game = HanabiGame(players=2)
    seen = []

    class Probe(SimpleAgent):
        def act(self, observation):
            seen.append(observation)
            return super().act(observation)

    agent = HLEAgent(Probe, game, full_observation=True)
    steps, deals, _ = hle_game_record(2, 5, SimpleAgent)
    rest = game.full_deck()
    for card in deals:
        rest.remove(card)
    state = game.new_initial_state(deck=deals + rest)
    for observation, move in steps:
        assert agent.act(state) == move_uid(game, move)
        assert list(seen[-1]["vectorized"]) == list(observation["vectorized"])
        assert seen[-1]["pyhanabi"].cur_player_offset() == 0
        state.apply_action(move_uid(game, move))
    assert len(seen) == len(steps) > 5


@pytest.mark.parametrize("move, message", [
    ("PLAY", "must be a dict"),
    ({"action_type": "JUMP"}, "action_type must be"),
    ({"action_type": "PLAY", "card_index": 5}, "card_index must be an integer in"),
    ({"action_type": "REVEAL_COLOR", "target_offset": 1, "color": "Q"}, "color must be one of"),
    ({"action_type": "REVEAL_RANK", "target_offset": 2, "rank": 0}, "target_offset"),
])
def test_bad_moves_are_clear_errors(move, message):
    from uedtp.agents.hanabi.hle import move_uid
    from uedtp.envs.hanabi.game import HanabiGame
    with pytest.raises(ValueError, match=message):
        move_uid(HanabiGame(players=2), move)


def test_illegal_move_and_wrong_state_are_errors():
    from uedtp.agents.hanabi.hle import HLEAgent
    from uedtp.envs.hanabi.game import HanabiGame
    game = HanabiGame(players=2)

    class Discarder:
        def __init__(self, config):
            pass

        def act(self, observation):
            return {"action_type": "DISCARD", "card_index": 0}   # illegal at 8 tokens

    with pytest.raises(ValueError, match="illegal move"):
        HLEAgent(Discarder, game).act(game.new_initial_state(seed=0))
    with pytest.raises(ValueError, match="built for"):
        HLEAgent(Discarder, game).act(HanabiGame(players=3).new_initial_state(seed=0))
    with pytest.raises(TypeError, match="has no act"):
        HLEAgent(object(), game)
    with pytest.raises(ValueError, match="unknown HLE agent"):
        HLEAgent.from_name("rainbow", game)
