#!/usr/bin/env bash
# The main job, end to end on the bundled digits model: set up; import, inspect and run it in the
# reference interpreter; quantize (BN folding, calibration, convert, lowering to integer ops);
# compile int8 C for the host's best target and float C for comparison; build, run both on the
# 450 held-out digits; print accuracy against fp32 and the speed of int8 C against fp32 C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

qforge() { node bin/qforge.js "$@"; }
EX=examples/digits
OUT=out/demo
rm -rf "$OUT" && mkdir -p "$OUT"
BENCH=${BENCH:-5000}

echo "== inspect"
qforge inspect "$EX/model.onnx" | sed -n '1,8p'
echo "== import"
qforge import "$EX/model.onnx" -o "$OUT/digits.qir"
echo "== run fp32 in the reference interpreter (450 test digits)"
qforge run "$OUT/digits.qir" -i input="$EX/test_inputs.npy" -o "$OUT/interp"
FP32=$(node scripts/accuracy.js "$OUT/interp/output.npy" "$EX/test_labels.npy")
echo "$FP32"
echo "== quantize (pytorch-fx quantizer: u8 activations, per-channel s8 weights, 16 calibration samples)"
qforge quantize "$EX/model.onnx" --calib "$EX/calib.npy" --quantizer pytorch-fx -o "$OUT/digits.q.qir" \
  --report "$OUT/report.json" --export-onnx "$OUT/digits.qdq.onnx"
echo "== compile int8 C for the host's best target, build, run"
qforge compile "$OUT/digits.q.qir" --target native -o "$OUT/int8" --build --run -i input="$EX/test_inputs.npy" --bench "$BENCH" | tee "$OUT/int8.log"
INT8=$(node scripts/accuracy.js "$OUT/int8/output.npy" "$EX/test_labels.npy")
echo "== compile fp32 C (same target) for comparison"
qforge compile "$EX/model.onnx" --float --target native -o "$OUT/fp32" --build --run -i input="$EX/test_inputs.npy" --bench "$BENCH" | tee "$OUT/fp32.log"
FLOATC=$(node scripts/accuracy.js "$OUT/fp32/output.npy" "$EX/test_labels.npy")

us() { sed -nE 's/.*median ([0-9.]+) (ms|µs).*/\1 \2/p' "$1" | awk '{ print ($2 == "ms") ? $1 * 1000 : $1 }'; }
T8=$(us "$OUT/int8.log"); TF=$(us "$OUT/fp32.log")
TARGET=$(sed -nE 's/compiled .* for ([a-z0-9-]+):.*/\1/p' "$OUT/int8.log")
echo
echo "== summary (digits MLP, 450 held-out samples, target $TARGET, one thread)"
echo "  fp32 interpreter  ${FP32#accuracy: }"
echo "  fp32 C            ${FLOATC#accuracy: }   median ${TF} µs per inference"
echo "  int8 C            ${INT8#accuracy: }   median ${T8} µs per inference"
awk -v a="$TF" -v b="$T8" 'BEGIN { if (b > 0) printf "  int8 C is %.1fx faster than fp32 C\n", a / b }'
