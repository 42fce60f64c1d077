#!/bin/bash
# Issue 14, build 3: the paper's Hanabi table over one network blueprint (hanabi_dagger_w512) with the
# same neural belief for every searcher, 2 players, paired held-out decks 5e12 + g (no trainer deals them).
# Resumable: rerun the same command (finished games are kept; one job per result directory).
# Usage: run.sh table|eta|sparta10k|budgets|joint|all [workers]   (all: each in that order, cheapest first)
# (p2_main, the first attempt, also held MD eta 30 and 150; both collapsed within 77 games — −6 and −21
#  points — and were stopped there to free the CPU; that directory is kept as the record of it.)
cd "$(dirname "$0")/../../.."
PY=${PY:-.venv/bin/python}
T=results/kept/issue14_table
N=torch:hanabi_dagger_w512
W=${2:-1}
run() { out=$1; games=$2; shift 2
  $PY -m uedtp.eval.hanabi --players 2 --games $games --seed 5000000000000 --backend local --workers $W \
    --threads 1 --no-progress --out $T/$out $( [ -f $T/$out/config.json ] && echo --resume ) --agents "$@" \
    >> $T/$out.log 2>&1; }
case $1 in
table) run p2_table 1000 "$N(temperature=0.001)" "$N" "md(eta=6,rollouts=200,act=argmax)@$N" \
        "sparta(rollouts=1000)@$N" ;;
eta) run p2_eta 200 "$N(temperature=0.001)" "md(eta=2,rollouts=200,act=argmax)@$N" \
        "md(eta=12,rollouts=200,act=argmax)@$N" ;;
sparta10k) run p2_sparta10k 1000 "$N(temperature=0.001)" "sparta(rollouts=10000)@$N" ;;
budgets) run p2_budgets 200 "$N(temperature=0.001)" "md(eta=6,rollouts=50,act=argmax)@$N" \
        "md(eta=6,rollouts=800,act=argmax)@$N" "sparta(rollouts=300)@$N" "sparta(rollouts=3000)@$N" ;;
joint) run p2_joint 100 "$N(temperature=0.001)" "sparta-joint(rollouts=1000,max_range=20)@$N" ;;
all) for j in table eta budgets joint sparta10k; do "$0" $j $W; done ;;
esac
