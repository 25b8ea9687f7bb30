#!/bin/bash
# Pretrain autoencoders on one CUDA GPU inside a fixed wall-clock budget.
#
# Usage: OUT=folder [PLAN=file] bash benchmarks/pretrain_gpu.sh [SECONDS]
#
# Several runs share the GPU (each is far too small to fill it). Without PLAN, three:
#   cornn        the cornn preset, batch 1024
#   general      the general preset, batch 1024
#   cornn-noise  the cornn preset, batch 1024, latent noise 0.2 (a smoother latent space?)
# PLAN names a file with one run per line, "NAME OPTIONS..." (options of
# `python -m sklearn_swat.pretrain train`; blank lines and lines starting with # are skipped),
# e.g. benchmarks/gpu_plans/sparse_stage.txt.
# A 150-step probe of all runs at once measures their speed; each run then gets the number of
# steps that fits the budget (its cosine schedule ends on time) and --max-minutes as a backstop.
# Each run's state.pt (weights, optimizer, log: resumable) is copied to $OUT/<run>/; export it
# with `python -m sklearn_swat.pretrain export --workdir $OUT/<run> --name NAME --out FOLDER`.
# Meanwhile tests/test_cuda.py runs once, its report in $OUT/test_cuda.log.
# The runs work in $WORK/probe-<run> and $WORK/run-<run> (WORK defaults to /tmp); a new run
# first removes those of an earlier one of the same name. It exits 1 when a run failed (its
# log says why), after copying the states of those that did not.
#
# Usage: OUT=folder [PLAN=file] bash benchmarks/pretrain_gpu.sh --resume STEPS MINUTES
#
# continues the runs left in $WORK/run-<run> (on the same machine) with their schedules
# stretched to STEPS steps, for at most MINUTES minutes, and copies their states to $OUT again.
#
# DEVICE=cpu (default cuda) runs the same steps on the CPU: a smoke test of this script, e.g.
# OUT=/tmp/smoke DEVICE=cpu PLAN=<a plan with small models> bash benchmarks/pretrain_gpu.sh 90
set -u
declare -A ARGS
RUNS=()
if [ -n "${PLAN:-}" ]; then
  while read -r name args; do
    case "$name" in ""|"#"*) continue ;; esac
    RUNS+=("$name")
    ARGS[$name]="$args"
  done <"$PLAN"
else
  RUNS=(cornn general cornn-noise)
  ARGS=(
    [cornn]="--preset cornn --batch-size 1024 --lr 0.002"
    [general]="--preset general --batch-size 1024 --lr 0.002"
    [cornn-noise]="--preset cornn --batch-size 1024 --lr 0.002 --latent-noise 0.2"
  )
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
WORK=${WORK:-/tmp}
declare -A PIDS
FAILED=0

# train RUN WORKDIR OPTIONS...: one training run in the background. Options common to every
# run come first, then the plan's options for RUN (its --seed, say, overrides the common one),
# then the call's (steps, schedule, budget).
train() {
  local run=$1 workdir=$2
  shift 2
  python3 -m sklearn_swat.pretrain train --device "${DEVICE:-cuda}" --threads 4 --no-progress --seed 0 \
    ${ARGS[$run]} "$@" --workdir "$workdir" &
  PIDS[$run]=$!
}

# wait_runs WHAT: wait for every run's training; a failed one is named and sets FAILED.
wait_runs() {
  for r in "${RUNS[@]}"; do
    wait "${PIDS[$r]}" || { echo "$r: the $1 failed (exit $?)"; FAILED=1; }
  done
}

# copy_states: each run's state.pt to $OUT/<run>/, with its step and last losses.
copy_states() {
  for r in "${RUNS[@]}"; do
    if [ ! -f "$WORK/run-$r/state.pt" ]; then echo "$r: no state"; continue; fi
    cp "$WORK/run-$r/state.pt" "$OUT/$r/"
    python3 -c "
import json, torch
st = torch.load('$WORK/run-$r/state.pt', weights_only=True, map_location='cpu')
log = json.loads(st['log'])
print('$r', 'step', st['step'], 'minutes', round(log['seconds'] / 60, 2), 'loss', log['loss'][-3:],
      'functional', log['functional'][-1], 'reconstruction', log['reconstruction'][-1])"
  done
}

if [ "${1:-}" = "--resume" ]; then
  for r in "${RUNS[@]}"; do
    mkdir -p "$OUT/$r"
    train "$r" "$WORK/run-$r" --warmup 500 --checkpoint-every 250 --steps "$2" --resume \
      --max-minutes "$3" >"$OUT/$r/train2.log" 2>&1
  done
  wait_runs "resumed training"
  copy_states
  exit $FAILED
fi
mkdir -p "$OUT"
BUDGET=${1:-480}
T0=$(date +%s)
[ "${DEVICE:-cuda}" = cuda ] && nvidia-smi -L
timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda.py >"$OUT/test_cuda.log" 2>&1 &
TESTS=$!
for r in "${RUNS[@]}"; do
  # A new run: the folders of an earlier one of the same name would be refused (or resumed).
  rm -rf "$WORK/probe-$r" "$WORK/run-$r"
  train "$r" "$WORK/probe-$r" --steps 150 --warmup 10 --checkpoint-every 50
done
wait_runs "probe"
if [ "$FAILED" != 0 ]; then echo "a probe failed: no training"; exit 1; fi
LEFT=$(( BUDGET - ($(date +%s) - T0) - 45 ))
echo "probe done after $(( $(date +%s) - T0 )) s; $LEFT s left for training"
if [ "$LEFT" -le 20 ]; then echo "the budget of $BUDGET s leaves no time to train after the probe"; exit 1; fi
for r in "${RUNS[@]}"; do
  STEPS=$(python3 -c "
import json, torch
log = json.loads(torch.load('$WORK/probe-$r/state.pt', weights_only=True, map_location='cpu')['log'])
t = log['seconds_at']
print(int(100 / (t[2] - t[0]) * $LEFT * 0.88))")
  echo "$r: ${STEPS} steps"
  mkdir -p "$OUT/$r" "$WORK/run-$r"
  # A pool the probe made (fitted or distilled networks) serves the run too: same settings.
  cp "$WORK/probe-$r/"*_pool.pt "$WORK/probe-$r/fitted_zoo.pt" "$WORK/run-$r/" 2>/dev/null
  train "$r" "$WORK/run-$r" --steps "$STEPS" --warmup 500 --checkpoint-every 250 \
    --max-minutes "$(python3 -c "print(($LEFT - 10) / 60)")" >"$OUT/$r/train.log" 2>&1
done
wait_runs "training"
wait "$TESTS"
copy_states
tail -30 "$OUT/test_cuda.log"
echo "total $(( $(date +%s) - T0 )) s"
exit $FAILED
