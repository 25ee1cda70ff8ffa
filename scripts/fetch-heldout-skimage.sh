#!/usr/bin/env bash
# A second held-out set of natural photos for checking claims (never for training or
# tuning): eight images of scikit-image's data folder (Debian package python3-skimage;
# none is in Set5/Set14 or in scripts/fetch-train-photos.sh), each cut into four 256x256
# crops centred at the quarter points (clamped inside the image), as the first held-out
# set is cut from the training script's validation photos.
#
# usage: scripts/fetch-heldout-skimage.sh OUT_DIR     (needs apt-get download and python3-pil)
set -euo pipefail
out=${1:?usage: fetch-heldout-skimage.sh OUT_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$work"
if ! apt-get download python3-skimage >/dev/null 2>&1; then
  apt-get update >/dev/null
  apt-get download python3-skimage >/dev/null
fi
dpkg -x python3-skimage_*.deb x
data=$(dirname "$(find x -path '*skimage/data/astronaut.png' | head -1)")
python3 - "$data" "$out" <<'PY'
import sys
from PIL import Image
data, out = sys.argv[1], sys.argv[2]
names = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png",
         "camera.png", "brick.png", "grass.png"]
for name in names:
    im = Image.open(f"{data}/{name}")
    im = im.convert("L" if im.mode in ("L", "I;16", "1") else "RGB")
    w, h = im.size
    i = 0
    for fy in (1, 3):
        for fx in (1, 3):
            x = min(max(w * fx // 4 - 128, 0), w - 256)
            y = min(max(h * fy // 4 - 128, 0), h - 256)
            im.crop((x, y, x + 256, y + 256)).save(f"{out}/{name.rsplit('.', 1)[0]}_{i}.png")
            i += 1
PY
ls "$out" | wc -l
