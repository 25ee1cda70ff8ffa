#!/usr/bin/env bash
# Fetches the ~190 natural training photographs used by `srcascade train` into OUT_DIR.
#
# usage: scripts/fetch-train-photos.sh OUT_DIR [VAL_DIR]
#
# With VAL_DIR, a fixed held-out set (every 24th photo in name order, 8 photos) is moved from
# OUT_DIR to VAL_DIR, for `srcascade train --val VAL_DIR`: model selection never looks at the
# Set5/Set14 benchmarks, and the validation photos are never trained on.
#
# It runs the shared builder train-photos.sh (Debian and npm packages only; needs root for
# apt-get, python3 and npm; about one minute), found at $SRCASCADE_SHARED/datasets/train-photos.sh
# when SRCASCADE_SHARED is set, else at ../shared/datasets/train-photos.sh beside the repository.
# The photos are data, not source: keep OUT_DIR outside the repository (nothing here is committed).
# Many of them are lossy (JPEG, WebP): the training pipeline shrinks lossy HR sources by 2 by
# default (see train.DataOptions.DownscaleHR).
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then
  echo "usage: $0 OUT_DIR [VAL_DIR]" >&2
  exit 2
fi
out=$1
val=${2:-}

root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${SRCASCADE_SHARED:-}" ]; then
  shared=$SRCASCADE_SHARED
else
  shared=$root/../shared
fi
builder=$shared/datasets/train-photos.sh
if [ ! -f "$builder" ]; then
  echo "error: dataset builder not found: $builder" >&2
  echo "  set SRCASCADE_SHARED to the folder holding datasets/train-photos.sh" >&2
  echo "  (default: ../shared beside the repository root $root)" >&2
  exit 1
fi
for tool in apt-get dpkg npm python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "error: $builder needs '$tool', which is not installed" >&2
    exit 1
  fi
done

mkdir -p "$out"
bash "$builder" "$out"
if [ -n "$val" ]; then
  mkdir -p "$val"
  # Every 24th photo in C-locale name order: the same 8 files on every machine.
  LC_ALL=C ls "$out" | grep -v '^SOURCES.tsv$' | awk 'NR % 24 == 12' | while IFS= read -r f; do
    mv "$out/$f" "$val/$f"
  done
  echo "$(ls "$val" | wc -l) validation photos moved to $val"
fi
