"""uedtp.eval.bench.engine: interleaved rounds, median ratios and the row protocol (tiny budgets)."""
import pytest

from uedtp.eval.bench import engine as hb


def test_median() -> None:
    assert hb._median([3.0, 1.0, 2.0]) == 2.0
    assert hb._median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_benchmark_prints_ratios_to_the_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [hb.Row("baseline", hb.run_openspiel, 20),
            hb.Row("native", hb.run_ours_native(1), 2000)]
    hb.benchmark([2], 0.2, 0, rows, rounds=2)
    out = capsys.readouterr().out
    lines = [l for l in out.splitlines() if l.startswith("| baseline") or l.startswith("| native")]
    assert len(lines) == 2
    base_cells = lines[0].split("|")
    assert base_cells[3].strip().startswith("1.0x (1.0-1.0)")
    native_ratio = float(lines[1].split("|")[3].split("x")[0].replace(",", ""))
    assert native_ratio > 5.0          # the native loop is far faster than a Python loop
    moves_per_game = [float(l.split("|")[8]) for l in lines]
    assert abs(moves_per_game[0] - moves_per_game[1]) < 1.5   # same game distribution


def test_cli_rejects_bad_arguments() -> None:
    for argv in (["--rounds", "0"], ["--seconds", "0"], ["--players", "6"]):
        with pytest.raises(SystemExit):
            hb.main(argv)
