"""The native Hanabi engine on its own: configuration, dealing, rules on scripted decks, clear
errors that leave the state unchanged, dealing chosen cards, cloning, and the native kernels."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from uedtp.csrc.hanabi_engine import check_random_playout
from uedtp.envs.hanabi.game import (TERMINAL_PLAYER, HanabiConfig, HanabiGame, card_id, card_name,
                         native_random_games, parse_card)
from uedtp.envs.hanabi.convert import mixed_random_move


def snapshot(state):
    """Everything observable about a state, to check that failed calls change nothing."""
    return (str(state), state.history(), state.deck(), state.deal_order(), state.hands(),
            state.knowledge(), state.current_player(), state.turns_to_play())


def deck_from(game: HanabiGame, first: list[str]) -> list[int]:
    """A full deck whose first cards are ``first`` (strings like "R1"), the rest canonical."""
    ids = [parse_card(c) for c in first]
    rest = game.full_deck()
    for c in ids:
        rest.remove(c)
    return ids + rest


# ---- configuration ----------------------------------------------------------------------------

@pytest.mark.parametrize("players,hand", [(2, 5), (3, 5), (4, 4), (5, 4)])
def test_default_hand_size_deck_and_moves(players, hand):
    game = HanabiGame(players=players)
    assert game.hand_size() == hand
    assert game.deck_size() == 50
    assert game.num_distinct_actions() == 2 * hand + (players - 1) * 10
    assert [game.num_cards(0, r) for r in range(5)] == [3, 2, 2, 2, 1]
    state = game.new_initial_state(seed=0)
    assert [len(h) for h in state.hands()] == [hand] * players
    assert state.deck_size() == 50 - players * hand
    assert state.information_tokens() == 8 and state.life_tokens() == 3
    assert state.current_player() == 0 and not state.is_terminal()


@pytest.mark.parametrize("kwargs,field", [
    (dict(players=6), "num_players"), (dict(players=1), "num_players"),
    (dict(hand_size=0), "hand_size"), (dict(hand_size=6), "hand_size"),
    (dict(colors=0), "num_colors"), (dict(colors=6), "num_colors"),
    (dict(ranks=0), "num_ranks"), (dict(ranks=7), "num_ranks"),
    (dict(max_information_tokens=0), "max_information_tokens"),
    (dict(max_life_tokens=0), "max_life_tokens"),
    (dict(players=5, colors=1, ranks=1, hand_size=1), "deck is too small"),
])
def test_bad_config_names_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        HanabiGame(**kwargs)


@pytest.mark.parametrize("kwargs", [dict(players=2.0), dict(players=True), dict(hand_size="5"),
                                    dict(colors=None)])
def test_config_type_errors(kwargs):
    with pytest.raises(TypeError):
        HanabiGame(**kwargs)


def test_config_object_and_variant_copies():
    cfg = HanabiConfig(players=3, colors=3, ranks=2, hand_size=2, max_information_tokens=4)
    game = HanabiGame(config=cfg)
    assert game.hand_size() == 2 and game.max_information_tokens() == 4
    assert game.deck_size() == 3 * (3 + 1)           # ranks 1 and 2: three and one copies
    assert game.max_score() == 6
    assert HanabiGame(ranks=1).deck_size() == 15     # a single rank has three copies
    with pytest.raises(TypeError):
        HanabiGame(config={"players": 2})


# ---- dealing ----------------------------------------------------------------------------------

def test_seeded_deals_are_reproducible_and_differ_by_seed():
    game = HanabiGame(players=3)
    a, b, c = (game.new_initial_state(seed=s) for s in (7, 7, 8))
    assert a.deal_order() == b.deal_order()
    assert a.deal_order() != c.deal_order()
    assert sorted(a.deal_order()) == sorted(game.full_deck())


def test_deck_order_is_deal_order():
    game = HanabiGame(players=2)
    deck = list(reversed(game.full_deck()))
    state = game.new_initial_state(deck=deck)
    assert state.hand(0) == deck[:5] and state.hand(1) == deck[5:10]
    assert state.deck() == deck[10:]
    pairs = [(card // 5, card % 5) for card in deck]
    assert game.new_initial_state(deck=pairs).deal_order() == deck


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d[:-1], "49 cards"),
    (lambda d: d[:-1] + [d[0]], "not the game's card multiset"),
    (lambda d: d[:-1] + [25], "out of range"),
    (lambda d: d[:-1] + [(5, 0)], "does not exist"),
])
def test_bad_deck_is_rejected(mutate, message):
    game = HanabiGame()
    with pytest.raises(ValueError, match=message):
        game.new_initial_state(deck=mutate(game.full_deck()))


def test_seed_and_deck_together_rejected():
    game = HanabiGame()
    with pytest.raises(ValueError, match="either seed or deck"):
        game.new_initial_state(seed=1, deck=game.full_deck())
    with pytest.raises(ValueError):
        game.new_initial_state(seed=-1)


# ---- rules on scripted decks ------------------------------------------------------------------

def test_play_discard_hint_and_knowledge():
    game = HanabiGame(players=2)
    # player 0: R1 R2 Y1 G1 B5 ; player 1: R1 W3 W1 B2 Y2 ; next draws: G2 G3
    state = game.new_initial_state(deck=deck_from(game, [
        "R1", "R2", "Y1", "G1", "B5", "R1", "W3", "W1", "B2", "Y2", "G2", "G3"]))
    assert 0 not in state.legal_actions()                 # no discard at 8 tokens
    state.apply_action(game.hand_size() + 0)              # player 0 plays R1: success
    assert state.fireworks() == [1, 0, 0, 0, 0] and state.score() == 1
    assert state.hand(0) == [parse_card(c) for c in ["R2", "Y1", "G1", "B5", "G2"]]
    # player 1 hints player 0 "rank 1" (+1 offset): touches Y1 and G1
    uid = next(a for a in state.legal_actions() if state.move_name(a) == "(Reveal player +1 rank 1)")
    state.apply_action(uid)
    assert state.information_tokens() == 7
    kn = state.card_knowledge(0)
    assert [k.rank for k in kn] == [None, 0, 0, None, None]
    assert kn[0].rank_plausible == (False, True, True, True, True)   # ruled out as a 1
    assert kn[1].rank_plausible == (True, False, False, False, False)
    assert all(k.color is None and all(k.color_plausible) for k in kn)
    # player 0 misplays B5: a life is lost and the card goes to the discard pile
    state.apply_action(game.hand_size() + 3)
    assert state.life_tokens() == 2 and state.discard_pile() == [parse_card("B5")]
    # player 1 discards W3 (now legal: 7 tokens), gets a token back
    state.apply_action(1)
    assert state.information_tokens() == 8
    assert state.discard_pile() == [parse_card("B5"), parse_card("W3")]
    assert state.history() == [5, uid, 8, 1]


def test_completing_a_colour_returns_a_token_and_all_colours_end_the_game():
    game = HanabiGame(players=2, colors=1, ranks=2, hand_size=1)
    # deck R1 R2 R1 R1: player 0 holds R1, player 1 holds R2
    state = game.new_initial_state(deck=[0, 1, 0, 0])
    hint = next(a for a in state.legal_actions() if state.move_name(a) == "(Reveal player +1 rank 2)")
    state.apply_action(hint)                                # 8 -> 7 tokens
    state.apply_action(game.hand_size() + 0)                # player 1 plays R2: misplay
    assert state.life_tokens() == 2
    state.apply_action(game.hand_size() + 0)                # player 0 plays R1
    assert state.fireworks() == [1]
    state = game.new_initial_state(deck=[0, 1, 0, 0])
    state.apply_action(hint)
    state.apply_action(hint - 1)                            # player 1 hints "rank 1": 6 tokens
    state.apply_action(game.hand_size() + 0)                # R1 played
    assert state.information_tokens() == 6
    state.apply_action(game.hand_size() + 0)                # R2 completes the colour
    assert state.information_tokens() == 7                  # token returned
    assert state.is_terminal() and state.score() == 2
    assert state.current_player() == TERMINAL_PLAYER and state.returns() == [2.0, 2.0]
    assert state.legal_actions() == []


def test_losing_all_lives_scores_zero():
    game = HanabiGame(players=2, max_life_tokens=1)
    state = game.new_initial_state(deck=deck_from(game, ["R1", "R2", "R3"]))
    state.apply_action(game.hand_size() + 0)                # R1 scores
    state.apply_action(game.hand_size() + 4)                # player 1 misplays: last life
    assert state.is_terminal() and state.fireworks_total() == 1 and state.score() == 0
    assert len(state.hand(1)) == game.hand_size() - 1       # no card drawn after the end


@pytest.mark.parametrize("players", [2, 3, 4, 5])
def test_everyone_gets_one_more_turn_after_the_last_card(players):
    game = HanabiGame(players=players)
    rng = np.random.default_rng(players)
    state = game.new_initial_state(seed=players)
    while state.deck_size() > 0:
        legal = state.legal_actions()
        discards_hints = [a for a in legal if not game.hand_size() <= a < 2 * game.hand_size()]
        state.apply_action(int(rng.choice(discards_hints)))
    assert not state.is_terminal() and state.turns_to_play() == players
    for _ in range(players):
        assert not state.is_terminal()
        legal = state.legal_actions()
        discards_hints = [a for a in legal if not game.hand_size() <= a < 2 * game.hand_size()]
        state.apply_action(int(rng.choice(discards_hints)))
    assert state.is_terminal() and state.turns_to_play() == 0


def test_move_names_and_card_names():
    game = HanabiGame(players=3)
    assert game.move_name(0) == "(Discard 0)" and game.move_name(7) == "(Play 2)"
    assert game.move_name(10) == "(Reveal player +1 color R)"
    assert game.move_name(19) == "(Reveal player +2 color B)"
    assert game.move_name(22) == "(Reveal player +1 rank 3)"
    assert game.move_name(29) == "(Reveal player +2 rank 5)"
    with pytest.raises(ValueError, match="out of range"):
        game.move_name(30)
    assert card_name(card_id(4, 2)) == "B3" and parse_card("y5") == card_id(1, 4)
    with pytest.raises(ValueError):
        parse_card("X1")


# ---- illegal moves leave the state unchanged --------------------------------------------------

def test_illegal_moves_raise_clear_errors_and_change_nothing():
    game = HanabiGame(players=2)
    state = game.new_initial_state(deck=deck_from(game, [
        "R1", "R2", "R3", "R4", "R5", "Y1", "Y1", "Y1", "Y2", "Y2"]))
    before = snapshot(state)
    cases = [(0, r"\(Discard 0\).*fewer than 8 information tokens"),
             (10 + 0, r"\(Reveal player \+1 color R\).*holds no R card"),
             (15 + 4, r"\(Reveal player \+1 rank 5\).*no card of rank 5"),
             (20, "out of range"), (-1, "out of range")]
    for uid, message in cases:
        assert not state.is_legal(uid) if 0 <= uid < 20 else True
        with pytest.raises(ValueError, match=message):
            state.apply_action(uid)
        assert snapshot(state) == before
    for bad in (1.0, "3", None, True):
        with pytest.raises(TypeError):
            state.apply_action(bad)
    assert snapshot(state) == before


def test_hint_without_tokens_and_moves_after_the_end():
    game = HanabiGame(players=2, max_information_tokens=1, max_life_tokens=1)
    state = game.new_initial_state(deck=deck_from(game, ["R2", "R1"]))
    state.apply_action(next(a for a in state.legal_actions() if a >= 10))   # spend the token
    before = snapshot(state)
    # player 1 to move; player 0 holds R2 first, so "colour R" would touch a card
    with pytest.raises(ValueError, match=r"\(Reveal player \+1 color R\).*needs an information"):
        state.apply_action(10)
    assert snapshot(state) == before
    while not state.is_terminal():                         # blind plays: the one life goes
        state.apply_action(game.hand_size() + 0)
    done = snapshot(state)
    with pytest.raises(ValueError, match="game is over"):
        state.apply_action(game.hand_size())
    assert snapshot(state) == done


def test_every_uid_agrees_between_is_legal_and_legal_actions():
    game = HanabiGame(players=4)
    rng = np.random.default_rng(3)
    for seed in range(20):
        state = game.new_initial_state(seed=seed)
        while not state.is_terminal():
            legal = state.legal_actions()
            assert legal == sorted(legal)
            assert legal == [a for a in range(game.num_distinct_actions()) if state.is_legal(a)]
            assert list(np.flatnonzero(state.legal_actions_mask())) == legal
            state.apply_action(mixed_random_move(state, rng, 0.2, 0.5))


# ---- dealing chosen cards ---------------------------------------------------------------------

def multiset(cards):
    return sorted(cards)


def test_set_hand_takes_cards_from_the_unseen_multiset():
    game = HanabiGame(players=2)
    state = game.new_initial_state(seed=5)
    rng = np.random.default_rng(0)
    for _ in range(6):
        state.apply_action(mixed_random_move(state, rng, 0.2, 0.5))
    player = state.current_player()
    unseen = state.deck() + state.hand(player)
    knowledge = state.card_knowledge(player)
    others = [state.hand(p) for p in range(2) if p != player]
    new = list(rng.permutation(unseen)[:len(state.hand(player))])
    state.set_hand(player, new, seed=1)
    assert state.hand(player) == new
    assert multiset(state.deck() + state.hand(player)) == multiset(unseen)
    assert state.card_knowledge(player) == knowledge
    assert [state.hand(p) for p in range(2) if p != player] == others
    # canonical order without seed, given order with deck=
    state.set_hand(player, new)
    assert state.deck() == sorted(state.deck())
    order = list(reversed(state.deck()))
    state.set_hand(player, new, deck=order)
    assert state.deck() == order
    # the game continues normally from the edited state
    while not state.is_terminal():
        state.apply_action(mixed_random_move(state, rng, 0.2, 0.5))


def test_set_hand_rejects_unavailable_cards_and_keeps_the_state():
    game = HanabiGame(players=2)
    # player 1 holds the only B5; player 0 cannot be given it
    state = game.new_initial_state(deck=deck_from(game, [
        "R1", "R1", "R1", "Y1", "Y1", "B5", "G1", "G1", "W1", "W1"]))
    before = snapshot(state)
    with pytest.raises(ValueError, match="not available"):
        state.set_hand(0, [parse_card(c) for c in ["B5", "R2", "R2", "R3", "R3"]])
    with pytest.raises(ValueError, match="not available"):      # four R1 do not exist
        state.set_hand(0, [0, 0, 0, 0, 1])
    with pytest.raises(ValueError, match="holds 5 cards"):
        state.set_hand(0, [0, 0])
    with pytest.raises(ValueError, match="out of range"):
        state.set_hand(2, [0] * 5)
    with pytest.raises(ValueError, match="out of range"):
        state.set_hand(0, [0, 0, 0, 1, 99])
    with pytest.raises(ValueError):
        state.set_hand(0, state.hand(0), deck=state.deck()[:-1])
    with pytest.raises(ValueError, match="not available"):
        state.set_deck(state.deck()[:-1] + [parse_card("B5")])
    assert snapshot(state) == before


def test_unseen_counts():
    game = HanabiGame(players=3)
    state = game.new_initial_state(seed=2)
    counts = state.unseen_counts(1)
    expected = np.zeros(25, dtype=int)
    for c in state.deck() + state.hand(1):
        expected[c] += 1
    assert list(counts) == list(expected)


# ---- copies, pickling, kernels ----------------------------------------------------------------

def test_clone_is_independent_and_pickles():
    game = HanabiGame(players=3)
    state = game.new_initial_state(seed=11)
    other = state.clone()
    other.apply_action(other.legal_actions()[0])
    assert state.history() == [] and other.history() != []
    for c in (copy.copy(state), copy.deepcopy(other), pickle.loads(pickle.dumps(other))):
        assert isinstance(c, type(state))
    back = pickle.loads(pickle.dumps(other))
    assert snapshot(back) == snapshot(other) and back.game == game
    from uedtp.csrc.hanabi_engine_state import _restore
    with pytest.raises(ValueError, match="corrupt"):
        _restore(game, b"123")


def test_random_rollouts_are_deterministic_and_thread_independent():
    game = HanabiGame(players=2, max_life_tokens=20)      # many lives: scores vary
    state = game.new_initial_state(seed=3)
    a = state.random_rollouts(400, seed=9, num_threads=1)
    b = state.random_rollouts(400, seed=9, num_threads=2)
    c = state.random_rollouts(400, seed=10, num_threads=2)
    assert a.shape == (400,) and (a == b).all() and not (a == c).all()
    assert 0 <= a.min() and a.max() <= 25 and a.std() > 0.5
    fixed = state.random_rollouts(50, seed=1, shuffle_deck=False)
    assert (fixed == state.random_rollouts(50, seed=1, shuffle_deck=False)).all()
    done = state.clone()
    while not done.is_terminal():
        done.apply_action(done.legal_actions()[-1])
    assert (done.random_rollouts(10, seed=1) == done.score()).all()
    with pytest.raises(ValueError):
        state.random_rollouts(-1)
    with pytest.raises(ValueError):
        state.random_rollouts(5, num_threads=0)


def test_random_rollouts_score_more_from_a_better_position():
    game = HanabiGame(players=2, colors=2, ranks=2, hand_size=2)
    # deck ids: R1=0, R2=1, Y1=5, Y2=6; player 0 holds R1 R2, player 1 holds Y1 Y2
    start = game.new_initial_state(deck=[0, 1, 5, 6, 0, 0, 5, 5])
    near_win = start.clone()
    near_win.apply_actions([2, 2, 2])                      # R1, Y1, R2 played: score 3
    assert near_win.score() == 3 and not near_win.is_terminal()
    from_start = start.random_rollouts(4000, seed=0).mean()
    from_near = near_win.random_rollouts(4000, seed=0).mean()
    assert from_near > from_start + 1.0
    assert from_near <= 4.0
    win = near_win.child(2)                                # Y2 completes every colour
    assert win.is_terminal() and win.score() == 4 and win.information_tokens() == 8


def test_native_random_games():
    m1, s1 = native_random_games(3, 2000, 5, 1)
    m2, s2 = native_random_games(3, 2000, 5, 2)
    assert m1 == m2 and s1 == s2
    assert 2000 * 5 < m1 < 2000 * 80
    with pytest.raises(ValueError, match="num_players"):
        native_random_games(7, 10, 0, 1)
    with pytest.raises(ValueError):
        native_random_games(2, 0, 0, 1)


# The fast random-play loop (random_playout: used by native_random_games and random_rollouts)
# keeps the state's scalars in registers and the hand masks up to date incrementally; it must
# play exactly the game of the reference loop apply_move(random_legal_move()), whose rules the
# parity tests check against HLE and OpenSpiel. Many lives make games reach the empty deck and
# the final round; the small variants complete colours (the all-complete ending).
PLAYOUT_CONFIGS = [dict(players=p) for p in (2, 3, 4, 5)] + [
    dict(players=p, max_life_tokens=60) for p in (2, 3, 4, 5)] + [
    dict(players=2, colors=1, ranks=2, hand_size=1, max_life_tokens=10),
    dict(players=3, colors=1, ranks=5, hand_size=2, max_life_tokens=20),
    dict(players=4, colors=5, ranks=3, hand_size=3, max_information_tokens=3, max_life_tokens=1),
    dict(players=5, colors=2, ranks=4, hand_size=2, max_information_tokens=12, max_life_tokens=5),
    dict(players=2, colors=4, ranks=5, hand_size=4, max_information_tokens=20, max_life_tokens=40)]


@pytest.mark.parametrize("kwargs", PLAYOUT_CONFIGS,
                         ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_fast_random_playout_equals_the_reference_loop(kwargs):
    games = 300
    stats = check_random_playout(n_games=games, seed=17, **kwargs)
    assert stats["games"] == games
    assert stats["illegal"] == 0, stats
    assert stats["mismatches"] == 0, stats
    assert stats["moves"] >= 3 * games        # the games were actually played


def test_native_random_games_with_many_lives_run_the_deck_out():
    # with 60 lives random games last until the deck is gone (40 cards to draw, then a round)
    # and score a few points; with 3 lives they end early at 0
    moves, mean = native_random_games(2, 3000, 4, 1, max_life_tokens=60)
    assert 3000 * 45 < moves < 3000 * 90
    assert 3.0 < mean < 15.0
    short_moves, short_mean = native_random_games(2, 3000, 4, 1)
    assert short_moves < moves / 3 and short_mean < 0.1
    with pytest.raises(ValueError, match="n_games"):
        check_random_playout(n_games=0)
    with pytest.raises(ValueError, match="num_colors"):
        check_random_playout(colors=9)
