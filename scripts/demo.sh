#!/usr/bin/env bash
# The end-to-end demo: set up, then import, inspect and run the bundled digits model and report
# its accuracy on the bundled test split.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

qforge() { node bin/qforge.js "$@"; }
EX=examples/digits
OUT=out/demo
mkdir -p "$OUT"

echo "== inspect"
qforge inspect "$EX/model.onnx"
echo "== import"
qforge import "$EX/model.onnx" -o "$OUT/digits.qir"
echo "== run (fp32 reference interpreter, 450 test digits)"
qforge run "$OUT/digits.qir" -i input="$EX/test_inputs.npy" -o "$OUT/fp32"
node scripts/accuracy.js "$OUT/fp32/output.npy" "$EX/test_labels.npy"
