# cython: language_level=3
"""Native rule-based Hanabi bots (SimpleBot, HolmesBot, SmartBot, ValueBot) over the state struct.

A bot is split in two so that belief code can re-evaluate a partner under hypothetical hands:

- a per-seat ``BotState`` holding everything the bot remembers, updated only from public
  events by ``bot_observe(bot, pre_move_state, uid)`` (always called on the state *before* the
  move is applied, as the reference bots' callbacks run before the server changes anything);
- ``bot_decide(bot, state)`` which reads the acting player's view only (the other hands, the
  board and the bot's own tables) and returns a move uid. It never reads ``state.hands[me]``.

One turn of a game driven by these functions::

    for every seat p: bot_refresh(&bots[p], &s)      # optional: decide/observe refresh lazily
    uid = bot_decide(&bots[s.cur_player], &s)
    for every seat p: bot_observe(&bots[p], &s, uid)  # pre-move snapshot
    apply_move(&s, uid)

Card identities use the state's card ids (colour * MAX_RANKS + rank, rank 0 = a "1"); sets of
identities are 25-bit masks with bit ``id`` set.
"""
from uedtp.csrc.hanabi_state cimport HanabiState, MAX_PLAYERS, MAX_HAND, MAX_CARD_IDS

cdef enum BotKind:
    BOT_SIMPLE = 0
    BOT_HOLMES = 1
    BOT_SMART = 2
    BOT_VALUE = 3
    NUM_BOT_KINDS = 4

cdef enum:
    SEEN_DONE = 255              # ValueBot's marker for an identity that has been played

cdef enum BotFlag:
    FLAG_PLAYABLE = 1
    FLAG_VALUABLE = 2
    FLAG_WORTHLESS = 4

# Error codes returned by bot_init (0 = success).
cdef enum BotInitError:
    BOT_ERR_KIND = -1            # unknown bot kind
    BOT_ERR_SEAT = -2            # seat outside 0..num_players-1
    BOT_ERR_CONFIG = -3          # configuration the bots do not support

ctypedef struct BotState:
    int kind                     # BotKind
    int me                       # the seat this bot plays
    int fresh_at                 # num_moves_made at which the start-of-turn refresh ran (-1: stale)
    unsigned int full_mask       # every identity of the configured deck
    int rec_len[MAX_PLAYERS]     # number of live slot records per player (= hand length)
    unsigned int K[MAX_PLAYERS][MAX_HAND]            # possible identities per slot (Holmes, Smart)
    signed char kcol[MAX_PLAYERS][MAX_HAND]          # known-colour field, -1 unknown (Simple, Holmes)
    signed char krank[MAX_PLAYERS][MAX_HAND]         # known-rank field, -1 unknown (Simple, Holmes)
    unsigned char flags[MAX_PLAYERS][MAX_HAND]       # BotFlag bits (Simple, Holmes)
    unsigned char gone[MAX_CARD_IDS]                 # copies played, misplayed or discarded
    unsigned char seen[MAX_CARD_IDS]                 # ValueBot: discarded/misplayed, SEEN_DONE once played

# A public event as the bots see it (decoded from a move uid and the pre-move state).
ctypedef struct BotEvent:
    int type                     # MoveType
    int actor
    int slot                     # play / discard: slot index
    int target                   # hints: absolute seat of the receiver
    int color                    # colour hint: colour, else -1
    int rank                     # rank hint: rank index, else -1
    int card                     # play / discard: card id
    unsigned int touched         # hints: bitmask of touched slots of the receiver

# Reset a bot for seat `me` at the start of the game `s` (no moves made yet, or the
# current hand lengths if called on a later state, which is only right for a fresh deal).
cdef int bot_init(BotState* b, int kind, int me, const HanabiState* s) noexcept nogil
# Start-of-turn refresh (deductions from the board); idempotent for one state.
cdef void bot_refresh(BotState* b, const HanabiState* s) noexcept nogil
# Decode a move uid on the pre-move state into a public event (card / touched slots read
# from the state's hands, so the acting or receiving hand must be the real one).
cdef BotEvent bot_event(const HanabiState* pre, int uid) noexcept nogil
# Update the bot from one public event on the pre-move snapshot.
cdef void bot_observe_event(BotState* b, const HanabiState* pre, const BotEvent* ev) noexcept nogil
cdef void bot_observe(BotState* b, const HanabiState* pre, int uid) noexcept nogil
# Every seat of a table of n bots (all of one kind, following one game) observes move uid;
# decodes the event once (cheaper than n bot_observe calls, same result).
cdef void bots_observe_all(BotState* bots, int n, const HanabiState* pre, int uid) noexcept nogil
# The move uid the bot plays for the player to move (must be b.me) at state s.
cdef int bot_decide(const BotState* b, const HanabiState* s) noexcept nogil

from uedtp.csrc.hanabi_engine_state cimport HanabiState as PyHanabiState


# Python-visible holder of one bot per seat (all of the same kind) for one game.
cdef class BotSeats:
    cdef BotState seats[MAX_PLAYERS]
    cdef readonly int kind                 # BotKind
    cdef readonly int num_players
    cdef readonly int moves_seen           # number of moves observed (= state.num_moves_made)
