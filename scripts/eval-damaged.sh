#!/usr/bin/env bash
# Quality of a model on damaged inputs against bicubic, one table row per
# damage (issue 11's measure): Y-PSNR against the clean HR, the gain over
# bicubic, the JPEG block-grid strength (1 = none) and the noise amplification
# (RMS luma change of the output between damaged and clean input, grey levels)
# of bicubic and of the model.
#
#   scripts/eval-damaged.sh HR_DIR [srcascade eval flags...]
#   scripts/eval-damaged.sh crops/ -m sr3-x4 --steps 1
#
# SRCASCADE (default: srcascade on PATH) is the binary; ROWS overrides the
# damage list (space-separated --degrade specs, "none" = clean).
set -euo pipefail
dir=$1
shift
bin=${SRCASCADE:-srcascade}
rows=${ROWS:-"none jpeg=1@50-50 jpeg=1@70-70 jpeg=1@90-90 noise=1@2-2 noise=1@5-5 noise=1@10-10 blur=1@0.5-0.5 blur=1@1-1 blur=1@1.5-1.5 blur=1@0.5-1.5,noise=1@2-10,jpeg=1@50-90"}
echo "| LR input | bicubic | model | gain | grid bicubic / model | noise bicubic / model |"
echo "|---|---:|---:|---:|---|---|"
for spec in $rows; do
	bic=$("$bin" eval -q -s 4 -m bicubic --degrade "$spec" --json "$dir")
	mod=$("$bin" eval -q -s 4 "$@" --degrade "$spec" --json "$dir")
	python3 - "$spec" "$bic" "$mod" <<'PY'
import json, sys
spec, bic, mod = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
b, m = bic["folders"][0]["mean"], mod["folders"][0]["mean"]
def pair(k):
    if k not in m:
        return "-"
    return "%.2f / %.2f" % (m["bicubic_" + k], m[k])
print("| %s | %.2f | %.2f | %+.2f | %s | %s |" % (
    "clean" if spec == "none" else spec, b["psnr_y"], m["psnr_y"], m["psnr_y"] - b["psnr_y"], pair("grid"), pair("noise")))
PY
done
