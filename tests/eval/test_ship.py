"""``uedtp.eval.ship``: a weights-only copy with the training record condensed into its meta and,
on request, a half-float first layer that native inference reads as halves."""
from __future__ import annotations

import json

import numpy as np
import torch

from uedtp.agents.neural.checkpoint import read, save
from uedtp.agents.neural.native import native_from_checkpoint
from uedtp.agents.neural.policy import PolicyValueNet
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.envs.hanabi.tensor import hanabi_encoding_for
from uedtp.eval.ship import main


def test_ship_strips_trainer_state_and_rounds_first_layer(tmp_path) -> None:
    enc = hanabi_encoding_for(HanabiGame(players=2))
    torch.manual_seed(0)
    net = PolicyValueNet(enc.size, enc.num_actions, (32, 16))
    history = [{"round": k, "train_decisions": 100 * (k + 1), "greedy_mean": 20.0 + k,
                "collect_s": 1.0} for k in range(3)]
    src, dest, ev = tmp_path / "run.pt", tmp_path / "ship.pt", tmp_path / "ev.json"
    save(str(src), net, enc, meta={"note": "x"},
         trainer={"settings": {"players": 2}, "history": history, "optimizer": {"big": 1}})
    ev.write_text(json.dumps({"greedy": {"mean": 22.5}}))
    assert main([str(src), str(dest), "--half-first-layer", "--evaluation", str(ev)]) == 0
    shipped = read(str(dest))
    assert shipped.trainer is None
    assert shipped.meta["note"] == "x" and shipped.meta["settings"] == {"players": 2}
    assert shipped.meta["rounds"][2] == {"round": 2, "train_decisions": 300, "greedy_mean": 22.0}
    assert shipped.meta["evaluation"]["greedy"]["mean"] == 22.5
    assert 0 < shipped.meta["first_layer_half_rounding_max_change"] < 1e-3
    w = shipped.state_dict["trunk.0.weight"]
    assert torch.equal(w, w.half().float())
    assert native_from_checkpoint(str(dest)).half_first_layer
    # every other tensor is unchanged
    orig = read(str(src)).state_dict
    for k, v in shipped.state_dict.items():
        if k != "trunk.0.weight":
            assert torch.equal(v, orig[k])
    assert np.abs((w - orig["trunk.0.weight"]).numpy()).max() > 0
