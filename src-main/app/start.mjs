#!/usr/bin/env node
// `npm start`: the Electron app when the optional `electron` package is installed (built first into
// dist/, which is what Electron runs), otherwise browser mode (same engine and UI, served on
// 127.0.0.1). Arguments pass through to either.
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);

let electronBinary = null;
try {
  // In Node, the electron package exports the path of its binary.
  electronBinary = require('electron');
} catch {
  electronBinary = null;
}

if (typeof electronBinary === 'string') {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  const child = spawn(electronBinary, [repoRoot, ...args], { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { runBrowserMode } = await import('./browser-mode.ts');
  process.exitCode = await runBrowserMode(args).catch((error) => {
    process.stderr.write(`ichtriage: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  });
}
