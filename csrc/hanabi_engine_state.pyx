# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""``HanabiState``: the Python face of one native engine state (see ``uedtp.envs.hanabi.game``).

One step (``apply_action``) validates the move uid against the current state, raising a
``ValueError`` that names the move and the reason if it is illegal (the state is then left
unchanged), and otherwise hands it to the nogil engine (``uedtp.csrc.hanabi_engine.apply_move``).
Cloning is a struct copy. Cards are integer ids ``colour * 5 + rank`` (rank 0 is a "1"),
whatever the configured number of ranks.
"""
from collections import namedtuple
import os

import numpy as np
cimport numpy as cnp

from libc.stdint cimport uint64_t
from libc.string cimport memcpy

from uedtp.csrc.hanabi_state cimport (HanabiState as HanabiStateC, HanabiConfig as HanabiConfigC, Move,
                                      MAX_RANKS, MAX_CARD_IDS, MAX_DECK, MAX_MOVES, MAX_HISTORY,
                                      MOVE_DISCARD, MOVE_PLAY, MOVE_REVEAL_COLOR, MOVE_REVEAL_RANK)
from uedtp.csrc.rng cimport Rng, rng_seed
from uedtp.csrc.hanabi_engine cimport (config_init, state_new_game, state_new_game_from_deck,
                                       move_from_uid, move_is_legal, legal_moves, apply_move,
                                       state_score, fireworks_total, fill_ordered_deck, set_hand,
                                       set_deck, rollout_scores, unseen_cards)
from uedtp.csrc.hanabi_engine import config_error_message, set_error_message

cnp.import_array()

COLOR_CHARS = "RYGWB"
TERMINAL_PLAYER = -4        # current_player() of a finished game (OpenSpiel's kTerminalPlayerId)

CardKnowledge = namedtuple("CardKnowledge", "color rank color_plausible rank_plausible")
CardKnowledge.__doc__ = """What a card's holder has been told about it (HLE semantics).

