"""Decision-time subgame solving: public states, subgame trees, safety, the agent, bad input."""
from __future__ import annotations

import numpy as np
import pyspiel
import pytest

from uedtp.agents.uniform import UniformAgent
from uedtp.csrc import cfr_kernels as K
from uedtp.csrc.game_tree import KernelTree
from uedtp.envs.game_tree import CHANCE
from uedtp.envs.tree_compile import cached_game_tree
from uedtp.search.cfr.best_response import TreeEvaluator, exploitability
from uedtp.search.cfr.cfr import CFRPlusSolver
from uedtp.search.subgame.closure import history_sampler_finder, state_closure
from uedtp.search.subgame.solver import (PublicStateIndex, extract_subgame, opt_out_values,
                                         root_weights, solve_subgame)
from uedtp.search.subgame.agent import SubgameSolvingAgent
from uedtp.search.cfr.tree_policy import SlotPolicyAgent


def _components(tree) -> np.ndarray:
    """Union-find over decision nodes sharing any player's information-state id."""
    parent = np.arange(tree.num_nodes)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    decision = np.flatnonzero(tree.player >= 0)
    for p in range(tree.num_players):
        first: dict[int, int] = {}
        for n in decision:
            oid = int(tree.observation_id[p, n])
            if oid in first:
                parent[find(int(n))] = find(first[oid])
            else:
                first[oid] = int(n)
    return np.array([find(int(n)) for n in range(tree.num_nodes)])


@pytest.mark.parametrize("name", ["kuhn_poker", "leduc_poker",
                                  "dark_hex(board_size=2,gameversion=adh)"])
def test_closure_is_the_connected_component(name: str) -> None:
    tree = cached_game_tree(name)
    comp = _components(tree)
    index = PublicStateIndex(tree)
    rng = np.random.default_rng(0)
    decision = np.flatnonzero(tree.player >= 0)
    for node in rng.choice(decision, size=min(40, decision.size), replace=False):
        ps = index.closure(int(node))
        expected = np.flatnonzero((comp == comp[node]) & (tree.player >= 0))
        assert ps.complete and np.array_equal(ps.histories, expected)
        assert np.all(np.isin(ps.roots, ps.histories))


def test_kuhn_first_public_state_is_all_deals() -> None:
    tree = cached_game_tree("kuhn_poker")
    node = int(tree.infoset_node[tree.infoset_index(0, "0")])
    ps = PublicStateIndex(tree).closure(node)
    assert ps.size == 6 and np.array_equal(ps.roots, ps.histories)
    assert PublicStateIndex(tree).closure(node, max_histories=3).complete is False


def _first_public_state(name: str):
    tree = cached_game_tree(name)
    node = int(np.flatnonzero(tree.player >= 0)[0])
    return tree, PublicStateIndex(tree).closure(node)


@pytest.mark.parametrize("name", ["kuhn_poker", "leduc_poker"])
def test_plain_subgame_keeps_blueprint_values(name: str) -> None:
    """Without a gadget, the subgame at the first public state (weighted by full blueprint
    reach) has the blueprint's game value; depth-limiting with exact blueprint leaf values keeps
    it too."""
    tree, ps = _first_public_state(name)
    bp = CFRPlusSolver(name).run(3).average_policy_array()
    ev = TreeEvaluator(tree)
    value = ev.on_policy_values(bp)[0]
    searcher = int(tree.player[ps.node])
    w = root_weights(tree, ps.roots, bp, searcher, "none")
    sub = extract_subgame(tree, ps.roots, w, searcher, "none")
    sub_ev = TreeEvaluator(sub.tree)
    assert sub_ev.on_policy_values(sub.policy_from_source(bp))[0] * w.sum() == \
        pytest.approx(value, abs=1e-12)
    # layout invariants of the cut-out tree
    t = sub.tree
    assert t.player[0] == CHANCE and np.all(t.parent[1:] < np.arange(1, t.num_nodes))
    assert t.chance_prob[t.children(0)].sum() == pytest.approx(1.0)
    if name == "leduc_poker":
        vals = np.zeros((2, tree.num_nodes))
        kern = KernelTree(tree)
        for p in range(2):
            K.expected_values(kern, bp, vals[p], p)
        cut = extract_subgame(tree, ps.roots, w, searcher, "none", max_nodes=600,
                              node_values=vals)
        assert cut.depth_limit is not None and cut.tree.num_nodes <= 601
        cut_value = TreeEvaluator(cut.tree).on_policy_values(cut.policy_from_source(bp))[0]
        assert cut_value * w.sum() == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("name", ["kuhn_poker", "dark_hex(board_size=2,gameversion=adh)"])
