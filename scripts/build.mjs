#!/usr/bin/env node
// `npm run build`: the production build into dist/ (what a packaged app runs; no TypeScript loader):
// the Electron main process and the inference worker (dist/main), the sandboxed preload
// (dist/preload), the renderer (dist/renderer) and the third-party licences. ICHTRIAGE_DIST builds elsewhere.
import path from 'node:path';
import { buildMain, buildPreload, buildRenderer, buildWorker, ROOT, writeLicences } from './build-targets.mjs';

const dist = process.env.ICHTRIAGE_DIST ? path.resolve(process.env.ICHTRIAGE_DIST) : path.join(ROOT, 'dist');
await Promise.all([buildMain(dist), buildWorker(dist), buildPreload(dist), buildRenderer(dist)]);
await writeLicences(dist);
process.stdout.write(`ichtriage: built ${path.relative(ROOT, dist) || '.'}/ (main, inference worker, preload, renderer, licences)\n`);
