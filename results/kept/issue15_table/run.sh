#!/bin/bash
# Approximate exploitability rows of the paper's adversarial table (issue 15, build 3): MMD search
# over the uniform blueprint (the paper's setting: eta 50, alpha 0.01, 10 histories) and over the
# 10M deep-MMD blueprint (eta 2, alpha 0.1), one best-response seed per job at the build-1 budget
# (4 restarts x 40,960 games, 4,000 evaluation games). A job whose JSON exists is skipped, so
# rerunning resumes. Usage: run.sh QUEUE   (QUEUE = a, b or c; the queues can run side by side)
cd "$(dirname "$0")/../../.."
PY=${PY:-.venv/bin/python}
D=results/kept/issue15_table
ADH='dark_hex(board_size=3,gameversion=adh)'
job() { # name seed args...
  name=$1; seed=$2; shift 2
  [ -f $D/${name}_seed$seed.json ] && return
  $PY -m uedtp.eval.approx_exploitability "$@" --train-games 40960 --restarts 4 --seeds 1 \
    --seed $seed --threads 1 --no-progress --out $D/${name}_seed$seed.part > $D/${name}_seed$seed.log 2>&1 \
    && mv $D/${name}_seed$seed.part $D/${name}_seed$seed.json
}
UNI="--agent mmd-search --eta 50 --alpha 0.01 --histories 10"
BP="--agent mmd-search --eta 2 --alpha 0.1"
case $1 in
a) for s in 0 1 2; do job adh_mmd_over_uniform $s $UNI --game "$ADH"; done
   job adh_mmd_over_mmd_10m 2 $BP --checkpoint adh_mmd_10m
   job pttt_mmd_over_mmd_10m 1 $BP --checkpoint pttt_mmd_10m ;;
b) for s in 0 1 2; do job pttt_mmd_over_uniform $s $UNI --game phantom_ttt; done
   job pttt_mmd_over_mmd_10m 2 $BP --checkpoint pttt_mmd_10m ;;
c) for s in 3 4 5 6; do job pttt_mmd_over_uniform $s $UNI --game phantom_ttt; done ;;   # 7 seeds: 0-4 spread 0.13-0.31
esac
