#!/usr/bin/env bash
# One-time setup, safe to rerun: system packages (only when some are missing), npm packages, build.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(clang-19 lld-19 llvm-19 qemu-user libc6-dev-arm64-cross libgcc-12-dev-arm64-cross libsimde-dev libonnx-testdata)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO=(sudo)
  fi
  "${SUDO[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "setup: system packages present"
fi

# onnxruntime-node (tests only) ships its CPU binary; its install script would fetch CUDA files.
export ONNXRUNTIME_NODE_INSTALL=skip
# npm keeps node_modules/.package-lock.json in step with what it installed: skip when it is newer
# than package.json and the lock (npm ci would wipe node_modules under running processes).
stamp=node_modules/.package-lock.json
if [ -f "$stamp" ] && [ "$stamp" -nt package.json ] && { [ ! -f package-lock.json ] || [ "$stamp" -nt package-lock.json ]; }; then
  echo "setup: node_modules up to date"
elif [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi
npm run build
echo "setup: done"
