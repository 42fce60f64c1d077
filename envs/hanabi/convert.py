"""Converters between the native engine and HLE pyhanabi / OpenSpiel ``hanabi``, and parity checks.

A game is fully described by its deal order and its move uids (the three engines share HLE's
move uids and slot order), so each converter replays one engine's deck order and moves in the
other. One step of a parity check makes the same move in both engines and compares everything
observable: legal moves, hands, per-card knowledge (hinted and plausible values), tokens,
fireworks, discards, deck size, score and termination. ``native_state`` is the one conversion
every Hanabi agent runs on the state it is given: native states pass, OpenSpiel ``hanabi``
states are replayed, anything else is refused naming its class (and, for HLE, the adapter).

Dealing chosen cards into HLE: pyhanabi only offers ``deal_random_card``. HLE's C++ engine does
accept explicit deal moves (move type ``kDeal`` with a colour and rank), so ``hle_deal_move``
builds one by writing the fields of a freshly allocated ``HanabiMove`` through cffi (layout
``int32 type; int8 card_index, target_offset, color, rank``, checked once, before first use,
against a move pyhanabi built itself). Only available cards may be dealt this way (HLE aborts
the process otherwise), so ``to_hle`` first replays the deal order in our engine.
"""
from __future__ import annotations

import functools
from typing import Any, Optional, Sequence

import numpy as np

from uedtp.envs.hanabi.game import HanabiGame, HanabiState, card_color, card_id, card_rank, card_name

try:
    from hanabi_learning_environment import pyhanabi
except ImportError:  # pragma: no cover - optional dependency
    pyhanabi = None
try:
    import pyspiel
except ImportError:  # pragma: no cover - optional dependency
    pyspiel = None

_HLE_DEAL = 5                    # HanabiMove::kDeal


class ParityError(AssertionError):
    """The two engines disagree; the message names the game, the step and the field."""


def _need_hle() -> None:
    if pyhanabi is None:
        raise ImportError("hanabi_learning_environment (pyhanabi) is not installed")
    if not pyhanabi.cdef_loaded():
        pyhanabi.try_cdef()
    if not pyhanabi.lib_loaded():
        pyhanabi.try_load()


def _need_openspiel() -> None:
    if pyspiel is None:
        raise ImportError("open_spiel (pyspiel) is not installed")


# ---- HLE --------------------------------------------------------------------------------------

def hle_game(game: HanabiGame, seed: int = 0) -> "pyhanabi.HanabiGame":
    """The pyhanabi game with the same rules (player 0 starts; ``seed`` drives its own deals)."""
    _need_hle()
    players, colors, ranks, _, info, life = game.engine_params()
    return pyhanabi.HanabiGame({"players": players, "colors": colors, "ranks": ranks,
                                "hand_size": game.hand_size(),
                                "max_information_tokens": info, "max_life_tokens": life,
                                "seed": int(seed), "random_start_player": False})


def new_hle_state(hgame: "pyhanabi.HanabiGame") -> Any:
    """``hgame.new_initial_state()`` that keeps ``hgame`` alive: a pyhanabi state holds only a
    raw pointer to its game, which pyhanabi frees when the Python game object dies."""
    state = hgame.new_initial_state()
    state._uedtp_parent_game = hgame
    return state


def hle_deal_move(color: int, rank: int) -> "pyhanabi.HanabiMove":
    """An HLE chance move dealing card (colour, rank) to the player due a card. The caller must
    make sure the card is still in HLE's deck."""
    _need_hle()
    if not _check_hle_move_layout():
        raise RuntimeError("pyhanabi's HanabiMove layout is not the expected one; "
                           "cannot deal chosen cards into HLE")
    move = pyhanabi.HanabiMove.get_play_move(0)
    raw = pyhanabi.ffi.cast("signed char *", move.c_move.move)
    pyhanabi.ffi.cast("int *", move.c_move.move)[0] = _HLE_DEAL
    raw[4], raw[5], raw[6], raw[7] = -1, -1, color, rank
    return move


