"""Expert iteration on Hanabi: the records replay to the very rows the student saw, the expert
is asked at the natively rebuilt state the student reached, an interrupted round resumes to the
same records, a resume with other settings is refused by name, and training on the expert's
labels lowers the loss on them."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from uedtp.csrc.hanabi_bots import BotSeats
from uedtp.envs.hanabi.game import HanabiGame, HanabiState
from uedtp.search.train import expert_iteration as ei
from uedtp.search.train import expert_records as rec

STUDENT = "hanabi_smartbot_bc"


@dataclasses.dataclass(frozen=True)
class FirstLegalExpert:
    """A labeller the student disagrees with: the smallest legal move uid."""

    name: str = "first-legal"

    def label(self, state: HanabiState, seed: int) -> ei.ExpertLabel:
        return ei.ExpertLabel(int(min(state.legal_actions())), 0.0, searched=True, rollouts=1)


@pytest.fixture(scope="module")
def student():
    return ei.load_student(STUDENT)


def tiny(**kw):
    base = dict(expert="smart", student=STUDENT, games_per_round=4, chunk_games=2,
                label_fraction=0.5, epochs=2, eval_games=4, holdout=0.25, seed=3)
    base.update(kw)
    return ei.ExpertConfig(**base)


def test_replayed_rows_equal_the_live_rows_and_smartbot_labels_its_own_move(student):
    net, players = student
    config = tiny()
    task = dataclasses.replace(ei.round_tasks(config, players, net, ei.SmartBotExpert(), 0)[0],
                               keep_features=True)
    live = ei.play_expert_chunk(task)
    r = {k: live[k] for k in rec.RECORD_ARRAYS}
    rec.check_records(r)
    x, m = rec.replay(r, players)
    assert x.dtype == live["features"].dtype == np.float32
    np.testing.assert_array_equal(x, live["features"])           # bit for bit
    np.testing.assert_array_equal(m, live["masks"])
    assert 0 < r["labelled"].sum() < len(r["move"])               # label_fraction 0.5
    # SmartBot's move at the state rebuilt from deck + moves equals the lockstep tables' move
    np.testing.assert_array_equal(r["label"], r["bot"][r["labelled"]])
    game = HanabiGame(players=players)
    start = rec.offsets(r)
    for g, deck in enumerate(r["deck"]):
        state = game.new_initial_state(seed=int(deck))
        seats = BotSeats("smart", state)
        for t in range(int(r["length"][g])):
            uid = int(r["move"][start[g] + t])
            assert int(seats.decide(state)) == r["bot"][start[g] + t]
            seats.observe(state, uid)
            state.apply_action(uid)
        assert state.is_terminal() and state.score() == r["score"][g]


def test_expert_is_asked_at_the_rebuilt_state_with_its_seed(student):
    net, players = student

    @dataclasses.dataclass(frozen=True)
    class Spy:
        name: str = "spy"
        seen: list = dataclasses.field(default_factory=list)

        def label(self, state, seed):
            self.seen.append((list(state.history()), seed))
            return ei.ExpertLabel(int(max(state.legal_actions())), 0.0)

    spy = Spy()
    config = tiny(label_fraction=1.0, games_per_round=2)
    task = ei.round_tasks(config, players, net, spy, 1)[0]
    r = ei.play_expert_chunk(task)
    assert len(spy.seen) == len(r["move"]) == len(r["label"])
    start = rec.offsets(r)
    expected = sorted((list(r["move"][start[g]:start[g] + t]),
                       ei.label_seed(config.seed, 1, int(r["game"][g]), t))
                      for g in range(len(r["deck"])) for t in range(int(r["length"][g])))
    assert sorted(spy.seen) == expected
    np.testing.assert_array_equal(r["game"], [0, 1])


class Interrupted(Exception):
    pass


class StopAfter:
    """Runs the first ``n`` chunks, then fails (a crash in the middle of a round)."""

    name = "stop-after"
    workers = 1

    def __init__(self, n):
        self.n = n

    def map_unordered(self, fn, items):
        for i, item in enumerate(items):
            if i == self.n:
                raise Interrupted
            yield i, fn(item)


def test_interrupted_round_resumes_to_the_same_records(student, tmp_path):
    net, players = student
    config = tiny(games_per_round=6, chunk_games=2)
    expert = FirstLegalExpert()
    whole = ei.collect(config, players, net, expert, 0)
    out = str(tmp_path / "run.pt")
    with pytest.raises(Interrupted):
        ei.collect(config, players, net, expert, 0, out, "fp", executor=StopAfter(2))
    assert sorted(rec.load_chunks(out, 0, "fp")) == [0, 1]        # the finished chunks kept
    calls = []

    class Counting:
        name, workers = "counting", 1

        def map_unordered(self, fn, items):
            for i, item in enumerate(items):
                calls.append(item.first_game)
                yield i, fn(item)

    resumed = ei.collect(config, players, net, expert, 0, out, "fp", executor=Counting())
    assert calls == [4]                                           # only the missing chunk
    for k in rec.RECORD_ARRAYS:
        np.testing.assert_array_equal(resumed[k], whole[k], err_msg=k)
    assert rec.load_chunks(out, 0, "fp") == {}                    # merged into the round file
    np.testing.assert_array_equal(rec.load_round(out, 0, "fp")["move"], whole["move"])
    with pytest.raises(rec.RecordError, match="other settings"):
        rec.load_round(out, 0, "another")


def test_run_resumes_and_refuses_other_settings_by_name(tmp_path):
    out = str(tmp_path / "e.pt")
    config = tiny(rounds=1, games_per_round=2, chunk_games=1)
    ei.run(config, FirstLegalExpert(name="smart"), out)
    with pytest.raises(ei.ResumeError, match="exists"):
        ei.run(config, FirstLegalExpert(name="smart"), out)
    with pytest.raises(ei.ResumeError, match=r"kl: saved 0.0, now 0.5"):
        ei.run(dataclasses.replace(config, kl=0.5), FirstLegalExpert(name="smart"), out,
               resume=True)
    with pytest.raises(ValueError, match="settings name"):
        ei.run(config, FirstLegalExpert(), out, resume=True)
    _, history = ei.run(dataclasses.replace(config, rounds=2), FirstLegalExpert(name="smart"),
                        out, resume=True)
    assert [h["round"] for h in history] == [-1, 0, 1]
    assert history[-1]["labelled"] > 0 and 0 <= history[-1]["min_legal_prob"] <= 1


def test_training_on_expert_labels_lowers_their_loss(student):
    net, players = student
    config = tiny(games_per_round=4, chunk_games=4, label_fraction=1.0, holdout=0.0, epochs=6,
                  lr=3e-3, kl=0.01)
    records = ei.collect(config, players, net, FirstLegalExpert(), 0)
    rounds = [ei.Replayed.of(records, players)]
    trained, stats = ei.fit(config, net, net, rounds, 0)
    assert stats["train_rows"] == len(records["move"])
    assert stats["train_loss_after"] < 0.5 * stats["train_loss_before"]
    rows = ei.training_rows(rounds, 0.0, held=False)
    before = np.argmax(ei.masked_probabilities(net, rows.inputs, rows.masks), 1)
    after = np.argmax(ei.masked_probabilities(trained, rows.inputs, rows.masks), 1)
    assert np.mean(after == rows.targets) > np.mean(before == rows.targets) + 0.2
    assert trained is not net


def test_bad_settings_raise():
    for kw, text in ((dict(label_fraction=0.0), "label_fraction"), (dict(kl=-1.0), "kl"),
                     (dict(seed=1000), "seed"), (dict(act="x"), "act"),
                     (dict(chunk_games=0), "chunk_games")):
        with pytest.raises(ValueError, match=text):
            tiny(**kw)
