"""The suite's Hanabi agents as HLE ``rl_env`` agents acting from observations alone.

- SmartBot as ``SuiteAgent`` plays 200 two-player (and some three-player) HLE games and makes,
  game by game, the same moves and score as SmartBot in every seat of the native engine dealt
  the deck HLE dealt (read from HLE's full state by the test, the referee, never by the agent);
- with ``random_start_player=True`` the seats are rotated, and the games still match;
- the agent never reads the acting player's hidden cards: two HLE games that differ only in the
  acting player's hand (both consistent with what it knows) give the same rebuilt state and the
  same move, for SmartBot and for MD search with a fixed seed; natively, SmartBot and MD search
  decide the same when the acting player's hand is replaced by another consistent one;
- the rl_env protocol: every agent asked at every step (None off turn), a runner that skips
  ``reset`` between games, one agent object for several seats; clear errors for bad input.
"""
from __future__ import annotations

import numpy as np
import pytest

pyhanabi = pytest.importorskip("hanabi_learning_environment.pyhanabi")
rl_env = pytest.importorskip("hanabi_learning_environment.rl_env")

from uedtp.agents.hanabi.bots import SmartBotAgent  # noqa: E402
from uedtp.agents.hanabi.rl_agent import (ObservedGame, SuiteAgent, consistent_hand,  # noqa: E402
                                          game_from_config, hle_agent_class)
from uedtp.envs.hanabi.convert import hle_deal_move, hle_game, hle_move, new_hle_state  # noqa: E402
from uedtp.envs.hanabi.game import HanabiGame, HanabiState, card_color, card_id, card_rank  # noqa: E402


def _lean_observation(env, player: int) -> dict:
    """What ``SuiteAgent`` reads of rl_env's observation dict (rl_env builds the same keys plus
    the dict views and the vectorized encoding, which cost most of a step)."""
    obs = env.state.observation(player)
    return {"current_player": env.state.cur_player(),
            "current_player_offset": obs.cur_player_offset(),
            "legal_moves_as_int": [env.game.get_move_uid(m) for m in obs.legal_moves()],
            "pyhanabi": obs}


def _native_deck(hle_state) -> tuple[list[int], int]:
    """The deck HLE dealt, for the native engine (seats rotated so the first mover is seat 0),
    and the first mover. Read from HLE's full state: the referee's view."""
    history = list(hle_state.move_history())
    first = next(h.player() for h in history if h.move().type() != pyhanabi.HanabiMoveType.DEAL)
    n = hle_state.num_players()
    start: list[list[int]] = [[] for _ in range(n)]
    later: list[int] = []
    seen_move = False
    for h in history:
        m = h.move()
        if m.type() != pyhanabi.HanabiMoveType.DEAL:
            seen_move = True
            continue
        card = card_id(m.color(), m.rank())
        (later.append(card) if seen_move else start[h.deal_to_player()].append(card))
    deck = [c for k in range(n) for c in start[(k + first) % n]] + later
    rest = HanabiGame(players=n).full_deck()
    for c in deck:
        rest.remove(c)
    return deck + rest, first                   # undealt cards: never drawn, any order


def _play_hle(config: dict, agents: list, every_agent_every_step: bool = False):
    """One rl_env game with ``agents[p]`` in HLE seat p; (move uids, score, HLE state). The
    state keeps the environment alive (a pyhanabi state points into its game)."""
    env = rl_env.HanabiEnv(config)
    obs = env.reset()
    moves, done = [], False
    while not done:
        cp = env.state.cur_player()
        if every_agent_every_step:      # HLE's own runner protocol, full observation dicts
            acts = [a.act(obs["player_observations"][p]) for p, a in enumerate(agents)]
            assert all(m is None for p, m in enumerate(acts) if p != cp)
            move = acts[cp]
            obs, _, done, _ = env.step(move)
        else:                           # the same game, only the mover asked (fast)
            move = agents[cp].act(_lean_observation(env, cp))
            hle = env._build_move(move)
            env.state.apply_move(hle)
            while env.state.cur_player() == pyhanabi.CHANCE_PLAYER_ID:
                env.state.deal_random_card()
            done = env.state.is_terminal()
        moves.append(_uid(env, move))
    env.state._uedtp_env = env
    return moves, env.state.score(), env.state


def _uid(env, move: dict) -> int:
    from uedtp.agents.hanabi.hle import move_uid
    return move_uid(game_from_config({"players": env.players}), move)


