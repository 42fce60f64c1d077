"""Distillation from stored expert labels: the same call gives the same network, other training
settings give another one on the same labels, label smoothing lifts the smallest legal-move
probability, and records or checkpoints of the wrong kind are refused by name."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from uedtp.agents.neural.checkpoint import read, save
from uedtp.search.train import distill as ds
from uedtp.search.train import expert_iteration as ei
from uedtp.search.train import expert_records as rec
from uedtp.agents.neural.policy import masked_probabilities

STUDENT = "hanabi_smartbot_bc"


@dataclasses.dataclass(frozen=True)
class FirstLegalExpert:
    """A labeller the student disagrees with: the smallest legal move uid."""

    name: str = "first-legal"

    def label(self, state, seed):
        return ei.ExpertLabel(int(min(state.legal_actions())), 0.0, searched=True, rollouts=1)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("expert") / "run.pt")
    config = ei.ExpertConfig(expert="first-legal", student=STUDENT, games_per_round=4,
                             chunk_games=2, label_fraction=1.0, epochs=1, eval_games=4,
                             holdout=0.25, seed=3)
    ei.run(config, FirstLegalExpert(), out)
    return out


def weights(net):
    return {k: v.detach().clone() for k, v in net.state_dict().items()}


def same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


def test_same_call_same_network_and_other_settings_another(run, tmp_path):
    net1, e1 = ds.distill(run, str(tmp_path / "a.pt"), epochs=3, lr=3e-3)
    net2, e2 = ds.distill(run, None, epochs=3, lr=3e-3)
    assert same(weights(net1), weights(net2))
    assert e1["train_rows"] == e2["train_rows"] > 0
    assert e1["training"]["epochs"] == 3 and e1["records_fingerprint"] == ds.source(run).fingerprint
    net3, e3 = ds.distill(run, None, epochs=1, lr=3e-3)
    assert not same(weights(net1), weights(net3))
    assert e1["train_loss_after"] < e3["train_loss_after"] < e3["train_loss_before"]
    meta = read(str(tmp_path / "a.pt")).meta
    assert meta["distill"]["records"] == run
    with pytest.raises(ei.ResumeError, match="exists"):
        ds.distill(run, str(tmp_path / "a.pt"), epochs=3)


def test_smoothing_keeps_every_legal_move_likely(run):
    src = ds.source(run)
    rounds = [ei.Replayed.of(rec.load_round(run, 0, src.fingerprint), 2)]
    rows = ei.training_rows(rounds, 0.0, held=False)
    mins = {}
    for s in (0.0, 0.1):
        net, _ = ds.distill(run, None, epochs=8, lr=3e-3, minibatch=16, smoothing=s)
        p = masked_probabilities(net, rows.inputs, rows.masks)
        mins[s] = float(p[rows.masks.astype(bool)].min())
    # from a start this peaked (6e-95 and below) 128 steps move the smallest probability from
    # below 1e-100 to ~5e-5 with s = 0.1 (the optimum, s/|legal| >= 0.005, is further on)
    assert mins[0.1] > 1e-6 and mins[0.0] < 1e-50


def test_bad_sources_and_settings_are_refused(run, tmp_path):
    with pytest.raises(ei.ResumeError, match="no expert-iteration checkpoint"):
        ds.distill(str(tmp_path / "none.pt"), None)
    plain = str(tmp_path / "plain.pt")
    ckpt = read(STUDENT)
    save(plain, ckpt.network(), _encoding())
    with pytest.raises(ei.ResumeError, match="not an expert-iteration checkpoint"):
        ds.distill(plain, None)
    with pytest.raises(ValueError, match="not a training setting: seed"):
        ds.distill(run, None, seed=4)
    with pytest.raises(ValueError, match="smoothing must be in"):
        ds.distill(run, None, smoothing=1.0)
    with pytest.raises(ValueError, match="kl must be"):
        ds.distill(run, None, kl=-1.0)


def _encoding():
    from uedtp.envs.hanabi.game import HanabiGame
    from uedtp.envs.hanabi.tensor import hanabi_encoding_for
    return hanabi_encoding_for(HanabiGame(players=2))


def rewritten_copy(run, out, edit):
    """A copy of the run at ``out`` whose round-0 records file holds ``edit(arrays)``."""
    import shutil
    shutil.copy(run, out)
    shutil.copytree(rec.data_dir(run), rec.data_dir(out))
    path = rec.round_file(out, 0)
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    np.savez_compressed(path, **edit(arrays))
    return out


def test_records_of_another_run_are_refused(run, tmp_path):
    other = rewritten_copy(run, str(tmp_path / "other.pt"),
                           lambda a: {**a, "fingerprint": np.array("another")})
    with pytest.raises(ei.ResumeError, match="other settings"):
        ds.distill(other, None)


def test_records_without_gains_read_as_nan_and_the_filter_needs_them(run, tmp_path):
    old = rewritten_copy(run, str(tmp_path / "old.pt"),      # written before gains were kept
                         lambda a: {k: v for k, v in a.items() if k not in ("gain", "gain_se")})
    r = rec.load_round(old, 0, ds.source(old).fingerprint)
    assert np.isnan(r["gain"]).all() and len(r["gain"]) == r["labelled"].sum()
    ds.distill(old, None, epochs=1)               # no filter: usable
    with pytest.raises(ValueError, match="no gain estimates"):
        ds.distill(old, None, epochs=1, min_z=2.0)
    # the expert of the fixture reports gain 0: a 0.5-point filter keeps no deviation
    src = ds.source(run)
    rounds = [ei.Replayed.of(rec.load_round(run, 0, src.fingerprint), 2)]
    rows = ei.training_rows(rounds, 0.0, held=False, min_gain=0.5)
    assert (rows.targets == rows.bot).all()
