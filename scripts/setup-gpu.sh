#!/usr/bin/env bash
# `npm run setup:gpu`: installs onnxruntime-node's CUDA 12 execution-provider binaries on a Linux
# machine with network (they are not in the npm package; `npm install` skips them through .npmrc).
# Needs an NVIDIA driver, CUDA 12 and cuDNN 9 libraries on the machine. Windows uses DirectML and
# macOS CoreML as bundled: nothing to install there.
set -euo pipefail
cd "$(dirname "$0")/.."

case "$(uname -s)" in
  Linux) ;;
  *) echo "setup:gpu: only Linux needs this step (Windows uses DirectML, macOS CoreML, both bundled)." >&2; exit 0 ;;
esac
if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "setup:gpu: no NVIDIA driver found (nvidia-smi). Install the driver, CUDA 12 and cuDNN 9 first." >&2
  exit 1
fi
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader

# onnxruntime-node's own installer, told to fetch the CUDA 12 binaries (its install script does not
# run during npm install here: package.json allowScripts keeps it off).
ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js

echo "setup:gpu: done. Start ichtriage; the status bar shows the provider in use (CUDA), or why it fell back to CPU."