def _native_game(game: HanabiGame, deck: list[int]) -> tuple[list[int], int]:
    """SmartBot in every seat of the native engine dealt ``deck``: (move uids, score)."""
    state = game.new_initial_state(deck=deck)
    bot = SmartBotAgent()
    while not state.is_terminal():
        state.apply_action(bot.act(state))
    return state.history(), state.score()


def _compare(players: int, seeds, random_start: bool = False, full: bool = False) -> list[int]:
    scores = []
    for seed in seeds:
        config = {"players": players, "seed": seed, "random_start_player": random_start}
        agents = [SuiteAgent(config, SmartBotAgent()) for _ in range(players)]
        moves, score, hle_state = _play_hle(config, agents, every_agent_every_step=full)
        deck, _ = _native_deck(hle_state)
        native_moves, native_score = _native_game(HanabiGame(players=players), deck)
        assert (native_moves, native_score) == (moves, score), f"seed {seed}"
        scores.append(score)
    return scores


def test_smartbot_in_rl_env_matches_the_native_engine_game_by_game() -> None:
    scores = _compare(2, range(200))
    assert len(scores) == 200
    assert 22.0 < np.mean(scores) < 24.5          # SmartBot's level (23.0 in 2 players)
    scores3 = _compare(3, range(1000, 1010))
    assert np.mean(scores3) > 20


def test_hle_runner_protocol_with_full_observation_dicts() -> None:
    """HLE's runner asks every agent at every step with rl_env's own dicts."""
    assert len(_compare(2, range(300, 303), full=True)) == 3
    assert len(_compare(4, range(303, 305), full=True)) == 2


def test_random_start_player_rotates_the_seats() -> None:
    firsts = set()
    for seed in range(40):
        config = {"players": 3, "seed": seed, "random_start_player": True}
        agents = [SuiteAgent(config, SmartBotAgent()) for _ in range(3)]
        moves, score, hle_state = _play_hle(config, agents)
        deck, first = _native_deck(hle_state)
        firsts.add(first)
        assert _native_game(HanabiGame(players=3), deck) == (moves, score), f"seed {seed}"
    assert firsts == {0, 1, 2}                      # every start player was exercised


def test_one_agent_for_all_seats_and_no_reset_between_games() -> None:
    config = {"players": 2, "random_start_player": True}
    shared = SuiteAgent(config, SmartBotAgent())
    for seed in (7, 8, 9):                          # same object, games back to back
        config["seed"] = seed
        moves, score, hle_state = _play_hle(config, [shared, shared])
        deck, _ = _native_deck(hle_state)
        assert _native_game(HanabiGame(players=2), deck) == (moves, score)


# ---- the acting player's hidden cards are never read ---------------------------------------

def _hle_state_from_deck(game: HanabiGame, deck: list[int], moves: list[int]):
    hle = new_hle_state(hle_game(game))
    pos = 0

    def deal() -> None:
        nonlocal pos
        while hle.cur_player() == pyhanabi.CHANCE_PLAYER_ID:
            card = deck[pos]
            hle.apply_move(hle_deal_move(card_color(card), card_rank(card)))
            pos += 1
    deal()
    for uid in moves:
        hle.apply_move(hle_move(game, uid))
        deal()
    return hle


def _other_consistent_deck(state: HanabiState, seed: int) -> list[int] | None:
    """The state's deck with the mover's hand replaced by another hand consistent with its
    knowledge and the cards it cannot see (those cards swapped with undealt ones); None if
    no other hand exists."""
    p = state.current_player()
    game = state.game
    deck = state.deal_order()
    drawn = len(deck) - state.deck_size()
    positions = _hand_positions(state)[p]
    pool = [deck[i] for i in positions] + deck[drawn:]
    unseen: dict[int, int] = {}
    for c in pool:
        unseen[c] = unseen.get(c, 0) + 1
    rng = np.random.default_rng(seed)
    knowledge = [(k.color_plausible[:game.num_colors()], k.rank_plausible[:game.num_ranks()])
                 for k in state.card_knowledge(p)]
    for _ in range(50):
        order = {c: float(rng.random()) for c in unseen}
        hand = _random_consistent(knowledge, unseen, order)
        if hand is not None and hand != state.hand(p):
            rest = list(pool)
            for c in hand:
                rest.remove(c)
            new = list(deck)
            for i, c in zip(positions, hand):
                new[i] = c
            new[drawn:] = rest
            return new
    return None


def _random_consistent(knowledge, unseen, order):
    cards = sorted(unseen, key=order.get)
    hand, counts = [], dict(unseen)
    for colors, ranks in knowledge:
        ok = [c for c in cards if counts[c] and colors[card_color(c)] and ranks[card_rank(c)]]
        if not ok:
            return None
        counts[ok[0]] -= 1
        hand.append(ok[0])
    return hand


