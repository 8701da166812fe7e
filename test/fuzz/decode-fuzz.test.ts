import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REJECTION_CODES } from '../../src-main/contract/warnings.js';
import { decodeDicom, readHeader } from '../../src-main/pipeline/decode/index.js';
import { FUZZ_SOURCES, MUTATION_KINDS, generateMutants, pixelDataEnd, type MutationKind } from '../../tools/fuzz/dicom-mutants.js';
import { SHARED_DATA } from '../helpers/paths.js';

/** Per source: every header-boundary truncation plus this many of each random kind (seeded). */
const RANDOM_PER_KIND = 40;

/**
 * Seeded mutants of real files (truncation at every header boundary, byte flips, corrupted
 * lengths, every wrong transfer syntax, bad dimensions, sequences nested 64 to 100,000 deep):
 * decode never throws, every rejection has a known code and a reason, nothing cut short decodes.
 */
describe('decode fuzz on mutated real files', () => {
  for (const [index, source] of FUZZ_SOURCES.entries()) {
    it(source, { timeout: 120_000 }, () => {
      const bytes = new Uint8Array(readFileSync(path.join(SHARED_DATA, source)));
      const end = pixelDataEnd(bytes);
      const kinds = new Map<MutationKind, number>();
      for (const mutant of generateMutants(source, bytes, 7000 + index, RANDOM_PER_KIND)) {
        kinds.set(mutant.kind, (kinds.get(mutant.kind) ?? 0) + 1);
        let outcome;
        try {
          outcome = decodeDicom(mutant.bytes, mutant.name);
          readHeader(mutant.bytes, mutant.name);
        } catch (error) {
          assert.fail(`${mutant.name}: an exception escaped decode: ${String(error)}`);
        }
        if (outcome.ok) {
          const { header, hu } = outcome.instance;
          assert.equal(hu.length, header.Rows * header.Columns, `${mutant.name}: pixel count`);
          if (mutant.kind === 'truncate') assert.ok(mutant.bytes.length >= end, `${mutant.name}: a file cut inside its pixels decoded`);
        } else {
          assert.ok(REJECTION_CODES.includes(outcome.code), `${mutant.name}: unknown code ${outcome.code}`);
          assert.ok(outcome.reason.length > 10, `${mutant.name}: no reason`);
        }
      }
      for (const kind of MUTATION_KINDS.filter((k) => k !== 'nesting' || !source.includes('bigendian'))) {
        assert.ok((kinds.get(kind) ?? 0) > 0, `no ${kind} mutants of ${source}`);
      }
      assert.ok(kinds.get('truncate')! > 60, `${source}: only ${kinds.get('truncate')} truncation points`);
    });
  }
});