@functools.lru_cache(maxsize=1)
def _check_hle_move_layout() -> bool:
    """True if HanabiMove has the byte layout hle_deal_move writes (verified on a real move)."""
    move = pyhanabi.HanabiMove.get_reveal_color_move(2, 3)
    raw = pyhanabi.ffi.cast("signed char *", move.c_move.move)
    kind = pyhanabi.ffi.cast("int *", move.c_move.move)[0]
    return (kind == int(pyhanabi.HanabiMoveType.REVEAL_COLOR)
            and (raw[4], raw[5], raw[6], raw[7]) == (-1, 2, 3, -1))


def _deal_pending_hle(hle_state: Any, deck: Sequence[int], pos: int) -> int:
    """Deal deck cards into HLE while it waits on chance; return the new deck position."""
    while hle_state.cur_player() == pyhanabi.CHANCE_PLAYER_ID and not hle_state.is_terminal():
        card = deck[pos]
        hle_state.apply_move(hle_deal_move(card_color(card), card_rank(card)))
        pos += 1
    return pos


def to_hle(state: HanabiState, seed: int = 0) -> Any:
    """Replay our state's deal order and moves in a new pyhanabi state."""
    _need_hle()
    game = state.game
    deck = _replayable_deal_order(state)
    hle_state = new_hle_state(hle_game(game, seed))
    pos = _deal_pending_hle(hle_state, deck, 0)
    for uid in state.history():
        hle_state.apply_move(hle_move(game, uid))
        pos = _deal_pending_hle(hle_state, deck, pos)
    return hle_state


def _replayable_deal_order(state: HanabiState) -> list[int]:
    """The state's deal order, after checking (in our engine) that dealing it and replaying the
    history reproduces the state; ValueError otherwise (e.g. after ``set_hand``)."""
    deck = state.deal_order()
    try:
        replay = state.game.new_initial_state(deck=deck)
        replay.apply_actions(state.history())
    except ValueError as err:
        raise ValueError(f"state cannot be replayed from its deal order and history "
                         f"(was its hand replaced by set_hand?): {err}") from None
    if str(replay) != str(state) or replay.deck() != state.deck():
        raise ValueError("state cannot be replayed from its deal order and history "
                         "(was its hand replaced by set_hand?)")
    return deck


