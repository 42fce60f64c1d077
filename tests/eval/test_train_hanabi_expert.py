"""Expert iteration with a spec-built expert: the recorded label is what the spec's agent decides
at the natively rebuilt state with the decision's seed, a spec the run cannot use is refused,
and the CLI runs and resumes (the same records on workers and Ray: test_cluster_runs)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from uedtp.envs.hanabi.game import HanabiGame
from uedtp.eval.specs import SpecError, build_agent
from uedtp.eval.specs.expert import spec_expert
from uedtp.eval.train_hanabi import main
from uedtp.search.train import expert_iteration as ei
from uedtp.search.train import expert_records as rec

SPEC = "sparta(rollouts=60,skip=0.99)"


@pytest.fixture(scope="module")
def student():
    return ei.load_student("hanabi_smartbot_bc")


def config(expert, **kw):
    base = dict(expert=expert.name, games_per_round=2, chunk_games=1, label_fraction=0.4,
                seed=5)
    base.update(kw)
    return ei.ExpertConfig(**base)


def test_labels_are_the_spec_agents_moves_at_the_rebuilt_states(student):
    net, players = student
    expert = spec_expert("sparta( skip=0.99, rollouts=60, threshold=0.05)", players)
    assert expert.name == spec_expert(SPEC, players).name == \
        "sparta(rollouts=60,seconds=none,threshold=0.05,batch=16,z=2.5,prune=true," \
        "epsilon=0.01,rollout_epsilon=0.0,searchers=first,max_exact=5000,samples=2000," \
        "skip=0.99,bot=smart)"                               # every parameter: the fingerprint
    r = ei.collect(config(expert), players, net, expert, 0)
    game = HanabiGame(players=players)
    start, where = rec.offsets(r), rec.label_index(r)
    game_of = rec.game_of_decision(r)
    for i, d in enumerate(where):
        g = int(game_of[d])
        t = int(d - start[g])
        state = ei.rebuild_state(game, r["deck"][g], r["move"][start[g]:d])
        agent = build_agent(SPEC, game, ei.label_seed(5, 0, int(r["game"][g]), t))
        assert agent.act(state) == r["label"][i]
        assert agent.decisions[-1].searched == r["searched"][i]
        assert agent.decisions[-1].rollouts == r["rollouts"][i]
        out = agent.last if agent.decisions[-1].searched else None
        if out is not None and int(r["label"][i]) != out.moves[0]:
            j = out.moves.index(int(r["label"][i]))          # the deviation's own estimate
            assert np.isclose(r["gain"][i], out.means[j], rtol=2e-3, atol=1e-3)
            assert np.isclose(r["gain_se"][i], out.stderrs[j], rtol=2e-3, atol=1e-3)
        else:
            assert r["gain"][i] == 0 and r["gain_se"][i] == 0
    deviates = r["label"] != r["bot"][r["labelled"]]
    assert r["searched"].any() and deviates.any()
    # SPARTA deviates only when the gain beats its threshold (0.05)
    assert (r["gain"][deviates] > 0.05 - 1e-3).all() and (r["gain_se"][deviates] > 0).all()
    # the confident-deviation filter turns doubtful deviations back into SmartBot's move
    rounds = [ei.Replayed.of(r, players)]
    every = ei.training_rows(rounds, 0.0, held=False)
    sure = ei.training_rows(rounds, 0.0, held=False, min_z=2.0)
    kept = deviates & (r["gain"] >= 2.0 * r["gain_se"])
    assert (every.targets != every.bot).sum() == deviates.sum()
    assert (sure.targets != sure.bot).sum() == kept.sum() < deviates.sum()


@pytest.mark.parametrize("spec, text", [
    ("sparta(rollouts=60,seconds=0.1)", "seconds= budget"),
    ("sparta(searchers=0)", "searchers=0 leaves some seats"),
    ("nosuchagent", "nosuchagent"),
    ("cfr(iters=2)", "cannot play hanabi"),
])
def test_unusable_experts_are_refused(spec, text):
    with pytest.raises(SpecError, match=text):
        spec_expert(spec, 2)


def test_cli_runs_resumes_and_refuses_changed_settings(tmp_path, capsys):
    out = str(tmp_path / "e.pt")
    args = ["expert", "--expert", "smart", "--games-per-round", "2", "--chunk-games", "1",
            "--label-fraction", "0.5", "--epochs", "1", "--eval-games", "2", "--holdout", "0",
            "--backend", "serial", "--no-progress", "--out", out]
    assert main(args) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["round"] for x in lines] == [-1, 0]
    assert main(args + ["--resume", "--rounds", "2"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["round"] == 1
    assert main(args + ["--resume", "--rounds", "3", "--label-fraction", "0.25"]) == 2
    assert "label_fraction: saved 0.5, now 0.25" in capsys.readouterr().err
