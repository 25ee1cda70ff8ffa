#!/usr/bin/env bash
# device-pack.sh: build bin/srcascade-device.xz, a srcascade for a lent GPU
# machine (BENCHMARKS/README: "A lent GPU machine"). It is built with cgo (for
# XLA) and the tags nophoto,noemoji: the photo models are read from the
# repository's pretrained/ folder (SRCASCADE_WEIGHTS), so the binary is about
# 22 MB, 6 MB compressed, and fits beside the working tree in the 64 MiB a
# device call carries. Run it from the repository's root; then name
# bin/srcascade-device.xz in the device call's carry list and start its command
# with scripts/device-run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOEXPERIMENT=simd GOFLAGS=${GOFLAGS:--mod=mod}
mkdir -p bin
go build -tags nophoto,noemoji -ldflags "-s -w" -o bin/srcascade-device ./cmd/srcascade
xz -T0 -9 -c bin/srcascade-device > bin/srcascade-device.xz.tmp
mv bin/srcascade-device.xz.tmp bin/srcascade-device.xz
tree=$(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)
bin=$(stat -c %s bin/srcascade-device.xz)
echo "bin/srcascade-device.xz: $bin bytes; tracked tree: $tree bytes; together $(((tree + bin) / 1048576)) MiB of the 64 MiB a device call carries"
