"""``PhantomBatch`` on the native batch kernels: OpenSpiel parity (rules, legal masks,
information-state tensors bit for bit) on games the neural tests do not cover, turn passing in
classical vs abrupt versions, numpy-like row indexing, and bad input leaving every array of the
batch unchanged."""
from __future__ import annotations

import numpy as np
import pytest

from uedtp.envs.openspiel_games import load_game
from uedtp.envs.phantom.batch import PhantomBatch, phantom_spec

FIELDS = PhantomBatch._FIELDS
# 4x4 and non-square boards, plus the main variants (also in tests/agents/neural/test_policy.py).
GAMES = ["phantom_ttt", "dark_hex(num_rows=4,num_cols=4,gameversion=adh)",
         "dark_hex(num_rows=3,num_cols=4)", "dark_hex(num_rows=4,num_cols=2,gameversion=adh)"]


def _snapshot(batch: PhantomBatch) -> dict[str, np.ndarray]:
    return {f: getattr(batch, f).copy() for f in FIELDS}


def _assert_unchanged(batch: PhantomBatch, before: dict[str, np.ndarray]) -> None:
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(batch, f), before[f], err_msg=f)


@pytest.mark.parametrize("game_string", GAMES)
def test_matches_openspiel_on_random_games(game_string: str) -> None:
    game = load_game(game_string)
    rng = np.random.default_rng(11)
    n = 40
    batch = PhantomBatch(game_string, n)
    assert batch.tensor_size == int(np.prod(game.information_state_tensor_shape()))
    states = [game.new_initial_state() for _ in range(n)]
    while True:
        live = batch.live_rows()
        np.testing.assert_array_equal(batch.done, [s.is_terminal() for s in states])
        if len(live) == 0:
            break
        masks = batch.legal_mask()
        tensors = [batch.information_state_tensor(np.arange(n), np.full(n, p)) for p in (0, 1)]
        for r in range(n):
            s = states[r]
            if s.is_terminal():
                assert not masks[r].any()
                continue
            assert s.current_player() == batch.current[r]
            assert list(np.flatnonzero(masks[r])) == s.legal_actions()
            for p in (0, 1):
                np.testing.assert_array_equal(tensors[p][r], np.ravel(s.information_state_tensor(p)))
        # a random subset of live games moves this ply, in a shuffled row order
        rows = rng.permutation(live[rng.random(len(live)) < 0.7])
        acts = np.array([rng.choice(np.flatnonzero(m)) for m in batch.legal_mask(rows)],
                        dtype=np.int64)
        batch.apply(rows, acts)
        for r, a in zip(rows, acts):
            states[r].apply_action(int(a))
    np.testing.assert_array_equal(batch.returns(), [s.returns() for s in states])
    assert batch.histories() == [list(s.history()) for s in states]


@pytest.mark.parametrize("abrupt", [False, True])
def test_failed_try_passes_the_turn_only_in_abrupt_versions(abrupt: bool) -> None:
    game = "phantom_ttt" + ("(gameversion=abrupt)" if abrupt else "")
    batch = PhantomBatch(game, 2)
    batch.apply([0, 1], [4, 0])                 # x takes the centre / a corner
    batch.apply([0], [4])                       # o bumps into x's centre stone
    assert batch.current[0] == (0 if abrupt else 1)
    assert batch.view[0, 1, 4] == 1             # o now sees x's stone
    assert batch.board[0, 4] == 1 and batch.seq_len[0, 1] == 1 and batch.hist_len[0] == 2
    assert batch.current[1] == 1 and not batch.done.any()


def test_lines_edges_and_full_board_end_games() -> None:
    ttt = PhantomBatch.from_histories("phantom_ttt", [[0, 3, 1, 4, 2], [3, 0, 4, 1, 8, 2],
                                                      [0, 1, 2, 4, 3, 5, 7, 6, 8]])
    np.testing.assert_array_equal(ttt.done, [True, True, True])
    np.testing.assert_array_equal(ttt.winner, [0, 1, -1])     # row, o's row, full-board draw
    np.testing.assert_array_equal(ttt.returns(), [[1, -1], [-1, 1], [0, 0]])
    hexes = PhantomBatch.from_histories("dark_hex(board_size=3)", [[1, 0, 4, 3, 7], [0, 3, 1, 4, 8, 5]])
    np.testing.assert_array_equal(hexes.winner, [0, 1])        # top-bottom / left-right
    np.testing.assert_array_equal(hexes.done, [True, True])


def test_rows_index_like_numpy_and_fields_may_be_replaced() -> None:
    batch = PhantomBatch("dark_hex(board_size=3,gameversion=adh)", 3)
    batch.apply([-1], [4])                      # the last row, as numpy indexes
    assert batch.hist_len.tolist() == [0, 0, 1]
    np.testing.assert_array_equal(batch.legal_mask([-1]), batch.legal_mask([2]))
    np.testing.assert_array_equal(batch.information_state_tensor([-1], [0]),
                                  batch.information_state_tensor([2], [0]))
    with pytest.raises(IndexError, match="row 3 is out of range"):
        batch.apply([3], [0])
    with pytest.raises(IndexError, match="out of range"):
        batch.legal_mask([-4])
    # a caller may store a field as another dtype / layout; the kernels still see the rows
    batch.current = np.asfortranarray(batch.current.astype(np.int32))
    batch.view = np.asfortranarray(batch.view)
    batch.apply(np.array([2]), np.array([0]))
    assert batch.current.dtype == np.int64 and batch.view.flags.c_contiguous
    assert batch.view[2, 1, 0] == 2 and batch.current[2] == 0
    sel = PhantomBatch.concat([batch.select([2, 2]), batch.select([0])])
    sel.apply([0, 2], [1, 1])
    assert sel.hist_len.tolist() == [3, 2, 1] and batch.hist_len.tolist() == [0, 0, 2]


def test_bad_input_raises_and_leaves_the_batch_unchanged() -> None:
    batch = PhantomBatch.from_histories("phantom_ttt", [[4, 4], [0, 3, 1, 4, 2], []])
    assert batch.current.tolist() == [1, 1, 0]      # o bumped into x's centre: o again
    before = _snapshot(batch)
    cases = [(([1], [5]), "finished game"), (([0], [9]), r"cells in \[0, 9\)"),
             (([0], [-1]), r"cells in \[0, 9\)"), (([2, 0], [0, 4]), "illegal action 4"),
             (([0, 2, 0], [1, 2, 3]), "once per apply"), (([0, 2], [1]), "2 rows but 1 actions")]
    for (rows, acts), message in cases:
        with pytest.raises(ValueError, match=message):
            batch.apply(np.array(rows), np.array(acts))
        _assert_unchanged(batch, before)
    with pytest.raises(ValueError, match=r"cells in \[0, 9\)"):     # range is always checked
        batch.apply(np.array([0]), np.array([12]), check=False)
    with pytest.raises(ValueError, match="player must be 0 or 1"):
        batch.information_state_tensor([0], [2])
    _assert_unchanged(batch, before)
    with pytest.raises(ValueError, match="number of games"):
        PhantomBatch("phantom_ttt", -1)
    with pytest.raises(ValueError, match="obstype"):
        phantom_spec("phantom_ttt(obstype=reveal-numturns)")
    for board in ("num_rows=1,num_cols=3", "num_rows=3,num_cols=1", "num_rows=4,num_cols=5"):
        with pytest.raises(ValueError, match="2 <= rows, cols and at most 16 cells"):
            PhantomBatch(f"dark_hex({board})", 1)
