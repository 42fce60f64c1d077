"""Compiled game trees: counts against a direct pyspiel walk, layout invariants, ids, save/load,
size caps and bad input."""
from __future__ import annotations

import time

import numpy as np
import pyspiel
import pytest
from open_spiel.python import policy as policy_lib

from uedtp.envs.game_tree import CHANCE, TERMINAL, CorruptTreeFileError, load_game_tree
from uedtp.envs.tree_compile import GameTooLargeError, build_game_tree, estimate_num_histories

SMALL = ["kuhn_poker", "leduc_poker", "dark_hex(board_size=2,gameversion=adh)"]


def _walk_counts(game: pyspiel.Game) -> tuple[int, int, int]:
    decision = chance = terminal = 0
    stack = [game.new_initial_state()]
    while stack:
        s = stack.pop()
        if s.is_terminal():
            terminal += 1
            continue
        if s.is_chance_node():
            chance += 1
        else:
            decision += 1
        stack.extend(s.child(a) for a in s.legal_actions())
    return decision, chance, terminal


@pytest.mark.parametrize("name", SMALL)
def test_counts_match_a_direct_walk_and_tabular_policy(name: str) -> None:
    game = pyspiel.load_game(name)
    tree = build_game_tree(game)
    stats = tree.stats()
    assert (stats["decision_nodes"], stats["chance_nodes"], stats["terminals"]) == \
        _walk_counts(game)
    assert tree.num_infosets == len(policy_lib.TabularPolicy(game).state_lookup)
    assert stats["memory_mb"] > 0


@pytest.mark.parametrize("name", SMALL)
def test_layout_invariants(name: str) -> None:
    tree = build_game_tree(name)
    n = np.arange(tree.num_nodes)
    internal = tree.num_children > 0
    assert np.all(tree.parent[1:] < n[1:]) and tree.parent[0] == -1
    for node in np.flatnonzero(internal):
        kids = tree.children(int(node))
        assert np.all(tree.parent[kids] == node)
        assert np.all(tree.depth[kids] == tree.depth[node] + 1)
    chance = np.flatnonzero(tree.player == CHANCE)
    for node in chance:
        assert tree.chance_prob[tree.children(int(node))].sum() == pytest.approx(1.0)
    assert np.all((tree.player == TERMINAL) == ~internal)
    decision = tree.player >= 0
    assert np.all(tree.node_infoset[decision] >= 0) and np.all(tree.node_infoset[~decision] == -1)
    # a node's children line up with its infoset's slots
    for node in np.flatnonzero(decision)[:200]:
        k = tree.node_infoset[node]
        assert np.array_equal(tree.action[tree.children(int(node))],
                              tree.slot_action[tree.slots(int(k))])


def test_histories_states_utilities_and_ids_agree_with_pyspiel() -> None:
    game = pyspiel.load_game("leduc_poker")
    tree = build_game_tree(game)
    rng = np.random.default_rng(0)
    for node in rng.choice(tree.num_nodes, size=300, replace=False):
        node = int(node)
        state = tree.state_of(node, game)
        assert tree.node_of_state(state) == node
        if state.is_terminal():
            assert np.allclose(tree.utility[:, node], state.returns())
        elif not state.is_chance_node():
            p = state.current_player()
            k = tree.node_infoset[node]
            assert tree.infoset_strings[k] == state.information_state_string(p)
            assert tree.infoset_player[k] == p
    # same observation id <=> same information-state string (both players, decision nodes)
    decision = np.flatnonzero(tree.player >= 0)
    sample = rng.choice(decision, size=150, replace=False)
    strings = {int(n): [tree.state_of(int(n), game).information_state_string(p) for p in (0, 1)]
               for n in sample}
    for p in (0, 1):
        for a in sample[:40]:
            for b in sample:
                same_id = tree.observation_id[p, a] == tree.observation_id[p, b]
                assert same_id == (strings[int(a)][p] == strings[int(b)][p])


def test_node_of_history_rejects_illegal_actions() -> None:
    tree = build_game_tree("kuhn_poker")
    with pytest.raises(ValueError, match="not legal"):
        tree.node_of_history([0, 1, 7])
    with pytest.raises(ValueError, match="out of range"):
        tree.history(tree.num_nodes)


def test_save_load_round_trip_and_cache(tmp_path) -> None:
    tree = build_game_tree("leduc_poker")
    path = tmp_path / "leduc.npz"
    tree.save(path)
    back = load_game_tree(path, "leduc_poker")
    for name in ("player", "parent", "child_start", "chance_prob", "utility", "observation_id",
                 "slot_action", "infoset_offset"):
        assert np.array_equal(getattr(back, name), getattr(tree, name))
    assert back.infoset_strings == tree.infoset_strings
    first = build_game_tree("kuhn_poker", cache_dir=str(tmp_path / "cache"))
    files = list((tmp_path / "cache").iterdir())
    assert len(files) == 1
    second = build_game_tree("kuhn_poker", cache_dir=str(tmp_path / "cache"))
    assert np.array_equal(first.utility, second.utility)


def test_corrupt_or_mismatched_tree_files(tmp_path) -> None:
    tree = build_game_tree("kuhn_poker")
    good = tmp_path / "kuhn.npz"
    tree.save(good)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:300])
    with pytest.raises(CorruptTreeFileError, match="not a readable"):
        load_game_tree(truncated)
    with pytest.raises(CorruptTreeFileError, match="kuhn_poker"):
        load_game_tree(good, "leduc_poker")
    data = dict(np.load(good))
    del data["utility"]
    missing = tmp_path / "missing.npz"
    np.savez(missing, **data)
    with pytest.raises(CorruptTreeFileError, match="missing arrays"):
        load_game_tree(missing)
    data = dict(np.load(good))
    data["parent"] = data["parent"][:-3]
    bad_shape = tmp_path / "bad_shape.npz"
    np.savez(bad_shape, **data)
    with pytest.raises(CorruptTreeFileError, match="parent"):
        load_game_tree(bad_shape)


def test_too_large_games_fail_fast_and_name_their_size() -> None:
    for name in ("dark_hex(board_size=3,gameversion=adh)", "phantom_ttt"):
        t0 = time.perf_counter()
        with pytest.raises(GameTooLargeError, match=r"estimated \d\.\d+e\+\d+ histories"):
            build_game_tree(name)
        assert time.perf_counter() - t0 < 10.0
    with pytest.raises(GameTooLargeError, match="more than 1,000 histories"):
        build_game_tree("leduc_poker", max_nodes=1000)
    with pytest.raises(GameTooLargeError, match="histories"):
        build_game_tree("leduc_poker", max_memory_mb=0.05)


def test_estimate_is_in_the_right_range() -> None:
    game = pyspiel.load_game("leduc_poker")
    est = estimate_num_histories(game, walks=400, seed=1)
    assert 9457 / 3 < est < 9457 * 3


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown game"):
        build_game_tree("no_such_game")
    with pytest.raises(ValueError, match="sequential"):
        build_game_tree("matrix_rps")
    for bad in (0, -5, 2.5):
        with pytest.raises(ValueError, match="max_nodes"):
            build_game_tree("kuhn_poker", max_nodes=bad)
    with pytest.raises(ValueError, match="max_memory_mb"):
        build_game_tree("kuhn_poker", max_memory_mb=-1)
    tree = build_game_tree("kuhn_poker")
    with pytest.raises(ValueError, match="shape"):
        tree.check_policy(np.ones(3))
    with pytest.raises(ValueError, match="sum to 1"):
        tree.check_policy(np.full(tree.num_slots, 0.2))