def test_single_resolve_is_safe(name: str) -> None:
    """Playing the re-solved subgame strategy (best-response opt-out values) at one public state
    never raises exploitability above the blueprint's, beyond the solver's approximation error,
    and lowers it somewhere."""
    tree = cached_game_tree(name)
    bp = CFRPlusSolver(name).run(3).average_policy_array()
    ev = TreeEvaluator(tree)
    base = ev.exploitability(bp)
    index = PublicStateIndex(tree)
    done = set()
    improved = 0
    for k in range(tree.num_infosets):
        node = int(tree.infoset_node[k])
        player = int(tree.player[node])
        ps = index.closure(node)
        if (player, ps.roots.tobytes()) in done:
            continue
        done.add((player, ps.roots.tobytes()))
        w = root_weights(tree, ps.roots, bp, player, "resolve")
        opt = opt_out_values(tree, ps.roots, w, bp, player, "best_response")
        sub = extract_subgame(tree, ps.roots, w, player, "resolve", opt)
        solved = solve_subgame(sub, "cfr+", 1000, bp)
        policy = bp.copy()
        for k_sub, k_src in enumerate(sub.infoset_map):
            if k_src >= 0 and tree.infoset_player[k_src] == player:
                policy[tree.slots(int(k_src))] = solved[sub.tree.slots(k_sub)]
        after = ev.exploitability(policy)
        assert after <= base + 1e-4
        improved += after < base - 1e-3
    assert improved >= 2


@pytest.mark.parametrize("name,early_iterations", [("kuhn_poker", 3), ("leduc_poker", 10)])
def test_agent_is_less_exploitable_than_weak_blueprints(name: str, early_iterations: int) -> None:
    tree = cached_game_tree(name)
    blueprints = {"uniform": tree.uniform_policy(),
                  "early": CFRPlusSolver(name).run(early_iterations).average_policy_array()}
    for label, bp in blueprints.items():
        agent = SubgameSolvingAgent(name, bp, iterations=100, algorithm="cfr+", seed=0)
        full = agent.full_policy()
        before, after = exploitability(name, bp), exploitability(name, full)
        assert after < 0.95 * before, (label, before, after)
        assert len(agent.decisions) == tree.num_infosets
        assert all(d.public_state_size > 0 and not d.fell_back for d in agent.decisions)


def test_dcfr_and_unsafe_variants_also_improve_kuhn() -> None:
    bp = cached_game_tree("kuhn_poker").uniform_policy()
    for kw in ({"algorithm": "dcfr"}, {"gadget": "none"}, {"opt_out": "blueprint"}):
        agent = SubgameSolvingAgent("kuhn_poker", bp, iterations=200, **kw)
        assert exploitability("kuhn_poker", agent.full_policy()) < 0.5 * 11 / 24


def test_depth_limited_agent_on_leduc() -> None:
    bp = CFRPlusSolver("leduc_poker").run(10).average_policy_array()
    agent = SubgameSolvingAgent("leduc_poker", bp, iterations=50, max_subgame_nodes=500)
    full = agent.full_policy()
    assert any(d.depth_limit is not None for d in agent.decisions)
    assert exploitability("leduc_poker", full) < exploitability("leduc_poker", bp)