color/rank: the value set by a positive hint, or None; color_plausible/rank_plausible: tuples of
bools, False once a hint ruled the value out."""


def card_name(int card) -> str:
    """HLE-style card string, e.g. ``card_name(7) == "Y3"``."""
    if card < 0 or card >= MAX_CARD_IDS:
        raise ValueError(f"card id {card} out of range 0..{MAX_CARD_IDS - 1}")
    return f"{COLOR_CHARS[card // MAX_RANKS]}{card % MAX_RANKS + 1}"


cdef int _init_config(HanabiConfigC* cfg, tuple params) except -1:
    """Fill cfg from (players, colors, ranks, hand_size, info, life); ValueError if bad."""
    cdef int code = config_init(cfg, params[0], params[1], params[2], params[3], params[4],
                                params[5])
    if code != 0:
        raise ValueError(f"bad Hanabi configuration {params}: {config_error_message(code)}")
    return 0


def check_config(int players, int colors, int ranks, int hand_size, int max_information_tokens,
                 int max_life_tokens) -> tuple:
    """Validate a configuration (hand_size -1 = HLE default) and return
    ``(hand_size, deck_size, num_moves, copies_per_rank)``; ValueError naming the bad field."""
    cdef HanabiConfigC cfg
    _init_config(&cfg, (players, colors, ranks, hand_size, max_information_tokens,
                        max_life_tokens))
    return (cfg.hand_size, cfg.deck_size, cfg.num_moves,
            tuple(cfg.copies[r] for r in range(cfg.num_ranks)))


def _as_card_id(object card, int colors, int ranks) -> int:
    """A card id from an int id or a (colour, rank) pair; ValueError if not in this game."""
    cdef int c, r
    if isinstance(card, tuple):
        if len(card) != 2:
            raise ValueError(f"a card must be an id or a (colour, rank) pair, got {card!r}")
        c, r = card
    elif isinstance(card, (int, np.integer)) and not isinstance(card, bool):
        if card < 0 or card >= MAX_CARD_IDS:
            raise ValueError(f"card id {card} out of range 0..{MAX_CARD_IDS - 1}")
        c, r = card // MAX_RANKS, card % MAX_RANKS
    else:
        raise TypeError(f"a card must be an int id or a (colour, rank) pair, got {card!r}")
    if not (0 <= c < colors and 0 <= r < ranks):
        raise ValueError(f"card (colour {c}, rank {r}) does not exist with {colors} colours and "
                         f"{ranks} ranks")
    return c * MAX_RANKS + r


def new_state(object game, tuple params, object seed=None, object deck=None) -> HanabiState:
    """A fresh game for ``game`` (its config tuple ``params``), dealt from a shuffle seeded by
    ``seed`` (None: fresh OS entropy) or from the given ``deck`` (all cards, in deal order)."""
    cdef HanabiConfigC cfg
    cdef Rng rng
    cdef signed char cards[MAX_DECK]
    cdef signed char canon[MAX_DECK]
    cdef int i, n
    cdef HanabiState st = HanabiState.__new__(HanabiState)
    _init_config(&cfg, params)
    st.game = game
    if deck is not None:
        if seed is not None:
            raise ValueError("give either seed or deck, not both")
        deck = list(deck)
        if len(deck) != cfg.deck_size:
            raise ValueError(f"deck has {len(deck)} cards; this game needs {cfg.deck_size}")
        n = fill_ordered_deck(&cfg, canon)
        want = sorted(canon[i] for i in range(n))
        ids = [_as_card_id(c, cfg.num_colors, cfg.num_ranks) for c in deck]
        if sorted(ids) != want:
            missing = _multiset_diff(want, ids)
            extra = _multiset_diff(ids, want)
            raise ValueError("deck is not the game's card multiset: "
                             f"missing {[card_name(c) for c in missing]}, "
                             f"extra {[card_name(c) for c in extra]}")
        for i in range(n):
            cards[i] = ids[i]
        state_new_game_from_deck(&st.s, &cfg, cards)
    else:
        rng_seed(&rng, _seed_value(seed), 0)
        state_new_game(&st.s, &cfg, &rng)
    return st


def _multiset_diff(a: list, b: list) -> list:
    """Elements of a not matched in b (with multiplicity)."""
    rest = list(b)
    out = []
    for x in a:
        if x in rest:
            rest.remove(x)
        else:
            out.append(x)
    return out


cdef uint64_t _seed_value(object seed) except? 0xFFFFFFFFFFFFFFFF:
    if seed is None:
        return int.from_bytes(os.urandom(8), "little")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int or None, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return <uint64_t>(int(seed) & 0xFFFFFFFFFFFFFFFF)


def _restore(object game, bytes data) -> HanabiState:
    """Unpickle: rebuild a state from its struct bytes."""
    cdef HanabiState st = HanabiState.__new__(HanabiState)
    if len(data) != sizeof(HanabiStateC):
        raise ValueError("corrupt pickled HanabiState: wrong size "
                         f"({len(data)} bytes, expected {sizeof(HanabiStateC)})")
    memcpy(&st.s, <const char*>data, sizeof(HanabiStateC))
    st.game = game
    return st


cdef class HanabiState:
    """A full (omniscient) Hanabi game state under HLE rules; create it with
    ``uedtp.envs.hanabi.game.HanabiGame.new_initial_state``."""

    cdef HanabiStateC* ptr(self) noexcept nogil:
        return &self.s

    @staticmethod
    cdef HanabiState wrap(const HanabiStateC* s, object game):
        cdef HanabiState st = HanabiState.__new__(HanabiState)
        st.s = s[0]
        st.game = game
        return st

    def __reduce__(self):
        return (_restore, (self.game, (<char*>&self.s)[:sizeof(HanabiStateC)]))

    # ---- game flow ------------------------------------------------------------------------
    def clone(self) -> HanabiState:
        """An independent copy (one struct copy)."""
        return HanabiState.wrap(&self.s, self.game)

    def __copy__(self):
        return self.clone()

    def __deepcopy__(self, memo):
        return self.clone()

    def current_player(self) -> int:
        """The player to move, or ``TERMINAL_PLAYER`` (-4) once the game is over."""
        return TERMINAL_PLAYER if self.s.terminal else self.s.cur_player

    def is_terminal(self) -> bool:
        return self.s.terminal != 0

    def is_chance_node(self) -> bool:
        """Always False: the engine deals cards itself (kept for OpenSpiel-style callers)."""
        return False

    def legal_actions(self) -> list:
        """Legal move uids for the player to move, ascending (empty when terminal)."""
        cdef int moves[MAX_MOVES]
        cdef int n = legal_moves(&self.s, moves)
        return [moves[i] for i in range(n)]

    def legal_actions_mask(self) -> np.ndarray:
        """Boolean array over all ``num_moves`` uids, True where legal."""
        cdef int moves[MAX_MOVES]
        cdef int n = legal_moves(&self.s, moves)
        mask = np.zeros(self.s.cfg.num_moves, dtype=bool)
        for i in range(n):
            mask[moves[i]] = True
        return mask

    def is_legal(self, int uid) -> bool:
        return bool(move_is_legal(&self.s, uid))

    def apply_action(self, uid) -> None:
        """Make move ``uid`` for the player to move; ValueError (state unchanged) if illegal."""
        cdef int u
        if type(uid) is not int and (isinstance(uid, bool)
                                     or not isinstance(uid, (int, np.integer))):
            raise TypeError(f"a move uid must be an int, got {uid!r}")
        if not (0 <= uid < self.s.cfg.num_moves):
            raise ValueError(self._illegal_reason(uid))
        u = uid
        if not move_is_legal(&self.s, u):
            raise ValueError(self._illegal_reason(u))
        apply_move(&self.s, u)

    def apply_actions(self, uids) -> None:
        """Apply a sequence of moves; stops with ValueError at the first illegal one (the moves
        before it stay applied)."""
        for uid in uids:
            self.apply_action(uid)

    def child(self, uid) -> HanabiState:
        """A copy with move ``uid`` applied."""
        cdef HanabiState c = self.clone()
        c.apply_action(uid)
        return c

    def _illegal_reason(self, long uid) -> str:
        cdef int n = self.s.cfg.num_moves
        if not (0 <= uid < n):
            return f"illegal move uid {uid}: out of range 0..{n - 1} for this game"
        name = self.move_name(uid)
        head = f"illegal move {name} (uid {uid}) for player {self.s.cur_player}: "
        if self.s.terminal:
            return head + "the game is over"
        cdef Move m = move_from_uid(&self.s.cfg, uid)
        cdef int target
        if m.type == MOVE_DISCARD or m.type == MOVE_PLAY:
            if m.card_index >= self.s.hand_len[self.s.cur_player]:
                return head + (f"slot {m.card_index} is empty (the hand holds "
                               f"{self.s.hand_len[self.s.cur_player]} cards)")
            return head + (f"discarding needs fewer than {self.s.cfg.max_info_tokens} "
                           "information tokens (all are available)")
        if self.s.info_tokens <= 0:
            return head + "hinting needs an information token and none is left"
        target = (self.s.cur_player + m.target_offset) % self.s.cfg.num_players
        if m.type == MOVE_REVEAL_COLOR:
            return head + (f"player {target} holds no {COLOR_CHARS[m.color]} card "
                           "(empty hints are not allowed)")
        return head + (f"player {target} holds no card of rank {m.rank + 1} "
                       "(empty hints are not allowed)")

    # ---- results --------------------------------------------------------------------------
    def score(self) -> int:
        """HLE score: 0 if all lives are lost, else the sum of the fireworks."""
        return state_score(&self.s)

    def returns(self) -> list:
        """Every player's return (the common score; 0.0 for each until the game is over)."""
        v = float(state_score(&self.s)) if self.s.terminal else 0.0
        return [v] * self.s.cfg.num_players

    def fireworks_total(self) -> int:
        """Cards on the fireworks (the score before the zero-lives rule)."""
        return fireworks_total(&self.s)

    # ---- public and hidden information ----------------------------------------------------
    def num_players(self) -> int:
        return self.s.cfg.num_players

    def hands(self) -> list:
        """Every player's cards (ids), slot 0 = oldest."""
        return [self.hand(p) for p in range(self.s.cfg.num_players)]

    def hand(self, int player) -> list:
        _check_player(&self.s, player)
        return [int(self.s.hands[player][i]) for i in range(self.s.hand_len[player])]

    def knowledge(self) -> list:
        """Per player and slot, the ``CardKnowledge`` its holder has (HLE semantics)."""
        return [self.card_knowledge(p) for p in range(self.s.cfg.num_players)]

    def card_knowledge(self, int player) -> list:
        _check_player(&self.s, player)
        C, R = self.s.cfg.num_colors, self.s.cfg.num_ranks
        out = []
        for i in range(self.s.hand_len[player]):
            k = self.s.knowledge[player][i]
            out.append(CardKnowledge(None if k.color < 0 else int(k.color),
                                     None if k.rank < 0 else int(k.rank),
                                     tuple(bool((k.color_plausible >> c) & 1) for c in range(C)),
                                     tuple(bool((k.rank_plausible >> r) & 1) for r in range(R))))
        return out

    def fireworks(self) -> list:
        """Cards played per colour."""
        return [int(self.s.fireworks[c]) for c in range(self.s.cfg.num_colors)]

    def information_tokens(self) -> int:
        return self.s.info_tokens

    def life_tokens(self) -> int:
        return self.s.life_tokens

    def deck_size(self) -> int:
        """Cards not yet drawn."""
        return self.s.cfg.deck_size - self.s.deck_pos

    def deck(self) -> list:
        """The undrawn cards in draw order (hidden information)."""
        return [int(self.s.deck[i]) for i in range(self.s.deck_pos, self.s.cfg.deck_size)]

    def deal_order(self) -> list:
        """The whole deck in deal order: the cards drawn so far, then the undrawn ones. (After
        ``set_hand`` the drawn part still lists the cards originally dealt.)"""
        return [int(self.s.deck[i]) for i in range(self.s.cfg.deck_size)]

    def discard_pile(self) -> list:
        """Discarded and misplayed cards (ids), in the order they were discarded."""
        return [int(self.s.discard_pile[i]) for i in range(self.s.discard_len)]

    def discard_counts(self) -> np.ndarray:
        """Copies of each card id in the discard pile (length 25)."""
        return np.array([self.s.discarded[i] for i in range(MAX_CARD_IDS)], dtype=np.int32)

    def unseen_counts(self, int player) -> np.ndarray:
        """Copies of each card id that ``player`` cannot see (undrawn deck plus own hand)."""
        cdef int counts[MAX_CARD_IDS]
        _check_player(&self.s, player)
        unseen_cards(&self.s, player, counts)
        return np.array([counts[i] for i in range(MAX_CARD_IDS)], dtype=np.int32)

    def turns_to_play(self) -> int:
        """HLE's countdown: moves left once the deck is empty (starts at num_players)."""
        return self.s.turns_to_play

    def history(self) -> list:
        """Move uids made so far, in order."""
        return [int(self.s.history[i]) for i in range(self.s.num_moves_made)]

    def move_number(self) -> int:
        return self.s.num_moves_made

    # ---- names and printing ---------------------------------------------------------------
    def move_name(self, int uid) -> str:
        """HLE-style move string, e.g. "(Play 2)", "(Reveal player +1 color R)"."""
        return move_name(&self.s.cfg, uid)

    def __str__(self) -> str:
        cdef int p, i, c, r, N = self.s.cfg.num_players
        C, R = self.s.cfg.num_colors, self.s.cfg.num_ranks
        lines = [f"Life tokens: {self.s.life_tokens}", f"Info tokens: {self.s.info_tokens}",
                 "Fireworks: " + "".join(f"{COLOR_CHARS[c]}{self.s.fireworks[c]} "
                                         for c in range(C)),
                 "Hands:"]
        for p in range(N):
            if p > 0:
                lines.append("-----")
            if p == self.s.cur_player and not self.s.terminal:
                lines.append("Cur player")
            for i in range(self.s.hand_len[p]):
                k = self.s.knowledge[p][i]
                hinted = ((COLOR_CHARS[k.color] if k.color >= 0 else "X")
                          + (str(k.rank + 1) if k.rank >= 0 else "X"))
                plaus = ("".join(COLOR_CHARS[c] for c in range(C) if (k.color_plausible >> c) & 1)
                         + "".join(str(r + 1) for r in range(R) if (k.rank_plausible >> r) & 1))
                lines.append(f"{card_name(self.s.hands[p][i])} || {hinted}|{plaus}")
        lines.append(f"Deck size: {self.s.cfg.deck_size - self.s.deck_pos}")
        lines.append("Discards:" + "".join(" " + card_name(self.s.discard_pile[i])
                                           for i in range(self.s.discard_len)))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<HanabiState players={self.s.cfg.num_players} move={self.s.num_moves_made} "
                f"score={state_score(&self.s)} terminal={bool(self.s.terminal)}>")

    # ---- dealing chosen cards -------------------------------------------------------------
    def set_hand(self, int player, cards, seed=None, deck=None) -> None:
        """Give ``player`` exactly ``cards`` (ids or (colour, rank) pairs, one per held card;
        knowledge is kept) taken from the cards that player cannot see; the rest become the
        undrawn deck: in the order ``deck`` if given, else shuffled with ``seed`` if given,
        else in canonical card-id order. ValueError (state unchanged) if a card is not
        available or ``deck`` is not the remaining multiset."""
        cdef HanabiStateC work = self.s
        cdef signed char buf[MAX_DECK]
        cdef Rng rng
        cdef int code, i
        _check_player(&self.s, player)
        cards = list(cards)
        if len(cards) != self.s.hand_len[player]:
            raise ValueError(f"player {player} holds {self.s.hand_len[player]} cards, "
                             f"got {len(cards)}")
        ids = [_as_card_id(c, self.s.cfg.num_colors, self.s.cfg.num_ranks) for c in cards]
        for i in range(len(ids)):
            buf[i] = ids[i]
        if seed is not None:
            if deck is not None:
                raise ValueError("give either seed or deck, not both")
            rng_seed(&rng, _seed_value(seed), 0)
            code = set_hand(&work, player, buf, &rng)
        else:
            code = set_hand(&work, player, buf, NULL)
        if code != 0:
            raise ValueError(f"cannot give player {player} the cards "
                             f"{[card_name(c) for c in ids]}: {set_error_message(code)}")
        if deck is not None:
            _set_deck_into(&work, deck)
        self.s = work

    def set_deck(self, deck) -> None:
        """Put the undrawn cards in the order ``deck`` (must be exactly the undrawn multiset)."""
        cdef HanabiStateC work = self.s
        _set_deck_into(&work, deck)
        self.s = work

    # ---- native rollouts ------------------------------------------------------------------
    def random_rollouts(self, int n, seed=0, bint shuffle_deck=True,
                        int num_threads=2) -> np.ndarray:
        """Scores of ``n`` uniformly random playouts from this state, run natively over
        ``num_threads`` OpenMP threads. Rollout i uses RNG stream i of ``seed``; with
        ``shuffle_deck`` its undrawn deck is reshuffled first (the true order is hidden)."""
        cdef uint64_t sd = _seed_value(seed)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if num_threads < 1:
            raise ValueError(f"num_threads must be >= 1, got {num_threads}")
        out = np.zeros(n, dtype=np.int32)
        cdef int[::1] view = out
        if n > 0:
            with nogil:
                rollout_scores(&self.s, n, sd, shuffle_deck, num_threads, &view[0])
        return out

