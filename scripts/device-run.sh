#!/usr/bin/env bash
# device-run.sh ARGS...: on a lent GPU machine, in the copied repository's
# root with bin/srcascade-device.xz carried (scripts/device-pack.sh), run
# `srcascade ARGS...` on XLA with JAX's CUDA PJRT plugin, which that machine's
# Python has (jax-cuda13-pjrt): the plugin's path becomes the backend
# ($GOMLX_BACKEND, which srcascade reads when --backend is not given) and the
# CUDA libraries of the nvidia-* Python packages go on the library path. The
# photo models are read from pretrained/ ($SRCASCADE_WEIGHTS). Examples:
#   scripts/device-run.sh bench upscale -m sr3-x4-real
#   scripts/device-run.sh train --hr photos --val val -s 4 --init sr3-x4-real ... --out "$OUT/run"
# DEVICE_RUN_BACKEND=go runs the same on the Go backend (to try this script
# on a machine without the plugin).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${DEVICE_RUN_BACKEND:-}" ]; then
  backend=$DEVICE_RUN_BACKEND
else
  py=${PYTHON:-python3}
  if ! plugin_dir=$("$py" -c 'import os, jax_plugins.xla_cuda13 as p; print(os.path.dirname(p.__file__))'); then
    echo "device-run: no JAX CUDA PJRT plugin (jax_plugins.xla_cuda13) in $py" >&2
    exit 2
  fi
  backend=$(ls "$plugin_dir"/*.so | head -1)
  nvidia=$("$py" -c 'import os, nvidia; print(list(nvidia.__path__)[0])' 2>/dev/null || true)
  libs=$(ls -d "$nvidia"/*/lib 2>/dev/null | tr '\n' ':' || true)
  export LD_LIBRARY_PATH="${libs}${LD_LIBRARY_PATH:-}"
fi
export GOMLX_BACKEND=$backend SRCASCADE_WEIGHTS=$PWD/pretrained GOMLX_NO_AUTO_INSTALL=1
bin=${TMPDIR:-/tmp}/srcascade-device
xz -dc bin/srcascade-device.xz > "$bin"
chmod +x "$bin"
echo "device-run: backend $backend" >&2
exec "$bin" "$@"
