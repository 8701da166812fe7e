import type { ReadsCsvFormat, ReadsImportResult } from '../contract/dto.js';
import { ApiError } from '../contract/errors.js';
import { matchReads, parseReadsCsv, ReadsCsvError } from '../analysis/reads-csv.js';
import type { TriageStore } from '../store/triage-store.js';

/**
 * Imports radiologists' reads from CSV (RSNA or CQ500 form), matched to stored studies by
 * SOPInstanceUID or patient name; what matches nothing is reported, never dropped silently.
 */
export function importReadsCsv(
  store: TriageStore,
  format: ReadsCsvFormat,
  csvText: string,
  reader?: string,
): { summary: ReadsImportResult; studyIds: number[] } {
  let parsed;
  try {
    parsed = parseReadsCsv(csvText, format);
  } catch (error) {
    if (error instanceof ReadsCsvError) throw new ApiError('INVALID_ARGUMENT', error.message);
    throw error;
  }
  const matched = matchReads(
    parsed,
    {
      findStudyByName: (name) => {
        const studies = store.studies.findByPatient(name);
        return studies.length === 1 ? studies[0]!.id : null;
      },
      findStudyBySop: (sop) => store.instances.findSliceBySop(sop),
    },
    reader ? { rsnaReader: reader } : {},
  );
  const source = `import:${format}`;
  store.transaction(() => {
    for (const read of matched.reads) {
      // Imported findings stay as stated: a class a CSV does not mention is unknown, not absent.
      const stored = store.reads.insert({ ...read, findings: read.findings as Record<string, boolean>, source });
      store.audit.record(read.reader, 'read-imported', read.studyId, { readId: stored.id, source });
    }
  });
  return {
    summary: { format, imported: matched.reads.length, unmatched: matched.unmatched },
    studyIds: [...new Set(matched.reads.map((r) => r.studyId))],
  };
}
