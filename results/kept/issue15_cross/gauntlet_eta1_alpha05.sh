#!/bin/bash
# MMD search eta 1, alpha 0.5 (the setting the exact small-board sweep favours) against the cross-table pool,
# 500 games per seating. Resumable: rerun.
cd "$(dirname "$0")/../../.."
PY=${PY:-.venv/bin/python}
P=results/kept/issue15_pool
g() { out=$1; game=$2; n=$3
  $PY -m uedtp.eval.tournament --game "$game" --format gauntlet \
    --challengers "mmd(eta=1,alpha=0.5)@torch:${n}_mmd_10m" \
    --agents uniform torch:${n}_mmd_10m torch:${n}_mmd torch:${n}_ppo \
    torch:$P/${n}_mmd_10m_s1.pt torch:$P/${n}_mmd_2m_s1.pt torch:$P/${n}_ppo_2m_s1.pt \
    torch:$P/${n}_mmd_2m_s2.pt torch:$P/${n}_ppo_2m_s2.pt \
    "mmd(eta=2,alpha=0.1)@torch:${n}_mmd_10m" \
    --games 500 --seed 16 --backend serial --no-progress --no-plots --out $out \
    $( [ -f $out/config.json ] && echo --resume ); }
g results/kept/issue15_cross/adh_eta1_alpha05 "dark_hex(board_size=3,gameversion=adh)" adh
g results/kept/issue15_cross/pttt_eta1_alpha05 phantom_ttt pttt
