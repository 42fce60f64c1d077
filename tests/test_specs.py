"""Agent specs: parsing, registry checks, clear errors, seeded construction for every game kind."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from agents.specs import (AgentEntry, Param, SpecError, build_agent, canonical_spec, check_spec,
                          describe_agents, parse_spec, register, resolve, save_table, REGISTRY)
from envs.games import make_game, native_hanabi_available

needs_hanabi = pytest.mark.skipif(not native_hanabi_available(),
                                  reason="native Hanabi engine not built")


def test_parse_examples_from_the_issue():
    spec = parse_spec("mmd(eta=50,alpha=0.01,histories=10)")
    assert spec.name == "mmd" and spec.params == (("eta", 50), ("alpha", 0.01), ("histories", 10))
    spec = parse_spec("md(eta=3)@convention")
    assert spec.blueprint is not None and spec.blueprint.name == "convention"
    assert parse_spec("tabular:path.npz").path == "path.npz"
    assert parse_spec('tabular:"dir with space/p.npz"').path == "dir with space/p.npz"
    assert parse_spec("sparta(rollouts=10000)@convention").params == (("rollouts", 10000),)
    spec = parse_spec(" mixed( epsilon = 0.1 , temperature=2 ) @ smartbot ")
    assert spec.params == (("epsilon", 0.1), ("temperature", 2))
    assert spec.blueprint.name == "smartbot"
    assert parse_spec("x(a=true,b=False,c=none,d='q',e=-1e-3,f=word)").params == (
        ("a", True), ("b", False), ("c", None), ("d", "q"), ("e", -0.001), ("f", "word"))


@pytest.mark.parametrize("text", ["mmd(eta=50.0,alpha=0.01,histories=10)", "md(eta=3.0)@uniform",
                                  'tabular:"a b.npz"', "mixed(epsilon=0.1)@mixed@uniform"])
def test_str_round_trips(text):
    assert str(parse_spec(str(parse_spec(text)))) == str(parse_spec(text))


def test_canonical_form_uses_registry_order_and_types():
    assert canonical_spec("mmd( histories=10 , eta = 50 )") == "mmd(eta=50.0,histories=10)"
    assert canonical_spec("MCTS(simulations=20)") == "mcts(simulations=20)"


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("3x", "expected an agent name"),
    ("mmd(eta=)", "expected a value"),
    ("mmd(eta=1", "expected ')'"),
    ("mmd(eta=1,eta=2)", "given twice"),
    ("mmd) ", "unexpected ')'"),
    ("mmd(eta='x)", "unterminated"),
    ("nosuchagent", "unknown agent 'nosuchagent'"),
    ("mmd(gamma=1)", "has no parameter 'gamma'"),
    ("mmd(eta=-1)", "'eta' of agent 'mmd' must be positive"),
    ("mmd(histories=1.5)", "'histories' of agent 'mmd' must be an integer"),
    ("mmd(exact=2)", "must be true or false"),
    ("mmd(act=max)", "must be one of sample, argmax"),
    ("mmd(eta=abc)", "must be a number"),
    ("uniform@mmd", "takes no blueprint"),
    ("mixed", "needs a blueprint"),
    ("mmd@nosuch", "unknown agent 'nosuch'"),
    ("tabular", "needs a path"),
    ("uniform:x.npz", "takes no path"),
])
def test_bad_specs_name_the_problem(text, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        resolve(text)


def test_spec_must_be_a_string():
    with pytest.raises(SpecError, match="must be a string"):
        parse_spec(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("spec, game, message", [
    ("mmd", "tiny_hanabi", "two-player zero-sum"),
    ("md", "kuhn_poker", "common-payoff"),
    ("smartbot", "kuhn_poker", "native hanabi"),
    ("ismcts", "phantom_ttt", "resample_from_infostate"),
    ("mmd@smartbot", "kuhn_poker", "native hanabi"),
])
def test_agent_not_defined_for_game(spec, game, message):
    with pytest.raises(SpecError, match=message):
        check_spec(spec, game)


def _play(agent, game_string: str, chance_seed: int = 0) -> list[int]:
    game = make_game(game_string)
    state = game.new_initial_state(chance_seed)
    rng = np.random.default_rng(chance_seed)
    moves = []
    while not state.is_terminal():
        if game.is_chance_node(state):
            state.apply_action(game.sample_chance(state, rng))
            continue
        action = agent.act(state)
        assert action in state.legal_actions()
        moves.append(action)
        state.apply_action(action)
    return moves


@pytest.mark.parametrize("spec", ["uniform", "mmd(exact=true)", "mmd(histories=3)@uniform",
                                  "mcts(simulations=20)", "ismcts(simulations=20)",
                                  "cfr(iters=20)", "mixed(epsilon=0.5)@cfr(iters=5)",
                                  "cfr-subgame(iters=20)@cfr(iters=10)", "cfr(solver=mmd)"])
def test_specs_build_seeded_agents_for_kuhn(spec):
    runs = [[_play(build_agent(spec, "kuhn_poker", seed), "kuhn_poker", k) for k in range(6)]
            for seed in (5, 5)]
    assert runs[0] == runs[1]                      # same seed, same games


def test_different_seeds_give_different_play():
    a = [_play(build_agent("uniform", "leduc_poker", 1), "leduc_poker", k) for k in range(5)]
    b = [_play(build_agent("uniform", "leduc_poker", 2), "leduc_poker", k) for k in range(5)]
    assert a != b


def test_build_agent_rejects_bad_seed():
    with pytest.raises(SpecError, match="seed must be a non-negative integer"):
        build_agent("uniform", "kuhn_poker", -1)


def test_tabular_files_in_every_format(tmp_path):
    from agents.tabular import tabulate
    from envs.openspiel_games import load_game
    from search.cfr import CFRPlusSolver
    from search.tree_policy import save_policy
    game = load_game("kuhn_poker")
    table = tabulate(game, build_agent("cfr(iters=50)", "kuhn_poker", 0)).table
    save_table(str(tmp_path / "t.npz"), table)
    (tmp_path / "t.json").write_text(json.dumps(table))
    solver = CFRPlusSolver("kuhn_poker").run(50)
    solver.save(str(tmp_path / "solver.npz"))
    save_policy(str(tmp_path / "policy.npz"), solver.tree, solver.average_policy_array())
    state = game.new_initial_state()
    state.apply_action(0)
    state.apply_action(2)
    expected = table[state.information_state_string()]
    for name in ("t.npz", "t.json", "solver.npz", "policy.npz"):
        agent = build_agent(f"tabular:{tmp_path / name}", "kuhn_poker", 0)
        got = agent.action_probabilities(state)
        assert got.keys() == expected.keys()
        assert all(abs(got[a] - expected[a]) < 1e-9 for a in got), name


def test_tabular_errors_name_the_file(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        build_agent(f"tabular:{tmp_path / 'missing.npz'}", "kuhn_poker", 0)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(SpecError, match="cannot read tabular policy file"):
        build_agent(f"tabular:{bad}", "kuhn_poker", 0)


@needs_hanabi
@pytest.mark.parametrize("spec", ["smartbot", "holmesbot", "simplebot", "valuebot", "hle-simple",
                                  "hle-random", "convention(bot=holmes,epsilon=0.1)",
                                  "mixed(epsilon=0.2)@smartbot", "uniform"])
def test_specs_build_agents_for_native_hanabi(spec):
    first = _play(build_agent(spec, "hanabi(players=2)", 3), "hanabi(players=2)", 11)
    second = _play(build_agent(spec, "hanabi(players=2)", 3), "hanabi(players=2)", 11)
    assert first == second and len(first) > 0


def test_registering_a_new_agent_is_one_entry():
    def build(game, seed, *, k):
        from agents.uniform import UniformAgent
        agent = UniformAgent(seed)
        agent.k = k
        return agent
    register(AgentEntry("test-agent", "a test entry", "any game", build,
                        params=(Param("k", int, 2, "a number", minimum=1),)))
    try:
        assert build_agent("test-agent(k=4)", "kuhn_poker", 0).k == 4
        with pytest.raises(SpecError, match="must be at least 1"):
            resolve("test-agent(k=0)")
        register(AgentEntry("test-missing", "needs a module", "any game", build,
                            modules=("no_such_module_xyz",)))
        with pytest.raises(SpecError, match="not available: module"):
            build_agent("test-missing", "kuhn_poker", 0)
        assert "not available" in describe_agents()
    finally:
        REGISTRY.pop("test-agent", None)
        REGISTRY.pop("test-missing", None)


def test_describe_agents_documents_every_agent():
    text = describe_agents()
    for name, entry in REGISTRY.items():
        assert name in text
        for param in entry.params:
            assert param.describe() in text
    assert "eta: float = 50.0" in text
    kuhn = describe_agents(make_game("kuhn_poker"))
    assert "[not for kuhn_poker]" in kuhn.split("smartbot")[1].splitlines()[0] or \
        not native_hanabi_available()


def test_torch_checkpoint_spec(tmp_path):
    torch = pytest.importorskip("torch")
    from agents.torch_checkpoint import save
    from agents.torch_policy import PolicyValueNet
    from envs.tensor_obs import encoding_for
    torch.manual_seed(0)
    encoding = encoding_for("kuhn_poker")
    net = PolicyValueNet(encoding.size, encoding.num_actions, hidden=(8,))
    path = str(tmp_path / "net.pt")
    save(path, net, encoding)
    games = [_play(build_agent(f"torch:{path}(temperature=0.5)", "kuhn_poker", 9),
                   "kuhn_poker", k) for k in range(5)]
    again = [_play(build_agent(f"torch:{path}(temperature=0.5)", "kuhn_poker", 9),
                   "kuhn_poker", k) for k in range(5)]
    assert games == again
    with pytest.raises(SpecError, match="cannot use checkpoint"):
        build_agent(f"torch:{path}", "leduc_poker", 0)
    with pytest.raises(SpecError, match="does not exist"):
        build_agent(f"torch:{tmp_path / 'none.pt'}", "kuhn_poker", 0)
