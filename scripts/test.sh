#!/usr/bin/env bash
# The project's one test command (`npm test`; CI runs it through .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-system-deps.sh
npx tsc -p tsconfig.json
# The production build (Electron main, inference worker, preload, renderer) into dist/: CI builds it on every run.
npm run --silent build

# Unit, integration and browser (Playwright + Chromium) tests, one node:test run.
node --import tsx --test --test-concurrency=1 $(find test -name '*.test.ts' -o -name '*.e2e.ts' | sort)

# The training pipeline's own tests (PyTorch on CPU).
cd models/training && /usr/bin/python3 -m pytest -q -p no:cacheprovider tests
