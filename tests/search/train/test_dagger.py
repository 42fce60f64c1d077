"""DAgger on Hanabi: the aggregate grows by exactly the states the student's games reach, their
labels are SmartBot's moves at those states (BotSeats following the same moves), the student's
greedy games play its argmax, a resumed run gives the same weights as an uninterrupted one, a
resume with other settings is refused, and bad settings raise."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from uedtp.agents.neural.checkpoint import read
from uedtp.agents.neural.policy import masked_probabilities
from uedtp.csrc.hanabi_bots import BotSeats
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.envs.hanabi.tensor import hanabi_encoding_for
from uedtp.search.train import dagger_store as store
from uedtp.search.train.dagger import DaggerConfig, main, play, round_deck, run

TINY = dict(round0_games=30, games_per_round=16, epochs=1, round0_epochs=2, hidden=(32,),
            eval_games=8, holdout=0.2)


def test_student_states_are_labelled_by_smartbot_and_resume_matches(tmp_path):
    enc = hanabi_encoding_for(HanabiGame(players=2))
    full, _ = run(DaggerConfig(rounds=2, **TINY), str(tmp_path / "a.pt"))
    part = str(tmp_path / "b.pt")
    run(DaggerConfig(rounds=1, **TINY), part)
    net0 = read(part).network()                    # the round-0 student, as checkpointed
    resumed, history = run(DaggerConfig(rounds=2, **TINY), part, resume=True)
    for (name, w), (_, v) in zip(full.state_dict().items(), resumed.state_dict().items()):
        assert torch.equal(w, v), name

    config = DaggerConfig(rounds=2, **TINY)
    fp = store.fingerprint(config)
    r0, r1 = (store.load_round(part, k, fp) for k in (0, 1))
    assert history[-1]["train_decisions"] + history[-1]["holdout_decisions"] \
        == len(r0["labels"]) + len(r1["labels"])
    assert history[-1]["new_decisions"] == len(r1["labels"])
    np.testing.assert_array_equal(r0["played"], r0["labels"])      # round 0: SmartBot acts
    game = enc.game()
    replayed = 0
    for g in range(config.games_per_round):                        # replay the student's games
        rows = np.flatnonzero(r1["game"] == g)
        state = game.new_initial_state(seed=round_deck(config.seed, 1, g))
        seats = BotSeats("smart", state)
        for j in rows:
            x = enc.encode(state, seats=seats)
            np.testing.assert_array_equal(x.astype(np.float16), r1["inputs"][j])
            assert int(seats.decide(state)) == r1["labels"][j]
            if g % 2 == 0:                                         # "mixed": even games greedy
                probs = masked_probabilities(net0, x[None], enc.legal_mask(state)[None])
                assert int(np.argmax(probs[0])) == r1["played"][j]
            uid = int(r1["played"][j])
            seats.observe(state, uid)
            state.apply_action(uid)
            replayed += 1
        assert state.is_terminal() and state.score() == r1["scores"][g]
    assert replayed == len(r1["labels"])
    assert not np.array_equal(r1["played"], r1["labels"])        # the student, not the teacher

    with pytest.raises(store.ResumeError, match="epochs: saved 1, now 3"):
        run(DaggerConfig(rounds=3, **{**TINY, "epochs": 3}), part, resume=True)
    with pytest.raises(store.ResumeError, match="exists"):
        run(DaggerConfig(rounds=2, **TINY), part)


def test_teacher_moves_when_beta_is_one():
    enc = hanabi_encoding_for(HanabiGame(players=3))
    rng = np.random.default_rng(0)
    out = play(enc, None, [5, 6, 7], np.zeros(3, bool), 1.0, rng)
    np.testing.assert_array_equal(out["played"], out["labels"])
    assert out["inputs"].shape[1] == enc.size and len(out["scores"]) == 3
    with pytest.raises(ValueError, match="student network"):
        play(enc, None, [5], np.zeros(1, bool), 0.5, rng)


@pytest.mark.parametrize("bad", [dict(players=6), dict(rounds=0), dict(epochs=True),
                                 dict(holdout=1.0), dict(beta=1.5), dict(act="argmax"),
                                 dict(seed=1000), dict(hidden=())])
def test_bad_settings_raise(bad):
    with pytest.raises(ValueError):
        DaggerConfig(**bad)


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["--players", "6", "--out", str(tmp_path / "x.pt")]) == 2
    assert main(["--out", str(tmp_path / "none.pt"), "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: players must be 2..5, got 6",
                   f"error: cannot resume: no checkpoint at {str(tmp_path / 'none.pt')!r}"]
    with pytest.raises(SystemExit):
        main(["--rounds", "0", "--out", "x.pt"])
