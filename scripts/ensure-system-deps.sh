#!/usr/bin/env bash
# Makes sure the system tools the tests need are present: Chromium (browser tests), dcmtk
# (independent DICOM checks and DICOM network peers), Orthanc with its GDCM plugin (a real PACS for
# the network tests), Debian's PyTorch stack (training pipeline tests). With --bench also what
# `npm run bench` compares against: pydicom's GDCM decoder for JPEG Lossless. On Debian as root
# it installs what is missing; elsewhere it says what to install and fails.
set -euo pipefail

PY=/usr/bin/python3
APT_PACKAGES=(chromium dcmtk orthanc orthanc-gdcm python3-torch python3-onnx python3-numpy python3-scipy python3-pydicom python3-pil python3-pytest python3-yaml)

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v dcmdump >/dev/null 2>&1 || missing+=(dcmtk)
command -v Orthanc >/dev/null 2>&1 || [ -x /usr/sbin/Orthanc ] || missing+=(orthanc)
[ -f /usr/share/orthanc/plugins/libOrthancGdcm.so ] || missing+=(orthanc-gdcm)
if [ ! -x "$PY" ] || ! "$PY" -c 'import torch, onnx, numpy, scipy, pydicom, PIL, pytest, yaml' >/dev/null 2>&1; then
  missing+=(python3-torch python3-onnx python3-numpy python3-scipy python3-pydicom python3-pil python3-pytest python3-yaml)
fi
if [ "${1:-}" = --bench ]; then
  APT_PACKAGES+=(python3-gdcm)
  "$PY" -c 'import gdcm' >/dev/null 2>&1 || missing+=(python3-gdcm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
  echo "ensure-system-deps: installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
  exit 0
fi

cat >&2 <<MSG
The tests need system packages that are missing: ${missing[*]}
Install them, then run npm test again. On Debian/Ubuntu (as root):
  apt-get update && apt-get install -y ${APT_PACKAGES[*]}
Elsewhere: Chromium at /usr/bin/chromium, DCMTK (dcmdump, storescu), Orthanc with its GDCM plugin, and Python 3 at /usr/bin/python3 with
torch (1.13+), onnx, numpy, scipy, pydicom, Pillow, pytest and PyYAML (for npm run bench also GDCM's Python module).
MSG
exit 1
