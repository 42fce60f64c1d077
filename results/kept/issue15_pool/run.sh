#!/bin/bash
cd /work/wt_adv
export PYTHONPATH=$PWD
PY=/work/main/.venv/bin/python
ADH='dark_hex(board_size=3,gameversion=adh)'
run() { # name game algo updates seed extra...
  name=$1; game=$2; algo=$3; upd=$4; seed=$5; shift 5
  if [ -f results/kept/issue15_pool/$name.pt ]; then return; fi
  echo "$(date -u +%T) start $name" >> results/pool/progress.log
  $PY -m uedtp.eval.train_blueprint --game "$game" --algorithm $algo --updates $upd --seed $seed --threads 1 --no-progress --eval-every $upd "$@" --out results/pool/$name.pt --ship results/kept/issue15_pool/$name.pt > results/pool/$name.log 2>&1
  echo "$(date -u +%T) done $name rc=$?" >> results/pool/progress.log
}
MMD="--lr 1e-3 --alpha 0.1 --alpha-final 0.1 --alpha-schedule constant --eta 0.2 --eta-final 0.05 --eta-schedule linear"
PPO="--lr 3e-4 --entropy-coef 0.2"
run adh_mmd_2m_s1 "$ADH" mmd 1340 1 $MMD
run pttt_mmd_2m_s1 phantom_ttt mmd 1000 1 $MMD
run adh_ppo_2m_s1 "$ADH" ppo 1340 1 $PPO
run pttt_ppo_2m_s1 phantom_ttt ppo 1000 1 $PPO
run adh_ppo_2m_s2 "$ADH" ppo 1340 2 $PPO
run pttt_ppo_2m_s2 phantom_ttt ppo 1000 2 $PPO
run adh_mmd_2m_s2 "$ADH" mmd 1340 2 $MMD
run pttt_mmd_2m_s2 phantom_ttt mmd 1000 2 $MMD
run adh_mmd_10m_s1 "$ADH" mmd 6800 1 $MMD
run pttt_mmd_10m_s1 phantom_ttt mmd 5100 1 $MMD