def test_state_closure_route_matches_the_tree_route_on_kuhn() -> None:
    game = pyspiel.load_game("kuhn_poker")
    tree = cached_game_tree(game)
    bp = SlotPolicyAgent(tree, CFRPlusSolver(game).run(5).average_policy_array())
    on_tree = SubgameSolvingAgent(game, bp, iterations=100)
    on_states = SubgameSolvingAgent(game, bp, iterations=100, max_tree_nodes=10)
    assert on_states.tree is None and on_tree.tree is not None
    for k in range(tree.num_infosets):
        state = tree.state_of(int(tree.infoset_node[k]), game)
        a, b = on_tree.action_probabilities(state), on_states.action_probabilities(state)
        assert a.keys() == b.keys()
        assert max(abs(a[x] - b[x]) for x in a) < 1e-9
    assert [d.public_state_size for d in on_states.decisions] == \
        [d.public_state_size for d in on_tree.decisions]


def test_state_closure_with_the_history_sampler_finder() -> None:
    game = pyspiel.load_game("leduc_poker")
    tree = cached_game_tree(game)
    bp = SlotPolicyAgent(tree, tree.uniform_policy())
    index = PublicStateIndex(tree)
    rng = np.random.default_rng(1)
    for node in rng.choice(np.flatnonzero(tree.player >= 0), size=8, replace=False):
        state = tree.state_of(int(node), game)
        expected = sorted(tree.history(int(n)) for n in index.closure(int(node)).histories)
        for finder in (None, history_sampler_finder(bp)):
            found = sorted(h.history() for h in state_closure(state, 10_000, finder))
            assert found == expected


def test_large_game_reports_public_state_sizes_and_falls_back() -> None:
    game = pyspiel.load_game("dark_hex(board_size=3,gameversion=adh)")
    agent = SubgameSolvingAgent(game, UniformAgent(seed=0), iterations=20,
                                max_public_histories=50, max_subgame_nodes=1500, rollouts=1,
                                seed=1)
    assert agent.tree is None
    state = game.new_initial_state()
    for _ in range(5):
        action = agent.act(state)
        assert action in state.legal_actions()
        state.apply_action(action)
        if state.is_terminal():
            break
    sizes = [d.public_state_size for d in agent.decisions]
    assert sizes[0] == 1 and sizes[1] == 9          # 1, then every first move of player 0
    assert agent.decisions[0].subgame_nodes > 0 and not agent.decisions[0].fell_back
    assert any(d.fell_back and d.public_state_size == -1 for d in agent.decisions)
    assert 0 < agent.fallback_rate < 1
    assert agent.summary()["decisions"] == len(agent.decisions)


def test_bad_input() -> None:
    bp = cached_game_tree("kuhn_poker").uniform_policy()
    with pytest.raises(ValueError, match="two-player zero-sum"):
        SubgameSolvingAgent("kuhn_poker(players=3)", UniformAgent())
    with pytest.raises(ValueError, match="algorithm"):
        SubgameSolvingAgent("kuhn_poker", bp, algorithm="magic")
    with pytest.raises(ValueError, match="gadget"):
        SubgameSolvingAgent("kuhn_poker", bp, gadget="maxmargin-ish")
    with pytest.raises(ValueError, match="opt_out"):
        SubgameSolvingAgent("kuhn_poker", bp, opt_out="whatever")
    with pytest.raises(ValueError, match="iterations"):
        SubgameSolvingAgent("kuhn_poker", bp, iterations=0)
    with pytest.raises(ValueError, match="blueprint"):
        SubgameSolvingAgent("kuhn_poker", np.ones(3))
    with pytest.raises(TypeError, match="action_probabilities"):
        SubgameSolvingAgent("phantom_ttt", np.ones(3))
    agent = SubgameSolvingAgent("kuhn_poker", bp)
    with pytest.raises(ValueError, match="decision node"):
        agent.action_probabilities(pyspiel.load_game("kuhn_poker").new_initial_state())
