#!/bin/sh
# The benchmark on a machine with neither node nor clang (the lent Xeon: AVX-512 VNNI, python3 with
# numpy, onnxruntime and onnx): runs the static binaries and models of a bundle made here by
#   npm run bench -- --models resnet18,mobilenet_v2 --device-bundle out/device-bench
# (clang-19 -static builds for avx512-vnni and avx2; under 64 MiB so it can travel), times
# onnxruntime on the same QDQ model, and prints the table of `npm run bench`. One core, pinned; with
# --threads 1,4,16 also our int8 on a ctx of 4 and 16 threads and onnxruntime int8 at intra-op 4 and 16
# (then unpinned: every core), in a second table (docs/threads.md).
#   scripts/device-bench.sh [BUNDLE (default out/device-bench)] [--runs N] [--rounds R] [--threads 1,4,16] [--json F]
# About a minute for ResNet-18 and MobileNetV2 at the defaults (3 rounds x 20 runs).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bundle=out/device-bench
case "${1:-}" in -*|'') ;; *) bundle=$1; shift ;; esac
[ -f "$bundle/manifest.json" ] || { echo "device-bench: no $bundle/manifest.json (make it with npm run bench -- --device-bundle $bundle)" >&2; exit 2; }
py=${PYTHON:-python3}
"$py" -c 'import numpy' 2>/dev/null || { echo "device-bench: $py has no numpy" >&2; exit 2; }
"$py" -c 'import onnxruntime' 2>/dev/null || echo "device-bench: $py has no onnxruntime: only our binaries are timed" >&2
chmod +x "$bundle"/*/int8-* "$bundle"/*/float-* 2>/dev/null || true
# Single thread everywhere; one core so the scheduler cannot move the run between caches.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONUNBUFFERED=1
core=${CORE:-2}
pin=
case " $* " in *" --threads "*) core=none ;; esac
if [ "$core" != none ] && command -v taskset >/dev/null 2>&1 && taskset -c "$core" true 2>/dev/null; then pin="taskset -c $core"; fi
echo "device-bench: $(uname -m), $(nproc) cores, pinned to ${pin:-no core}; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec $pin "$py" "$here/lib/device_bench.py" "$bundle" "$@"
