#!/usr/bin/env bash
# Interleaved Go (GoMLX Go backend) against PyTorch on the same networks, in CPU
# seconds (BENCHMARKS.md, "Engine"): per round, the Go UNet evaluation and
# training step (sr3's BenchmarkCompareSample/CompareTrain) and the PyTorch twin
# (sr3_unet_torch.py) of the old and the new default x4 network.
#
# usage: scripts/reference/go-vs-torch.sh [ROUNDS]   (needs python3-torch)
set -euo pipefail
rounds=${1:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
py=${PYTHON:-/usr/bin/python3}
export GOEXPERIMENT=simd GOMLX_BACKEND=go GOMLX_NO_AUTO_INSTALL=1 OMP_WAIT_POLICY=PASSIVE
bin=$(mktemp -d)/sr3.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
(cd "$root" && go test -c -o "$bin" ./sr3)
old="activation=silu;base_channels=64;channel_mults=1,2,2;group_norm_groups=16"
new="activation=relu;base_channels=32;channel_mults=1,2,4;group_norm_groups=8"
cd "$root/sr3"
for ((r = 1; r <= rounds; r++)); do
  SR3_COMPARE="old:auto:$old|new:auto:$new" SR3_BENCH_TILE=384 SR3_COMPARE_REPS=1 \
    "$bin" -test.run XXX -test.bench CompareSample -test.benchtime 1x | grep '^sample' | sed "s/^/go round $r: /"
  SR3_COMPARE="old:auto:$old|new:auto:$new" SR3_COMPARE_REPS=1 \
    "$bin" -test.run XXX -test.bench CompareTrain -test.benchtime 1x | grep '^train' | sed "s/^/go round $r: /"
  "$py" "$root/scripts/reference/sr3_unet_torch.py" --iters 4 --sample-size 384 | sed "s/^/torch old round $r: /"
  "$py" "$root/scripts/reference/sr3_unet_torch.py" --iters 4 --sample-size 384 \
    --act relu --base 32 --mults 1,2,4 --groups 8 | sed "s/^/torch new round $r: /"
done