def _hand_positions(state: HanabiState) -> list[list[int]]:
    """Deck position of each card in each hand (replaying the history)."""
    game = state.game
    h, n = game.hand_size(), game.num_players()
    replay = game.new_initial_state(deck=state.deal_order())
    hands = [list(range(k * h, (k + 1) * h)) for k in range(n)]
    nxt = n * h
    for uid in state.history():
        p = replay.current_player()
        before = replay.deck_size()
        replay.apply_action(uid)
        if uid < 2 * h:
            hands[p].pop(uid % h)
            if replay.deck_size() < before:
                hands[p].append(nxt)
                nxt += 1
    assert [[replay.deal_order()[i] for i in hand] for hand in hands] == state.hands()
    return hands


def _states_to_probe(game: HanabiGame, count: int, seed: int) -> list[HanabiState]:
    """States along SmartBot games at which the mover has another consistent hand."""
    out: list[HanabiState] = []
    bot = SmartBotAgent()
    g = seed
    while len(out) < count:
        state = game.new_initial_state(seed=g)
        g += 1
        while not state.is_terminal() and len(out) < count:
            if state.move_number() % 7 == 3 and _other_consistent_deck(state, g) is not None:
                out.append(state.clone())
            state.apply_action(bot.act(state))
    return out


def _md(game: HanabiGame, seed: int):
    from uedtp.eval.specs import build_agent
    return build_agent("md(rollouts=40,histories=8)", game, seed)


@pytest.mark.parametrize("kind", ["smartbot", "md"])
def test_suite_agent_never_reads_the_movers_hidden_cards(kind: str) -> None:
    """Two HLE games differing only in the mover's hand: the same rebuilt state, the same
    move; the rebuilt hand is not the true one in some of them (it is not read)."""
    game = HanabiGame(players=2)
    differs = 0
    for k, state in enumerate(_states_to_probe(game, 6 if kind == "md" else 15, seed=40)):
        other = _other_consistent_deck(state, k)
        assert other is not None
        picks, rebuilt = [], []
        for deck in (state.deal_order(), other):
            hle = _hle_state_from_deck(game, deck, state.history())
            p = hle.cur_player()
            inner = SmartBotAgent() if kind == "smartbot" else _md(game, seed=5)
            agent = SuiteAgent({"players": 2}, inner)
            # the observer's view at each of its earlier turns (making the game's moves), then now
            history = state.history()
            for i, uid in enumerate(history):
                if i % 2 == p % 2:
                    agent.observe(_view(_hle_state_from_deck(game, deck, history[:i]), p))
                    agent.records[p].last_move = uid
            obs = _view(hle, p)
            picks.append(agent.act(obs))
            rebuilt.append(agent.last_state)
        assert picks[0] == picks[1]
        assert rebuilt[0].hands() == rebuilt[1].hands()
        assert rebuilt[0].history() == state.history()
        differs += rebuilt[0].hand(state.current_player()) != state.hand(state.current_player())
    assert differs > 0


def _view(hle_state, player: int) -> dict:
    obs = hle_state.observation(player)
    obs._keep_alive = hle_state            # the observation points into the state's game
    return {"current_player": hle_state.cur_player(),
            "current_player_offset": obs.cur_player_offset(), "pyhanabi": obs}


@pytest.mark.parametrize("kind", ["smartbot", "md"])
def test_native_agents_decide_the_same_with_another_consistent_hand(kind: str) -> None:
    game = HanabiGame(players=2)
    searched = 0
    for k, state in enumerate(_states_to_probe(game, 4 if kind == "md" else 15, seed=80)):
        other_deck = _other_consistent_deck(state, k)
        assert other_deck is not None
        other = game.new_initial_state(deck=other_deck)
        other.apply_actions(state.history())
        p = state.current_player()
        assert other.hand(p) != state.hand(p)
        assert [other.hand(q) for q in range(2) if q != p] == \
            [state.hand(q) for q in range(2) if q != p]
        if kind == "smartbot":
            assert SmartBotAgent().act(state) == SmartBotAgent().act(other)
        else:
            a, b = _md(game, 3), _md(game, 3)
            assert a.act(state) == b.act(other)
            assert a.decisions[-1].rollouts == b.decisions[-1].rollouts
            searched += a.decisions[-1].searched
    assert kind == "smartbot" or searched > 0           # MD search really searched


# ---- pieces and errors ----------------------------------------------------------------------

