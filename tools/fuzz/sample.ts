import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FUZZ_SOURCES, generateMutants, seededRandom, type Mutant } from './dicom-mutants.js';

/**
 * Exactly `count` mutants, an equal share from every source, each share a uniform seeded sample of
 * that source's mutants, made one at a time (selection sampling over two passes: count, then pick),
 * so memory holds one mutant however large the run. `randomPerKind` is raised when a share needs it.
 */
export function* sampleMutants(dataRoot: string, count: number, seed: number, randomPerKind: number): Generator<Mutant> {
  const random = seededRandom(seed);
  let left = count;
  for (const [index, source] of FUZZ_SOURCES.entries()) {
    const share = Math.ceil(left / (FUZZ_SOURCES.length - index));
    const bytes = new Uint8Array(readFileSync(path.join(dataRoot, source)));
    const perKind = Math.max(randomPerKind, Math.ceil(share / 3));
    const mutants = () => generateMutants(source, bytes, seed + index, perKind);
    let remaining = 0;
    for (const _ of mutants()) remaining++;
    let needed = Math.min(share, remaining);
    left -= needed;
    for (const mutant of mutants()) {
      if (needed > 0 && random() * remaining < needed) {
        needed--;
        yield mutant;
      }
      remaining--;
    }
  }
}

/** A file name that says how the mutant was made, safe for any file system. */
export function mutantFileName(mutant: Mutant, index: number): string {
  return `${String(index).padStart(5, '0')}-${mutant.name.replace(/[^A-Za-z0-9.=@#~_-]+/g, '_').slice(0, 150)}.dcm`;
}