cdef int _set_deck_into(HanabiStateC* work, object deck) except -1:
    """Order the undrawn cards of *work as ``deck``; ValueError if not that multiset."""
    cdef signed char buf[MAX_DECK]
    cdef int i, code
    deck = list(deck)
    ids = [_as_card_id(c, work.cfg.num_colors, work.cfg.num_ranks) for c in deck]
    if len(ids) != work.cfg.deck_size - work.deck_pos:
        raise ValueError(f"deck has {len(ids)} cards; {work.cfg.deck_size - work.deck_pos} "
                         "are undrawn")
    for i in range(len(ids)):
        buf[i] = ids[i]
    code = set_deck(work, buf, len(ids))
    if code != 0:
        raise ValueError(f"cannot set the undrawn deck to {[card_name(c) for c in ids]}: "
                         f"{set_error_message(code)}")
    return 0


cdef int _check_player(const HanabiStateC* s, int player) except -1:
    if not (0 <= player < s.cfg.num_players):
        raise ValueError(f"player {player} out of range 0..{s.cfg.num_players - 1}")
    return 0


cdef str move_name(const HanabiConfigC* cfg, int uid):
    """HLE's move string for ``uid`` under ``cfg``; ValueError if out of range."""
    cdef Move m
    if uid < 0 or uid >= cfg.num_moves:
        raise ValueError(f"move uid {uid} out of range 0..{cfg.num_moves - 1} for this game")
    m = move_from_uid(cfg, uid)
    if m.type == MOVE_DISCARD:
        return f"(Discard {m.card_index})"
    if m.type == MOVE_PLAY:
        return f"(Play {m.card_index})"
    if m.type == MOVE_REVEAL_COLOR:
        return f"(Reveal player +{m.target_offset} color {COLOR_CHARS[m.color]})"
    return f"(Reveal player +{m.target_offset} rank {m.rank + 1})"


def config_move_name(tuple params, int uid) -> str:
    """``move_name`` for a configuration tuple (players, colors, ranks, hand, info, life)."""
    cdef HanabiConfigC cfg
    _init_config(&cfg, params)
    return move_name(&cfg, uid)