def test_consistent_hand_is_the_first_in_card_order() -> None:
    all5 = [True] * 5
    only_r = [True, False, False, False, False]
    ones = [True, False, False, False, False]
    unseen = {card_id(0, 0): 1, card_id(1, 0): 2, card_id(0, 1): 1}
    assert consistent_hand([(only_r, ones), (all5, all5)], unseen) == [card_id(0, 0),
                                                                      card_id(0, 1)]
    with pytest.raises(ValueError, match="no hand is consistent"):
        consistent_hand([(only_r, ones), (only_r, ones)], unseen)


def test_errors_name_the_problem() -> None:
    config = {"players": 2, "seed": 0}
    with pytest.raises(TypeError, match="exactly one of agent="):
        SuiteAgent(config)
    with pytest.raises(ValueError, match="'pyhanabi' entry"):
        SuiteAgent(config, SmartBotAgent()).act({"current_player_offset": 0})
    env = rl_env.HanabiEnv(config)
    obs = env.reset()
    assert SuiteAgent(config, SmartBotAgent()).act(obs["player_observations"][1]) is None
    with pytest.raises(ValueError, match="2-player game given to an agent for HanabiGame.players=3"):
        SuiteAgent({"players": 3}, SmartBotAgent()).act(obs["player_observations"][0])
    agent = SuiteAgent(config, SmartBotAgent())
    with pytest.raises(ValueError, match="needs SuiteAgent\\(make=...\\)"):
        agent.reset({"players": 3})
    # a continuation of a game the agent never saw the start of
    env.step(obs["player_observations"][0]["legal_moves"][0])
    obs, *_ = env.step(env.state.legal_moves()[0].to_dict())
    with pytest.raises(ValueError, match="has not seen from its start"):
        SuiteAgent(config, SmartBotAgent()).act(obs["player_observations"][0])


def test_hle_agent_class_is_built_hle_style() -> None:
    cls = hle_agent_class(lambda game: SmartBotAgent(), "SmartBotHLE")
    assert issubclass(cls, rl_env.Agent) and cls.__name__ == "SmartBotHLE"
    agent = cls({"players": 3})
    assert agent.game == HanabiGame(players=3)
    agent.reset({"players": 2})                      # other rules: the agent is rebuilt
    assert agent.game == HanabiGame(players=2)
    assert isinstance(ObservedGame, type)


def test_engine_errors_name_the_hle_class_and_the_adapter() -> None:
    hle = new_hle_state(hle_game(HanabiGame(players=2)))
    with pytest.raises(TypeError, match=r"hanabi_learning_environment\.pyhanabi\.HanabiState"
                                        r".*agents\.hanabi\.rl_agent\.SuiteAgent"):
        SmartBotAgent().act(hle)
    with pytest.raises(TypeError, match="HanabiMDSearch.*pyhanabi.HanabiState"):
        _md(HanabiGame(players=2), 0).act(hle)
    with pytest.raises(TypeError, match="got builtins.list"):
        SmartBotAgent().act([1, 2])


@pytest.mark.parametrize("spec", ["simplebot", "holmesbot", "valuebot", "convention",
                                  "md(rollouts=20,histories=4)", "sparta(rollouts=30)",
                                  "torch:checkpoints/hanabi_smartbot_bc.pt"])
def test_every_kind_of_agent_plays_a_whole_hle_game(spec: str) -> None:
    """``uedtp.eval.specs.interop.hle_agent_class(spec)`` in both seats of an rl_env game."""
    from uedtp.eval.specs.interop import hle_agent_class
    cls = hle_agent_class(spec, seed=1)
    config = {"players": 2, "seed": 11, "random_start_player": True}
    agents = [cls(config), cls(config)]
    moves, score, _ = _play_hle(config, agents)
    assert len(moves) > 40 and 0 <= score <= 25
    assert agents[0].last_state is not None and agents[0].last_state.game == HanabiGame(players=2)


def test_joint_sparta_is_refused_in_hle_with_a_clear_error() -> None:
    """Joint SPARTA shares a public record between the seats' objects, keyed by the deal; each
    HLE observer rebuilds a different deal (its own hand is an assignment), so the second seat
    cannot find the record and refuses at its first turn."""
    from uedtp.eval.specs.interop import hle_agent_class
    cls = hle_agent_class("sparta-joint(rollouts=30)", seed=1)
    config = {"players": 2, "seed": 11}
    with pytest.raises(ValueError, match="joint SPARTA must see its game from the first move"):
        _play_hle(config, [cls(config), cls(config)])
