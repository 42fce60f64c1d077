#!/bin/bash
# Pool cross table (issue 15, build 4): every agent against every other, 500 games per seating
# (1,000 seat-swapped games per pairing), one process. Resumable: rerun this script.
cd "$(dirname "$0")/../../.."
PY=${PY:-.venv/bin/python}
P=results/kept/issue15_pool
table() { # out game prefix
  out=$1; game=$2; g=$3
  $PY -m uedtp.eval.tournament --game "$game" --agents uniform \
    torch:${g}_mmd_10m torch:${g}_mmd torch:${g}_ppo \
    torch:$P/${g}_mmd_10m_s1.pt torch:$P/${g}_mmd_2m_s1.pt torch:$P/${g}_ppo_2m_s1.pt \
    torch:$P/${g}_mmd_2m_s2.pt torch:$P/${g}_ppo_2m_s2.pt \
    "mmd(eta=2,alpha=0.1)@torch:${g}_mmd_10m" "mmd(eta=5,alpha=0.1)@torch:${g}_mmd_10m" \
    --games 500 --seed 15 --backend serial --no-progress --out $out \
    $( [ -f $out/config.json ] && echo --resume )
}
table results/kept/issue15_cross/adh "dark_hex(board_size=3,gameversion=adh)" adh
table results/kept/issue15_cross/pttt phantom_ttt pttt
# The committed record is games.jsonl.gz (plus report.md / summary.json / CSVs); to resume or
# re-report on a fresh clone: gunzip -k results/kept/issue15_cross/*/games.jsonl.gz first.
