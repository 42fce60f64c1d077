#!/bin/bash
# Best-response learner vs exact best responses on the small ADH boards (issue 15, build 1),
# including a trained network per board and MMD search over uniform and over that network.
# 3 seeds x 2 restarts x 20,480 games, 4,000 evaluation games per case. Usage: run.sh 22|23|c23
cd "$(dirname "$0")/../../.."
PY=${PY:-.venv/bin/python}
V=results/kept/issue15_validation
case $1 in
22) G="dark_hex(board_size=2,gameversion=adh)"; NET=$V/adh22_mmd.pt ;;
23) G="dark_hex(num_rows=2,num_cols=3,gameversion=adh)"; NET=$V/adh23_mmd.pt ;;
# a reduced phantom game: classical dark hex has phantom tic-tac-toe's rule (a move onto a hidden occupied
# cell reveals it and the player moves again); its net: train_blueprint --game G --algorithm mmd --updates 300
# --hidden 128,128 --alpha 0.1 --alpha-final 0.1 --eta 0.2 --eta-final 0.05 --eta-schedule linear (cdh23_mmd_train.log)
c23) G="dark_hex(num_rows=2,num_cols=3,gameversion=cdh)"; NET=$V/cdh23_mmd.pt ;;
esac
[ -f $V/validate_$1.jsonl ] && exit 0
$PY -m uedtp.eval.approx_exploitability --validate --validate-game "$G" --validate-checkpoint $NET \
  --validate-search --eta 2 --alpha 0.1 --train-games 20480 --restarts 2 --seeds 3 --eval-games 4000 \
  --threads 1 --no-progress --out $V/validate_$1.part > $V/validate_$1.log 2>&1 \
  && mv $V/validate_$1.part $V/validate_$1.jsonl
