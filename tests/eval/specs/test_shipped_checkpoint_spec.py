"""``torch:NAME``: a spec names a shipped checkpoint from any directory; an unknown name is refused."""
from __future__ import annotations

from pathlib import Path

import pytest

from uedtp.envs.hanabi.game import HanabiGame
from uedtp.eval.specs import SpecError, build_agent


def test_the_torch_spec_takes_a_name_and_refuses_an_unknown_one(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)                     # the name is not a file here
    game = HanabiGame(players=2)
    agent = build_agent("torch:hanabi_smartbot_bc", game, seed=0)
    state = game.new_initial_state()
    assert agent.act(state) in state.legal_actions()
    with pytest.raises(SpecError, match="shipped: adh_mmd, adh_mmd_10m, adh_ppo, hanabi_dagger_w512, hanabi_smartbot_bc"):
        build_agent("torch:hanabi_smartbot", game, seed=0)
