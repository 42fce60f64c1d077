"""The bad-input table of ``test_cli_errors``: per eval CLI, (arguments, text the one error line
must contain). Placeholders: {file} a regular file, {tmp} a scratch folder, {empty_pt} an empty
.pt, {empty_npz} an empty .npz, {run} a finished Hanabi evaluation directory, {emptydir} an empty
folder. A path under {file} is unwritable even for root."""
from __future__ import annotations

ADH = "checkpoints/adh_mmd.pt"
HANABI_PT = "checkpoints/hanabi_smartbot_bc.pt"

# the cases the issue lists, each run as ``python -m MODULE ARGS`` on its own
ISSUE_CASES: list[tuple[str, list[str], str]] = [
    ("eval.approx_exploitability", ["--checkpoint", "{tmp}/missing.pt"], "missing.pt"),
    ("eval.approx_exploitability", ["--eta", "-1", "--checkpoint", ADH], "'-1'"),
    ("eval.bench.solvers", ["--games", "nosuchgame"], "nosuchgame"),
    ("eval.bench.solvers", ["--games", "kuhn_poker(players=3"], "kuhn_poker(players=3"),
    ("eval.bench.solvers", ["--games", "hanabi(players=2)"], "hanabi(players=2)"),
    ("eval.bench.solvers", ["--games", "phantom_ttt"], "phantom_ttt"),
    ("eval.hanabi", ["--agents", "mmd(exact=true)", "--games", "1", "--out", "{tmp}/h1"],
     "mmd(exact=true)"),
    ("eval.hanabi", ["--games", "1", "--agents", "smart", "--workers", "1", "--out", "{run}"],
     "--resume"),
    ("eval.hanabi", ["--report-only", "--out", "{run}", "--extra-csv", "{tmp}/missing.csv"],
     "missing.csv"),
    ("eval.hanabi", ["--report-only", "--out", "{run}", "--extra-csv", "{emptydir}"], "emptydir"),
    ("eval.tournament", ["--game", "kuhn_poker", "--agents", "uniform", "cfr(iters=2)",
                         "--games", "1", "--out", "{file}"], "plain.txt"),
    ("eval.tournament", ["--game", "kuhn_poker", "--agents", "uniform", "cfr(iters=2)",
                         "--games", "1", "--out", "{file}/sub"], "plain.txt/sub"),
    ("eval.small_games", ["--csv", "{tmp}/no_such_folder/rows.csv"], "no_such_folder"),
    ("eval.small_games", ["--game", "phantom_ttt"], "phantom_ttt"),
    ("eval.compare_search", ["--small", "phantom_ttt"], "phantom_ttt"),
    ("eval.bench.native_mlp", ["--checkpoints", "{empty_pt}"], "empty.pt"),
    ("eval.bench.neural_hanabi", ["play", "--checkpoint", ADH], "dark_hex"),
    ("eval.tournament", ["--games", "0"], "--games"),
]

