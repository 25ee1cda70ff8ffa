#!/usr/bin/env bash
# Interleaved speed comparison of srcascade binaries (or of settings) on a
# shared machine: runs each command in turn, ROUNDS times (A, B, A, B, ...),
# reads one number from each run's --json output and prints the medians and
# their ratios to the first. Compare CPU seconds, not wall time: other load
# inflates wall time but not (much) the process's own CPU time.
#
# usage: scripts/bench-interleave.sh ROUNDS FIELD 'CMD A' 'CMD B' ...
#   FIELD: a key of the --json report, e.g. cpu_seconds_per_output_mp_step
#          (bench upscale) or patches_per_cpu_sec (bench train)
# example (BENCHMARKS.md, engine):
#   scripts/bench-interleave.sh 3 cpu_seconds_per_output_mp_step \
#     'old/srcascade bench upscale -m sr3-x4 --size 256 --steps 1' \
#     'bin/srcascade bench upscale -m sr3-x4 --size 256 --steps 1'
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,15p' "$0" >&2
  exit 2
fi
rounds=$1 field=$2
shift 2
declare -a results
for ((r = 1; r <= rounds; r++)); do
  for ((i = 1; i <= $#; i++)); do
    cmd=${!i}
    v=$(eval "$cmd --json -q" | python3 -c "import json,sys; print(json.load(sys.stdin)['$field'])")
    echo "round $r, command $i: $v" >&2
    results[i]="${results[i]:-} $v"
  done
done
python3 - "$field" "$@" <<PY
import statistics, sys
field, cmds = sys.argv[1], sys.argv[2:]
rows = """$(for ((i = 1; i <= $#; i++)); do echo "${results[i]}"; done)""".strip().splitlines()
meds = [statistics.median(float(x) for x in row.split()) for row in rows]
for cmd, row, m in zip(cmds, rows, meds):
    print(f"{m:10.4g}  x{meds[0] / m if 'per_cpu' not in field and 'per_sec' not in field else m / meds[0]:5.2f}  [{row.strip()}]  {cmd}")
PY
