#!/usr/bin/env bash
# Fetches Google's Noto emoji (64x64) as a class-labelled training set for a base stage:
# OUT_DIR/<category>/<name>.png, one folder per emoji category (smileys-emotion, people-body,
# animals-nature, food-drink, travel-places, activities, objects, symbols, flags), for
#   srcascade train --stage base --data OUT_DIR --size 16
#
# usage: scripts/fetch-emoji.sh [--skin-tones] [--components] OUT_DIR
#
#   --skin-tones   also write the skin-tone variants (NAME-1f3fb.png ...; 5 per person emoji,
#                  which would otherwise make people-body mostly the same shapes five times)
#   --components   also write the "Component" category (five flat skin-tone swatches, not emoji)
#
# Source: the npm package emoji-datasource-google@16.0.0 (npm pack into a temporary folder;
# needs npm and go). Its emoji.json gives each emoji's category and image; img/google/64 holds
# the images, 64x64 RGBA.
#
# The images are composited on white and written as RGB, not RGBA: every stage of the cascade
# is an RGB model (config channels=3), and the super-resolution stages that upscale the base
# stage's output are trained on RGB photos. Keeping alpha as a fourth channel would need RGBA
# stages throughout (and RGBA training data for the SR stages), so the emoji are generated on
# the white they are usually shown on.
#
# The images are data, not source: keep OUT_DIR outside the repository. Emoji artwork:
# Noto Emoji, Apache License 2.0 (see LICENSE in the npm package).
set -euo pipefail

usage() {
  echo "usage: $0 [--skin-tones] [--components] OUT_DIR" >&2
  exit 2
}
args=()
out=
while [ $# -gt 0 ]; do
  case $1 in
    --skin-tones) args+=(-skin-tones) ;;
    --components) args+=(-components) ;;
    -h|--help) usage ;;
    -*) echo "error: unknown option $1" >&2; usage ;;
    *) [ -z "$out" ] || usage; out=$1 ;;
  esac
  shift
done
[ -n "$out" ] || usage
for tool in npm tar go; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "error: $0 needs '$tool', which is not installed" >&2
    exit 1
  fi
done

root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pkg=emoji-datasource-google@16.0.0
echo "fetching $pkg ..." >&2
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
tar -xzf "$tmp"/emoji-datasource-google-*.tgz -C "$tmp" package/emoji.json package/LICENSE package/img/google/64
(cd "$root" && go run ./scripts/fetchemoji ${args[@]+"${args[@]}"} "$tmp/package" "$out")
