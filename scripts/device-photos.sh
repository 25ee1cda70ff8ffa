#!/usr/bin/env bash
# device-photos.sh SRC DST [MIB]: copy training photos from SRC into DST (an
# ignored folder of the repository, such as out/photos) until they fill MIB
# mebibytes, for a device call's carry list. By default MIB is what is left of
# the 64 MiB a call carries after the tracked tree, bin/srcascade-device.xz
# (run scripts/device-pack.sh first) and a 1 MiB margin: about 17. Photos are taken round-robin over
# their sources (the file-name prefix before the first underscore, as
# scripts/fetch-train-photos.sh names them), smallest file first within each
# source, so every source is represented before any gets a second photo; a
# photo that would overflow the budget is skipped. Prints what it took.
set -euo pipefail
src=${1:?usage: device-photos.sh SRC DST [MIB]}
dst=${2:?usage: device-photos.sh SRC DST [MIB]}
[ -d "$src" ] || { echo "device-photos: $src: no such folder" >&2; exit 2; }
if [ -n "${3:-}" ]; then
  budget=$(( $3 * 1048576 ))
else
  root=$(cd "$(dirname "$0")/.." && pwd)
  [ -f "$root/bin/srcascade-device.xz" ] || { echo "device-photos: run scripts/device-pack.sh first (or give MIB)" >&2; exit 2; }
  tree=$(cd "$root" && git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)
  budget=$(( (64 - 1) * 1048576 - tree - $(stat -c %s "$root/bin/srcascade-device.xz") ))
fi
if [ -e "$dst" ] && [ -n "$(ls -A "$dst")" ]; then
  echo "device-photos: $dst is not empty; give a new folder" >&2
  exit 2
fi
mkdir -p "$dst"
# Rank each file within its source by size, then order by rank: round-robin.
find "$src" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' -o -iname '*.webp' \) -printf '%s\t%f\n' |
  awk -F'\t' '{ p = $2; sub(/_.*/, "", p); print p "\t" $1 "\t" $2 }' | sort -t$'\t' -k1,1 -k2,2n |
  awk -F'\t' '{ r[$1]++; print r[$1] "\t" $2 "\t" $3 }' | sort -t$'\t' -k1,1n -k3,3 |
  {
    used=0 n=0
    while IFS=$'\t' read -r _ size name; do
      if (( used + size <= budget )); then
        cp "$src/$name" "$dst/$name"
        used=$((used + size)) n=$((n + 1))
      fi
    done
    echo "device-photos: $n photos, $((used / 1048576)) MiB of $((budget / 1048576)) in $dst"
  }