def hle_move(game: HanabiGame, uid: int) -> Any:
    """The pyhanabi move for our move uid (HLE uses the same uids)."""
    _need_hle()
    players, colors, ranks, _, _, _ = game.engine_params()
    h = game.hand_size()
    if not 0 <= uid < game.num_distinct_actions():
        raise ValueError(f"move uid {uid} out of range 0..{game.num_distinct_actions() - 1}")
    if uid < h:
        return pyhanabi.HanabiMove.get_discard_move(uid)
    if uid < 2 * h:
        return pyhanabi.HanabiMove.get_play_move(uid - h)
    uid -= 2 * h
    if uid < (players - 1) * colors:
        return pyhanabi.HanabiMove.get_reveal_color_move(1 + uid // colors, uid % colors)
    uid -= (players - 1) * colors
    return pyhanabi.HanabiMove.get_reveal_rank_move(1 + uid // ranks, uid % ranks)


def _strip_terminal(text_or_state: Any) -> str:
    """HLE's printout without the "Cur player" marker once the game is over."""
    text = str(text_or_state)
    terminal = getattr(text_or_state, "is_terminal", lambda: False)()
    return text.replace("Cur player\n", "") if terminal else text


def game_of_hle_state(hle_state: Any) -> HanabiGame:
    """Our ``HanabiGame`` with the rules of the game a pyhanabi state belongs to."""
    _need_hle()
    g, lib = hle_state._game, pyhanabi.lib
    return HanabiGame(players=lib.NumPlayers(g), colors=lib.NumColors(g), ranks=lib.NumRanks(g),
                      hand_size=lib.HandSize(g),
                      max_information_tokens=lib.MaxInformationTokens(g),
                      max_life_tokens=lib.MaxLifeTokens(g))


def from_hle(hle_state: Any, game: Optional[HanabiGame] = None,
             rest_seed: Optional[int] = None) -> HanabiState:
    """Our state replaying a pyhanabi game (its deals and moves). HLE's undealt cards have no
    observable order, so they follow in canonical order, or shuffled by ``rest_seed``. Raises
    ValueError if the game has a random start player."""
    _need_hle()
    game = game or game_of_hle_state(hle_state)
    dealt: list[int] = []
    moves: list[int] = []
    for item in hle_state.move_history():
        move = item.move()
        if move.type() == pyhanabi.HanabiMoveType.DEAL:
            dealt.append(card_id(move.color(), move.rank()))
        else:
            if not moves and item.player() != 0:
                raise ValueError("HLE game with a random start player is not supported")
            moves.append(pyhanabi.lib.GetMoveUid(hle_state._game, move.c_move))
    return _replay(game, dealt, moves, rest_seed)


def _replay(game: HanabiGame, dealt: list[int], moves: list[int],
            rest_seed: Optional[int]) -> HanabiState:
    """Our state from the cards dealt so far (in order) and the move uids."""
    rest = list(game.full_deck())
    for c in dealt:
        if c not in rest:
            raise ValueError(f"card {card_name(c)} dealt more often than the deck holds it")
        rest.remove(c)
    if rest_seed is not None:
        np.random.default_rng(rest_seed).shuffle(rest)
    state = game.new_initial_state(deck=dealt + rest)
    state.apply_actions(moves)
    return state


# ---- OpenSpiel --------------------------------------------------------------------------------

def openspiel_game(game: HanabiGame) -> "pyspiel.Game":
    """OpenSpiel ``hanabi`` with the same rules (player 0 starts)."""
    _need_openspiel()
    players, colors, ranks, _, info, life = game.engine_params()
    return pyspiel.load_game("hanabi", {"players": players, "colors": colors, "ranks": ranks,
                                        "hand_size": game.hand_size(),
                                        "max_information_tokens": info,
                                        "max_life_tokens": life})


def game_from_openspiel(os_game: "pyspiel.Game") -> HanabiGame:
    """Our ``HanabiGame`` for an OpenSpiel ``hanabi`` game (its parameters, HLE defaults)."""
    params = os_game.get_parameters()
    if os_game.get_type().short_name != "hanabi":
        raise ValueError(f"not an OpenSpiel hanabi game: {os_game}")
    if params.get("random_start_player", False):
        raise ValueError("random_start_player=True is not supported (player 0 always starts)")
    return HanabiGame(players=params.get("players", 2), colors=params.get("colors", 5),
                      ranks=params.get("ranks", 5), hand_size=params.get("hand_size") or None,
                      max_information_tokens=params.get("max_information_tokens", 8),
                      max_life_tokens=params.get("max_life_tokens", 3))


def card_to_openspiel(game: HanabiGame, card: int) -> int:
    """OpenSpiel's chance outcome dealing ``card``: colour * num_ranks + rank."""
    return card_color(card) * game.num_ranks() + card_rank(card)


def card_from_openspiel(game: HanabiGame, outcome: int) -> int:
    return card_id(outcome // game.num_ranks(), outcome % game.num_ranks())


def to_openspiel(state: HanabiState, os_game: Optional["pyspiel.Game"] = None) -> Any:
    """Replay our state's deal order and moves in a new OpenSpiel ``hanabi`` state."""
    _need_openspiel()
    game = state.game
    os_game = os_game or openspiel_game(game)
    deck = _replayable_deal_order(state)
    os_state = os_game.new_initial_state()
    pos = 0
    for uid in [None] + state.history():
        if uid is not None:
            os_state.apply_action(uid)
        while os_state.is_chance_node():
            os_state.apply_action(card_to_openspiel(game, deck[pos]))
            pos += 1
    return os_state


def from_openspiel(os_state: Any, game: Optional[HanabiGame] = None,
                   rest_seed: Optional[int] = None) -> HanabiState:
    """Our state replaying an OpenSpiel ``hanabi`` history (chance deals and moves); undealt
    cards follow in canonical order, or shuffled by ``rest_seed``."""
    _need_openspiel()
    game = game or game_from_openspiel(os_state.get_game())
    dealt: list[int] = []
    moves: list[int] = []
    for item in os_state.full_history():
        if item.player == pyspiel.PlayerId.CHANCE:
            dealt.append(card_from_openspiel(game, item.action))
        else:
            moves.append(item.action)
    return _replay(game, dealt, moves, rest_seed)


# ---- any Hanabi state -> the native engine ---------------------------------------------------

def _class_path(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def native_state(state: Any, who: str = "this agent") -> HanabiState:
    """``state`` as a native ``HanabiState``: a native state is returned as it is, an OpenSpiel
    ``hanabi`` state (it holds the whole history, deals included) is replayed with
    ``from_openspiel``. Anything else is a ``TypeError`` naming the class received (with its
    module: HLE's class is also called ``HanabiState``) and the way to play that engine: an HLE
    game is played from the acting player's observations through
    ``uedtp.agents.hanabi.rl_agent.SuiteAgent`` (an ``rl_env.Agent``), never from HLE's full state,
    which holds the hidden cards. ``who`` names the caller in the message."""
    if isinstance(state, HanabiState):
        return state
    if pyspiel is not None and isinstance(state, pyspiel.State):
        name = state.get_game().get_type().short_name
        if name != "hanabi":
            raise TypeError(f"{who} plays Hanabi; got a state of the OpenSpiel game {name!r}")
        return from_openspiel(state)
    path = _class_path(state)
    if path.startswith("hanabi_learning_environment."):
        raise TypeError(
            f"{who} needs a uedtp.envs.hanabi.game.HanabiState (or an OpenSpiel hanabi state), got "
            f"{path} (the Hanabi Learning Environment's class). To play an HLE game, wrap the "
            "agent as an rl_env.Agent that acts from the observation alone: "
            "uedtp.agents.hanabi.rl_agent.SuiteAgent (or uedtp.eval.specs.interop.hle_agent_class(spec)); "
            "uedtp.envs.hanabi.convert.from_hle mirrors a full HLE state, hidden cards included")
    if isinstance(state, dict) and "legal_moves" in state:
        raise TypeError(f"{who} got an HLE rl_env observation dict; wrap the agent in "
                        "uedtp.agents.hanabi.rl_agent.SuiteAgent, which rebuilds a native state from "
                        "the observations")
    raise TypeError(f"{who} needs a uedtp.envs.hanabi.game.HanabiState or an OpenSpiel hanabi state, "
                    f"got {path}")


# ---- parity checks ----------------------------------------------------------------------------

def mixed_random_move(state: HanabiState, rng: np.random.Generator, play_weight: float,
                      smart_prob: float) -> int:
    """A random legal move from a seeded mixture that reaches every rule: with probability
    ``smart_prob`` a card that is truly playable is played (so fireworks get completed), else a
    legal move is drawn with plays weighted by ``play_weight`` and every other move by 1 (small
    weights make games last until the deck runs out)."""
    legal = state.legal_actions()
    h = state.game.hand_size()
    if rng.random() < smart_prob:
        fw = state.fireworks()
        hand = state.hand(state.current_player())
        good = [h + i for i, c in enumerate(hand) if fw[card_color(c)] == card_rank(c)]
        if good:
            return good[int(rng.integers(len(good)))]
    weights = np.array([play_weight if h <= a < 2 * h else 1.0 for a in legal])
    return legal[int(rng.choice(len(legal), p=weights / weights.sum()))]


def _policy_params(rng: np.random.Generator) -> tuple[float, float]:
    """Per game: how strongly to avoid blind plays, how often to play a known-good card."""
    return float(rng.choice([1.0, 0.2, 0.03])), float(rng.choice([0.0, 0.3, 0.8]))


def _fail(kind: str, game: HanabiGame, seed: int, step: int, what: str, ours: Any,
          theirs: Any) -> ParityError:
    return ParityError(f"{kind} parity failure ({game!r}, seed {seed}, step {step}): {what} "
                       f"differs\nours:   {ours!r}\ntheirs: {theirs!r}")


def check_parity_hle(game: HanabiGame, seed: int) -> HanabiState:
    """Play one seeded game with the same deck order and mixed random moves in our engine and in
    HLE pyhanabi, comparing after every step; return the number of moves made, or raise
    ``ParityError``. Even seeds deal our shuffle into HLE (explicit deal moves); odd seeds let
    HLE deal from its own RNG and feed those cards to our engine one by one."""
    _need_hle()
    rng = np.random.default_rng(seed)
    play_w, smart = _policy_params(rng)
    hle_state = new_hle_state(hle_game(game, seed=seed))
    if seed % 2 == 0:
        ours = game.new_initial_state(seed=seed)
        deck = ours.deal_order()
        pos = _deal_pending_hle(hle_state, deck, 0)
    else:
        while hle_state.cur_player() == pyhanabi.CHANCE_PLAYER_ID:
            hle_state.deal_random_card()
        ours = from_hle(hle_state, game, rest_seed=seed)
    lib, g = pyhanabi.lib, hle_state._game
    step = 0
    while True:
        _compare_hle(game, seed, step, ours, hle_state, lib, g)
        if ours.is_terminal():
            return ours
        uid = mixed_random_move(ours, rng, play_w, smart)
        ours.apply_action(uid)
        hle_state.apply_move(hle_move(game, uid))
        if seed % 2 == 0:
            pos = _deal_pending_hle(hle_state, deck, pos)
        else:
            while (hle_state.cur_player() == pyhanabi.CHANCE_PLAYER_ID
                   and not hle_state.is_terminal()):
                hle_state.deal_random_card()
                card = hle_state.move_history()[-1].move()
                # HLE chose the card: put it next in our undrawn deck, then draw it
                _feed_next_card(ours, card_id(card.color(), card.rank()))
        step += 1


def _feed_next_card(ours: HanabiState, card: int) -> None:
    """Make ``card`` the card our engine drew last (it just drew deck[pos-1]; swap it in)."""
    player = (ours.current_player() - 1) % ours.num_players() if not ours.is_terminal() else None
    if player is None:
        raise ParityError("HLE dealt a card after the game ended")
    hand = ours.hand(player)
    if hand[-1] == card:
        return
    # put the card HLE dealt in the newest slot and return our drawn card to the deck front
    rest = ours.deck()
    if card not in rest:
        raise ParityError(f"HLE dealt {card_name(card)}, which our deck does not hold")
    rest.remove(card)
    rest.insert(0, hand[-1])
    hand[-1] = card
    ours.set_hand(player, hand, deck=rest)


def _compare_hle(game: HanabiGame, seed: int, step: int, ours: HanabiState, hle_state: Any,
                 lib: Any, g: Any) -> None:
    terminal = hle_state.is_terminal()
    if ours.is_terminal() != terminal:
        raise _fail("HLE", game, seed, step, "termination", ours.is_terminal(), terminal)
    theirs_legal = [] if terminal else sorted(
        lib.GetMoveUid(g, m.c_move) for m in hle_state.legal_moves())
    checks = [
        ("legal moves", ours.legal_actions(), theirs_legal),
        ("information tokens", ours.information_tokens(), hle_state.information_tokens()),
        ("life tokens", ours.life_tokens(), hle_state.life_tokens()),
        ("fireworks", ours.fireworks(), hle_state.fireworks()),
        ("score", ours.score(), hle_state.score()),
        ("deck size", ours.deck_size(), hle_state.deck_size()),
        ("hands", ours.hands(), [[card_id(c.color(), c.rank()) for c in hand]
                                 for hand in hle_state.player_hands()]),
        ("discard pile", ours.discard_pile(), [card_id(c.color(), c.rank())
                                               for c in hle_state.discard_pile()]),
    ]
    if not terminal:
        checks.append(("current player", ours.current_player(), hle_state.cur_player()))
    for what, a, b in checks:
        if a != b:
            raise _fail("HLE", game, seed, step, what, a, b)
    # card knowledge, hinted and plausible, seen from player 0 (offsets = absolute players)
    C, R = game.num_colors(), game.num_ranks()
    obs = hle_state.observation(0)  # must outlive the knowledge objects that point into it
    theirs_k = [[(k.color(), k.rank(), tuple(k.color_plausible(c) for c in range(C)),
                  tuple(k.rank_plausible(r) for r in range(R))) for k in hand]
                for hand in obs.card_knowledge()]
    ours_k = [[tuple(k) for k in hand] for hand in ours.knowledge()]
    if ours_k != theirs_k:
        raise _fail("HLE", game, seed, step, "card knowledge", ours_k, theirs_k)
    if str(ours) != _strip_terminal(hle_state):
        raise _fail("HLE", game, seed, step, "printout", str(ours), _strip_terminal(hle_state))


def check_parity_openspiel(game: HanabiGame, seed: int,
                           os_game: Optional["pyspiel.Game"] = None) -> HanabiState:
    """Play one seeded game with the same deck order (our shuffle, dealt as OpenSpiel chance
    outcomes) and mixed random moves in our engine and in OpenSpiel ``hanabi``, comparing legal
    actions, the full printout (hands, knowledge, tokens, fireworks, discards, deck size),
    current player, termination and returns after every step. Returns our final state."""
    _need_openspiel()
    rng = np.random.default_rng(seed)
    play_w, smart = _policy_params(rng)
    os_game = os_game or openspiel_game(game)
    ours = game.new_initial_state(seed=seed)
    deck = ours.deal_order()
    os_state = os_game.new_initial_state()
    pos = 0
    step = 0
    while True:
        while os_state.is_chance_node():
            outcome = card_to_openspiel(game, deck[pos])
            if outcome not in dict(os_state.chance_outcomes()):
                raise _fail("OpenSpiel", game, seed, step, "chance outcomes", outcome,
                            os_state.chance_outcomes())
            os_state.apply_action(outcome)
            pos += 1
        terminal = os_state.is_terminal()
        checks = [("termination", ours.is_terminal(), terminal),
                  ("legal actions", ours.legal_actions(),
                   [] if terminal else os_state.legal_actions()),
                  ("printout", str(ours), _strip_terminal(os_state))]
        if terminal:
            checks.append(("returns", ours.returns(), os_state.returns()))
        else:
            checks.append(("current player", ours.current_player(), os_state.current_player()))
        for what, a, b in checks:
            if a != b:
                raise _fail("OpenSpiel", game, seed, step, what, a, b)
        if terminal:
            return ours
        uid = mixed_random_move(ours, rng, play_w, smart)
        ours.apply_action(uid)
        os_state.apply_action(uid)
        step += 1


def run_parity(game: HanabiGame, seeds: Sequence[int], against: str = "hle") -> dict:
    """Run ``check_parity_hle``/``check_parity_openspiel`` over seeds; return counts
    ``{"games", "moves", "deck_exhausted", "lives_lost", "perfect"}`` (raises on a mismatch)."""
    if against not in ("hle", "openspiel"):
        raise ValueError(f"against must be 'hle' or 'openspiel', got {against!r}")
    os_game = openspiel_game(game) if against == "openspiel" else None
    stats = {"games": 0, "moves": 0, "deck_exhausted": 0, "lives_lost": 0, "perfect": 0}
    for seed in seeds:
        if against == "hle":
            final = check_parity_hle(game, int(seed))
        else:
            final = check_parity_openspiel(game, int(seed), os_game)
        stats["games"] += 1
        stats["moves"] += final.move_number()
        stats["deck_exhausted"] += final.deck_size() == 0
        stats["lives_lost"] += final.life_tokens() == 0
        stats["perfect"] += final.fireworks_total() == game.max_score()
    return stats
