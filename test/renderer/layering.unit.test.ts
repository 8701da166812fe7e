import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * The renderer runs in a browser page: it may import itself, the contract, and the pure analysis
 * code (compareToCsv), and nothing that reaches Node, the engine or a transport's server side.
 */
const RENDERER = path.join(REPO_ROOT, 'src-renderer');
const ALLOWED_MAIN = [/^src-main\/contract\//, /^src-main\/analysis\/(compare|csv-format|metrics)\.js$/];
const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'public' ? [] : sources(full);
    return /\.(ts|svelte)$/.test(entry.name) ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((match) => match[1] ?? match[2] ?? match[3]!);
}

describe('renderer layering', () => {
  it('imports only itself, the contract, pure analysis code and browser packages', () => {
    const offences: string[] = [];
    for (const file of sources(RENDERER)) {
      for (const specifier of importsOf(file)) {
        if (specifier.startsWith('node:')) offences.push(`${path.relative(REPO_ROOT, file)} -> ${specifier}`);
        if (!specifier.startsWith('.')) continue;
        const target = path.relative(REPO_ROOT, path.resolve(path.dirname(file), specifier)).split(path.sep).join('/');
        if (target.startsWith('src-renderer/')) continue;
        if (!ALLOWED_MAIN.some((rule) => rule.test(target))) offences.push(`${path.relative(REPO_ROOT, file)} -> ${target}`);
      }
    }
    assert.deepEqual(offences, []);
  });

  it('uses pure analysis modules that import no Node built-ins and nothing outside contract/analysis', () => {
    for (const name of ['compare', 'csv-format', 'metrics']) {
      const file = path.join(REPO_ROOT, 'src-main', 'analysis', `${name}.ts`);
      for (const specifier of importsOf(file)) {
        assert.ok(!specifier.startsWith('node:'), `${name}.ts imports ${specifier}`);
        if (specifier.startsWith('.')) assert.match(specifier, /^\.\.\/contract\/|^\.\/(compare|csv-format|metrics)\.js$/, `${name}.ts imports ${specifier}`);
      }
    }
  });
});