# one bad value of each numeric, path and game argument of every CLI
TABLE: dict[str, list[tuple[list[str], str]]] = {
    "eval.tournament": [
        (["--games", "0"], "got 0"), (["--seed", "-1"], "got -1"),
        (["--max-moves", "0"], "--max-moves"), (["--workers", "0"], "--workers"),
        (["--bootstrap-samples", "0"], "--bootstrap-samples"),
        (["--game", "nosuchgame", "--agents", "uniform", "mmd"], "nosuchgame"),
        (["--game", "kuhn_poker", "--agents", "uniform", "nosuchagent"], "nosuchagent"),
        (["--config", "{tmp}/missing.json"], "missing.json"),
        (["--resume", "--out", "{emptydir}"], "emptydir"),
        (["--games", "x"], "'x'"),
    ],
    "eval.hanabi": [
        (["--players", "7", "--out", "{tmp}/h"], "7"), (["--games", "0", "--out", "{tmp}/h"], "0"),
        (["--seed", "-1", "--out", "{tmp}/h"], "-1"), (["--workers", "0", "--out", "{tmp}/h"], "0"),
        (["--threads", "0", "--out", "{tmp}/h"], "--threads"),
        (["--eta-sweep", "0", "--out", "{tmp}/h"], "--eta-sweep"),
        (["--eta-sweep", "1", "--md", "md(eta={{eta}},x={{y}})", "--out", "{tmp}/h"],
         "md(eta={eta},x={y})"),
        (["--agents", "nosuchagent", "--out", "{tmp}/h"], "nosuchagent"),
        (["--out", "{file}/sub"], "plain.txt"),
        (["--resume", "--out", "{emptydir}"], "emptydir"),
    ],
    "eval.hanabi.fingerprint": [
        (["{tmp}/f.txt", "--games", "0"], "'0'"), (["{file}/sub"], "plain.txt"),
        (["{tmp}"], "is a directory"),
    ],
    "eval.bench.neural_rollouts": [
        (["--rounds", "0"], "'0'"), (["--moves", "-1"], "'-1'"), (["--columns", "x"], "'x'"),
        (["--phantom", "{tmp}/missing.pt"], "missing.pt"),
    ],
    "eval.hanabi.scores": [
        (["--games", "1"], "got 1"), (["--threads", "0"], "'0'"), (["--seed", "-1"], "'-1'"),
        (["--players", "2,7"], "2,7"), (["--bots", "nosuchbot"], "nosuchbot"),
        (["--out", "{file}/sub"], "plain.txt"),
    ],
    "eval.exploitability": [
        (["--game", "nosuchgame", "--uniform"], "nosuchgame"),
        (["--game", "phantom_ttt", "--uniform"], "phantom_ttt"),
        (["--game", "kuhn_poker(players=3)", "--uniform"], "kuhn_poker(players=3)"),
        (["--game", "kuhn_poker", "--policy", "{tmp}/missing.npz"], "missing.npz"),
        (["--game", "kuhn_poker", "--solver", "{empty_npz}"], "empty.npz"),
        (["--game", "kuhn_poker", "--run", "cfr", "--iterations", "0"], "'0'"),
        (["--game", "kuhn_poker", "--subgame-agent", "cfr+:0"], "cfr+:0"),
        (["--game", "kuhn_poker", "--subgame-agent", "uniform", "--max-subgame-nodes", "0"],
         "--max-subgame-nodes"),
        (["--game", "kuhn_poker", "--uniform", "--save-policy", "{file}/p.npz"], "plain.txt"),
        (["--game", "kuhn_poker", "--run", "cfr", "--save-solver", "{file}/s.npz"],
         "plain.txt"),
    ],
    "eval.approx_exploitability": [
        ([], "--checkpoint"),
        (["--checkpoint", "{empty_pt}"], "empty.pt"),
        (["--checkpoint", HANABI_PT], "hanabi"),
        (["--validate", "--validate-game", "phantom_ttt"], "phantom_ttt"),
        (["--validate", "--validate-game", "tiny_hanabi"], "tiny_hanabi"),
        (["--alpha", "-0.5", "--checkpoint", ADH], "'-0.5'"),
        (["--histories", "0", "--checkpoint", ADH], "--histories"),
        (["--rollouts", "0", "--checkpoint", ADH], "--rollouts"),
        (["--train-games", "0", "--checkpoint", ADH], "--train-games"),
        (["--games-per-update", "0", "--checkpoint", ADH], "--games-per-update"),
        (["--eval-games", "0", "--checkpoint", ADH], "--eval-games"),
        (["--seed", "-1", "--checkpoint", ADH], "--seed"),
        (["--threads", "0", "--checkpoint", ADH], "--threads"),
        (["--out", "{file}/r.json", "--checkpoint", ADH], "plain.txt"),
    ],
    "eval.small_games": [
        (["--game", "nosuchgame"], "nosuchgame"), (["--game", "hanabi(players=2)"], "hanabi"),
        (["--update", "md", "--game", "kuhn_poker"], "kuhn_poker"),
        (["--iterations", "0"], "--iterations"), (["--every", "0"], "--every"),
        (["--eta", "0"], "--eta"), (["--alpha", "-1"], "--alpha"),
        (["--csv", "{file}/rows.csv"], "plain.txt"),
    ],
    "eval.compare_search": [
        (["--small", "nosuchgame"], "nosuchgame"),
        (["--small", "kuhn_poker(players=3)"], "kuhn_poker(players=3)"),
        (["--large", "nosuchgame"], "nosuchgame"),
        (["--eta", "0"], "--eta"), (["--alpha", "-1"], "--alpha"),
        (["--iterations", "0"], "--iterations"), (["--games", "0"], "--games"),
        (["--out", "{file}/sub"], "plain.txt"),
    ],
    "eval.train_blueprint": [
        (["--game", "nosuchgame", "--out", "{tmp}/t.pt"], "nosuchgame"),
        (["--game", "tiny_hanabi", "--out", "{tmp}/t.pt"], "tiny_hanabi"),
        (["--game", "kuhn_poker", "--out", "{file}/t.pt"], "plain.txt"),
        (["--game", "kuhn_poker", "--out", "{tmp}/t.pt", "--ship", "{file}/s.pt"], "plain.txt"),
        (["--game", "kuhn_poker", "--out", "{tmp}/none.pt", "--resume"], "none.pt"),
        *[(["--game", "kuhn_poker", "--out", "{tmp}/t.pt", flag, value], flag)
          for flag, value in (("--updates", "0"), ("--games-per-update", "0"),
                              ("--hidden", "0,5"), ("--lr", "0"), ("--epochs", "0"),
                              ("--minibatch", "0"), ("--alpha", "0"), ("--alpha-final", "-1"),
                              ("--eta", "0"), ("--eta-final", "0"), ("--entropy-coef", "-1"),
                              ("--clip", "1.5"), ("--eval-every", "0"), ("--eval-games", "0"),
                              ("--seed", "-1"), ("--threads", "0"))],
    ],
    "eval.bench.solvers": [
        (["--games", "leduc_poker(players=3)"], "leduc_poker(players=3)"),
        (["--iterations", "0"], "--iterations"), (["--budget", "0"], "--budget"),
        (["--systems", "nosuchsystem"], "nosuchsystem"),
        (["--json", "{file}/r.json"], "plain.txt"),
    ],
    "eval.bench.bots": [
        (["--games", "0"], "--games"), (["--python-games", "0"], "--python-games"),
        (["--rollouts", "0"], "--rollouts"), (["--players", "7"], "'7'"),
        (["--bots", "nosuchbot"], "nosuchbot"), (["--threads", "0"], "--threads"),
        (["--repeats", "0"], "--repeats"),
    ],
    "eval.bench.engine": [
        (["--players", "6"], "'6'"), (["--seconds", "0"], "--seconds"),
        (["--rounds", "0"], "--rounds"), (["--seed", "-1"], "--seed"),
        (["--parity", "0"], "--parity"),
    ],
    "eval.bench.native_mlp": [
        (["--checkpoints", "{tmp}/missing.pt"], "missing.pt"),
        (["--rounds", "0"], "--rounds"), (["--calls", "10"], "--calls"),
        (["--games", "0"], "--games"),
    ],
    "eval.bench.neural": [
        (["vs-uniform", "--checkpoint", "{tmp}/missing.pt"], "missing.pt"),
        (["vs-uniform", "--checkpoint", "{empty_pt}"], "empty.pt"),
        (["vs-uniform", "--checkpoint", HANABI_PT], "hanabi"),
        (["head-to-head", "--checkpoint", ADH], "--other"),
        (["head-to-head", "--checkpoint", ADH, "--other", "{tmp}/missing.pt"], "missing.pt"),
        *[(["vs-uniform", "--checkpoint", ADH, flag, value], flag)
          for flag, value in (("--decisions", "0"), ("--histories", "0"), ("--rollouts", "0"),
                              ("--games", "0"), ("--eta", "0"), ("--alpha", "-1"),
                              ("--chunk", "0"), ("--seed", "-1"), ("--threads", "0"))],
    ],
    "eval.bench.neural_hanabi": [
        (["rollouts", "--checkpoint", "{empty_pt}"], "empty.pt"),
        (["rollouts", "--checkpoint", "{tmp}/missing.pt"], "missing.pt"),
        (["rollouts", "--moves", "4,x"], "4,x"), (["rollouts", "--columns", "0"], "--columns"),
        (["rollouts", "--out", "{file}/r.json"], "plain.txt"),
        *[(["play", flag, value], flag)
          for flag, value in (("--games", "0"), ("--decks", "-1"), ("--eta", "0"),
                              ("--rollouts", "0"), ("--histories", "0"),
                              ("--belief-epsilon", "2"), ("--seed", "-1"), ("--threads", "0"))],
    ],
    "eval.bench.phantom": [
        (["--games", "kuhn_poker"], "kuhn_poker"), (["--games", "nosuchgame"], "nosuchgame"),
        *[([flag, value], flag)
          for flag, value in (("--random-games", "0"), ("--seed", "-1"), ("--max-nodes", "0"),
                              ("--rollouts-python", "0"), ("--rollouts-native", "0"),
                              ("--repeats", "0"))],
        (["--json", "{file}/r.json"], "plain.txt"),
    ],
    "eval.bench.search_speed": [
        *[([flag, value], flag)
          for flag, value in (("--players", "6"), ("--games", "0"), ("--every", "0"),
                              ("--epsilon", "0"), ("--eta", "0"), ("--md-rollouts", "0"),
                              ("--sparta-rollouts", "0"), ("--seed", "-1"))],
    ],
    "eval.bench.tournament": [
        (["--games", "0"], "--games"), (["--workers", "0"], "--workers"),
    ],
}
