"""Agent specs: parsing, registry checks, clear errors, seeded construction for every game kind."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from uedtp.eval.specs import (AgentEntry, Param, SpecError, build_agent, canonical_spec, check_spec,
                          describe_agents, hanabi_bot, parse_spec, register, resolve, save_table,
                          REGISTRY)
from uedtp.envs.games import make_game


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
    from uedtp.agents.tabular import tabulate
    from uedtp.envs.openspiel_games import load_game
    from uedtp.search.cfr.cfr import CFRPlusSolver
    from uedtp.search.cfr.tree_policy import save_policy
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


@pytest.mark.parametrize("spec", ["smartbot", "holmesbot", "simplebot", "valuebot", "smart",
                                  "value", "hle-simple",
                                  "hle-random", "convention(bot=holmes,epsilon=0.1)",
                                  "mixed(epsilon=0.2)@smartbot", "uniform"])
def test_specs_build_agents_for_native_hanabi(spec):
    first = _play(build_agent(spec, "hanabi(players=2)", 3), "hanabi(players=2)", 11)
    second = _play(build_agent(spec, "hanabi(players=2)", 3), "hanabi(players=2)", 11)
    assert first == second and len(first) > 0


# ---- native Hanabi search specs (the strings uedtp.eval.hanabi keys its result rows by) --------

HANABI2 = "hanabi(players=2)"
TINY = "max_exact=300,samples=100"          # small belief budgets for quick decisions


@pytest.mark.parametrize("text", [
    "md(eta=6,rollouts=1000,rollout_epsilon=0)",
    "md(eta=6,rollouts=450,rollout_epsilon=0,skip=0.99)",
    "md(eta=6,rollouts=1000,rollout_epsilon=0,searchers=0)",
    "md(eta=3.5,rollouts=300,rollout_epsilon=0)",
    "md(eta=4.5,rollouts=none,seconds=0.5,histories=16,epsilon=0.05,rollout_epsilon=none,"
    "searchers=0+1,act=sample,max_exact=300,samples=100,skip=none,bot=holmes)",
    "sparta(rollouts=10000,skip=0.99)",
    "sparta(rollouts=none,seconds=1,threshold=0.1,batch=8,z=2,prune=0,epsilon=0.02,"
    "rollout_epsilon=0.01,searchers=all,max_exact=400,samples=300,skip=0.9,bot=value)",
    "sparta-joint(rollouts=3000,max_range=20)",
    "sparta-joint(rollouts=500,seconds=none,threshold=0.1,batch=8,z=2,max_range=10,"
    "rollout_epsilon=0.01,max_exact=1000,bot=smart)"])
def test_hanabi_eval_specs_resolve_with_their_parameters(text):
    resolved = resolve(text)
    written = dict(parse_spec(text).params)
    for key, value in written.items():
        got = resolved.params[key]
        if key == "searchers":
            assert got == str(value)
        elif key == "prune":
            assert got is bool(value)
        else:
            assert got == value
    assert check_spec(canonical_spec(text), HANABI2).params == resolved.params


def test_plain_bots_are_the_blueprints():
    assert [hanabi_bot(s) for s in ("smart", "smartbot", "holmes", "value", "simplebot")] == [
        "smart", "smart", "holmes", "value", "simple"]
    assert hanabi_bot("md(eta=3)") is None and hanabi_bot("sparta") is None
    assert hanabi_bot("not a spec((") is None


def test_md_spec_builds_hanabi_md_search_with_eval_defaults():
    game = make_game(HANABI2)
    agent = build_agent(f"md(eta=6,rollouts=40,rollout_epsilon=0,{TINY})", game, 3)
    assert (agent.eta, agent.values.rollouts, agent.values.seconds) == (6.0, 40, None)
    assert agent.search.num_histories == 64 and agent.searchers is None     # eval defaults
    assert agent.epsilon == 0.01 and agent.rollout_epsilon == 0.0 and agent.bot == "smart"
    assert agent.beliefs.max_exact == 300 and agent.beliefs.num_samples == 100
    default = build_agent(f"md(eta=2,{TINY})", game, 3)
    assert default.values.rollouts == 1000 and default.rollout_epsilon == default.epsilon
    state = game.new_initial_state(7)
    move = agent.act(state)
    assert move in state.legal_actions() and agent.decisions[-1].searched
    assert 0 < agent.decisions[-1].rollouts <= 40
    other = build_agent(f"md(eta=6,rollouts=40,rollout_epsilon=0,{TINY})", game, 3)
    assert other.act(game.new_initial_state(7)) == move                     # seeded
    seat0 = build_agent(f"md(eta=1,rollouts=none,seconds=0.5,searchers=0,bot=holmes,"
                        f"epsilon=0.05,{TINY})", game, 1)
    assert seat0.searchers == frozenset({0}) and seat0.values.rollouts is None
    assert (seat0.bot, seat0.epsilon, seat0.values.seconds) == ("holmes", 0.05, 0.5)
    over = build_agent("md(eta=3,histories=8)@convention(bot=simple,epsilon=0.2)", game, 1)
    assert (over.bot, over.epsilon, over.search.num_histories) == ("simple", 0.2, 8)


def test_sparta_specs_build_with_eval_defaults():
    game = make_game(HANABI2)
    agent = build_agent(f"sparta(rollouts=64,batch=4,skip=0.99,{TINY})", game, 5)
    assert (agent.rollouts, agent.batch, agent.skip_sure_plays) == (64, 4, 0.99)
    assert (agent.threshold, agent.prune, agent.prune_z, agent.rollout_epsilon) == \
        (0.05, True, 2.5, 0.0)
    state = game.new_initial_state(2)
    state.apply_action(agent.act(state))
    # a tournament gives seat 1 its own object: it searches there
    seat1 = build_agent(f"sparta(rollouts=64,batch=4,{TINY})", game, 5)
    assert seat1.act(state) in state.legal_actions() and seat1.searchers == frozenset({1})
    assert seat1.decisions[-1].searched or seat1.decisions[-1].skipped
    agent.act(state)                        # one object on both seats: only seat 0 searches
    assert agent.searchers == frozenset({0})
    assert [(r.player, r.searched or r.skipped) for r in agent.decisions] == [(0, True),
                                                                              (1, False)]
    everyone = build_agent(f"sparta(rollouts=64,searchers=all,bot=holmes,{TINY})", game, 5)
    assert everyone.searchers is None and everyone.bot == "holmes"
    joint = build_agent("sparta-joint(rollouts=30,max_range=3,batch=4)", game, 5)
    assert (joint.rollouts, joint.max_range, joint.batch, joint.max_exact) == (30, 3, 4, 20_000)
    state = game.new_initial_state(2)
    assert joint.act(state) in state.legal_actions()


@pytest.mark.parametrize("spec", ["md(eta=3,rollouts=30,max_exact=300,samples=100)",
                                  "sparta(rollouts=30,max_exact=300,samples=100)",
                                  "sparta-joint(rollouts=30)"])
def test_num_threads_reaches_the_hanabi_searches(spec):
    def threads(agent):                     # MD search keeps them in its rollout values
        return agent.values.num_threads if hasattr(agent, "values") else agent.num_threads
    assert threads(build_agent(spec, HANABI2, 0, num_threads=2)) == 2
    assert threads(build_agent(spec, HANABI2, 0)) == 1
    with pytest.raises(SpecError, match="num_threads must be a positive integer"):
        build_agent(spec, HANABI2, 0, num_threads=0)


@pytest.mark.parametrize("text, message", [
    ("md(foo=2)", "agent 'md' has no parameter 'foo'"),
    ("md(searchers=7)", "'searchers' of agent 'md': \"7\" is not valid"),
    ("md(searchers=first)", "'searchers' of agent 'md': first is not valid"),
    ("sparta(searchers=seat1)", "'searchers' of agent 'sparta': seat1 is not valid"),
    ("sparta(searchers=0+x)", "expected ')'"),
    ("md(rollouts=0)", "'rollouts' of agent 'md' must be positive"),
    ("md(histories=none)", "'histories' of agent 'md' must be an integer"),
    ("md(skip=0)", "'skip' of agent 'md' must be positive"),
    ("sparta(bot=random)", "'bot' of agent 'sparta' must be one of smart, holmes"),
    ("sparta(prune=2)", "'prune' of agent 'sparta' must be true or false"),
    ("sparta(rollout_epsilon=none)", "'rollout_epsilon' of agent 'sparta' must be a number"),
    ("sparta-joint(max_range=0)", "'max_range' of agent 'sparta-joint' must be positive"),
    ("sparta-joint(searchers=0)", "agent 'sparta-joint' has no parameter 'searchers'"),
])
def test_bad_hanabi_search_specs_name_the_problem(text, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        resolve(text)


@pytest.mark.parametrize("spec, game, message", [
    ("md(skip=0.99)", "tiny_hanabi", "parameter 'skip' is for native Hanabi only"),
    ("md(searchers=0)", "tiny_hanabi", "parameter 'searchers' is for native Hanabi only"),
    ("md(rollouts=none)", "tiny_hanabi", "rollouts=none"),
    ("md(exact=true)", HANABI2, "parameter 'exact' is for small OpenSpiel games only"),
    ("md(bot=holmes)@convention", HANABI2, "parameter 'bot' is for the bot= blueprint"),
    ("sparta(bot=holmes)@smartbot", HANABI2, "parameter 'bot' is for the bot= blueprint"),
    ("md(rollouts=none)", HANABI2, "md: MD search needs a budget"),
    ("sparta-joint(seconds=1)", HANABI2, "sparta-joint: joint SPARTA replicates searches"),
])
def test_hanabi_search_parameters_checked_at_build(spec, game, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        build_agent(spec, game, 0)


def test_md_on_openspiel_keeps_its_defaults():
    agent = build_agent("md", "tiny_hanabi", 0)
    assert agent.num_histories == 10 and agent.values.rollouts == 1
    agent = build_agent("md(histories=auto,rollouts=3)", "tiny_hanabi", 0)
    assert agent.num_histories == 10 and agent.values.rollouts == 3


def test_registering_a_new_agent_is_one_entry():
    def build(game, seed, *, k):
        from uedtp.agents.uniform import UniformAgent
        agent = UniformAgent(seed)
        agent.k = k
        return agent
    register(AgentEntry("test-agent", "a test entry", "any game", build,
                        params=(Param("k", int, 2, "a number", minimum=1),)))
    try:
        assert build_agent("test-agent(k=4)", "kuhn_poker", 0).k == 4
        with pytest.raises(SpecError, match="must be at least 1"):
            resolve("test-agent(k=0)")
    finally:
        REGISTRY.pop("test-agent", None)


def test_describe_agents_documents_every_agent():
    text = describe_agents()
    for name, entry in REGISTRY.items():
        assert name in text
        for param in entry.params:
            assert param.describe() in text
    assert "eta: float = 50.0" in text
    kuhn = describe_agents(make_game("kuhn_poker"))
    head = next(line for line in kuhn.splitlines() if line.startswith("smartbot"))
    assert "[not for kuhn_poker]" in head


def test_torch_checkpoint_spec(tmp_path):
    import torch
    from uedtp.agents.neural.checkpoint import save
    from uedtp.agents.neural.policy import PolicyValueNet
    from uedtp.envs.tensor_obs import encoding_for
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
    with pytest.raises(SpecError, match=r"no checkpoint at .*none\.pt \(or name a shipped one: adh_mmd"):
        build_agent(f"torch:{tmp_path / 'none.pt'}", "kuhn_poker", 0)
