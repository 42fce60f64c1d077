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


def test_torch_without_a_path_is_the_games_default_network_and_stores_pin_it() -> None:
    from uedtp.agents.neural.checkpoint import read
    from uedtp.agents.neural.shipped import DEFAULT_NETWORKS, resolve
    from uedtp.eval.specs import pin_spec
    adh = "dark_hex(board_size=3,gameversion=adh)"
    for game, name in DEFAULT_NETWORKS.items():      # every default is a shipped file of its game
        assert read(resolve(name)).game == game
    assert pin_spec("torch", "phantom_ttt") == "torch:pttt_mmd_10m"
    assert pin_spec("mmd(eta=1)@torch", adh) == "mmd(eta=1.0)@torch:adh_mmd_10m"
    assert pin_spec("md(eta=2)@torch(temperature=0.5)", "hanabi(players=2)") == \
        "md(eta=2.0)@torch:hanabi_dagger_w512(temperature=0.5)"
    assert pin_spec("torch:adh_mmd", adh) == "torch:adh_mmd"        # as written: nothing to pin
    default, named = build_agent("torch", adh, seed=3), build_agent("torch:adh_mmd_10m", adh, seed=3)
    assert default.weights_digest() == named.weights_digest()        # type: ignore[attr-defined]
    with pytest.raises(SpecError, match="no default network for kuhn_poker"):
        build_agent("torch", "kuhn_poker", seed=0)
    with pytest.raises(SpecError, match="no default network for hanabi_native\\(players=3\\)"):
        pin_spec("md@torch", "hanabi(players=3)")


def test_a_tournament_stores_the_pinned_default_network() -> None:
    from uedtp.eval.tournament.config import _canonical_agents
    agents = _canonical_agents("test", ("torch", "uniform"), _adh_handle())
    assert agents == ("torch:adh_mmd_10m", "uniform")


def _adh_handle():  # type: ignore[no-untyped-def]
    from uedtp.envs.games import as_handle
    return as_handle("dark_hex(board_size=3,gameversion=adh)")
