# cython: language_level=3
"""Plain-C layout of a Hanabi game state, shared by the engine, the bots, beliefs and rollouts.

A state is a fixed-size struct (no pointers), so copying it is one memcpy. Everything the
HLE rule set needs is here; variants are expressed through ``HanabiConfig``.

Conventions (identical to Hanabi Learning Environment so converters are trivial):
- card id  = colour * MAX_RANKS + rank   (colour 0..num_colors-1, rank 0..num_ranks-1, 0 = a "1")
- hand slot 0 is the oldest card; a played/discarded card's followers shift down and the
  drawn card is appended at index hand_len-1 (the newest slot).
- move uid (HLE order): [0, H) discard slot i; [H, 2H) play slot i;
  then reveal colour, (N-1) * C of them ordered by target offset (1..N-1) then colour;
  then reveal rank, (N-1) * R of them ordered by target offset then rank.
  H = hand_size, N = num_players, C = num_colors, R = num_ranks.
"""

cdef enum:
    MAX_PLAYERS = 5
    MAX_HAND = 5
    MAX_COLORS = 5
    MAX_RANKS = 5
    MAX_CARD_IDS = 25          # MAX_COLORS * MAX_RANKS
    MAX_DECK = 50
    MAX_MOVES = 60             # 2*MAX_HAND + (MAX_PLAYERS-1)*(MAX_COLORS+MAX_RANKS) = 50, rounded up
    MAX_HISTORY = 128          # upper bound on moves in one game (deck 50 -> at most ~ 90 moves)

cdef enum MoveType:
    MOVE_DISCARD = 0
    MOVE_PLAY = 1
    MOVE_REVEAL_COLOR = 2
    MOVE_REVEAL_RANK = 3

ctypedef struct HanabiConfig:
    int num_players
    int num_colors
    int num_ranks
    int hand_size
    int max_info_tokens
    int max_life_tokens
    int deck_size                       # sum over colours and ranks of copies
    int copies[MAX_RANKS]               # copies of each rank per colour (HLE: 3,2,2,2,1)
    int num_moves                       # number of distinct move uids

ctypedef struct CardKnowledge:
    signed char color                   # hinted colour, -1 if never positively hinted
    signed char rank                    # hinted rank, -1 if never positively hinted
    unsigned char color_plausible       # bitmask over colours (bit c set = still plausible)
    unsigned char rank_plausible        # bitmask over ranks

ctypedef struct Move:
    signed char type                    # MoveType
    signed char card_index              # slot, for play/discard
    signed char target_offset           # 1..N-1, for reveals
    signed char color                   # for reveal colour
    signed char rank                    # for reveal rank

ctypedef struct HanabiState:
    HanabiConfig cfg
    signed char deck[MAX_DECK]          # card ids in draw order; deck[deck_pos:deck_size] not drawn yet
    int deck_pos
    signed char hands[MAX_PLAYERS][MAX_HAND]          # card ids, -1 beyond hand_len
    CardKnowledge knowledge[MAX_PLAYERS][MAX_HAND]
    int hand_len[MAX_PLAYERS]
    signed char fireworks[MAX_COLORS]   # number of cards played per colour
    unsigned char discarded[MAX_CARD_IDS]   # copies of each card id in the discard pile
    int info_tokens
    int life_tokens
    int cur_player
    int turns_to_play                   # HLE: starts at num_players, -1 per move made with empty deck
    int num_moves_made
    signed char history[MAX_HISTORY]    # move uids in order (public record)
    signed char terminal
    # ---- appended fields ----
    signed char discard_pile[MAX_DECK]  # card ids in the order they reached the discard pile
    int discard_len                     # (discards and misplays), as HLE lists them
    int fireworks_sum                   # sum of fireworks[] (kept by the engine)


# ---- appended helpers ----
cdef inline int card_color(int card) noexcept nogil:
    return card // MAX_RANKS

cdef inline int card_rank(int card) noexcept nogil:
    return card % MAX_RANKS

cdef inline int make_card(int color, int rank) noexcept nogil:
    return color * MAX_RANKS + rank
