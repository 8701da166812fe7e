import { z } from 'zod';
import type { TriageApi, TriageApiMethod } from './api.js';
import { ICH_CLASSES } from './classes.js';
import { ApiError } from './errors.js';
import { settingsPatchSchema } from './settings.js';

/**
 * Runtime schemas of every contract method's arguments, as one tuple per method. Both transports
 * check what arrives from the page against them before the engine sees it, so a wrong-typed value
 * is a named INVALID_ARGUMENT and never an exception deep in the engine. Objects lose unknown
 * fields. Kept apart from api.ts so that the preload bundle, which needs only the method names,
 * does not pull in zod.
 */
const studyId = z.int().positive();
const sliceIndex = z.int().nonnegative();
const ichClass = z.enum(ICH_CLASSES);

const worklistQuery = z.object({
  flaggedOnly: z.boolean().optional(),
  unreadOnly: z.boolean().optional(),
  subtype: ichClass.optional(),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
});

const sliceMark = z.object({ sliceIndex, seriesInstanceUid: z.string(), cls: ichClass });

const readInput = z.object({
  studyId,
  reader: z.string(),
  findings: z.partialRecord(ichClass, z.boolean()),
  note: z.string(),
  sliceMarks: z.array(sliceMark),
});

const auditQuery = z.object({
  action: z.string().optional(),
  actor: z.string().optional(),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
});

/** `satisfies` makes the compiler refuse a contract method without a schema, or a schema that disagrees with its signature. */
export const API_ARGUMENTS = {
  getModel: z.tuple([]),
  listStudies: z.tuple([worklistQuery]),
  getStudy: z.tuple([studyId]),
  getSlicePixels: z.tuple([studyId, z.string(), sliceIndex]),
  getSliceCam: z.tuple([studyId, z.string(), sliceIndex, ichClass]),
  recordRead: z.tuple([readInput]),
  // JSON has no undefined: the HTTP client sends an omitted reader as null.
  importReads: z.tuple([z.enum(['rsna', 'cq500']), z.string(), z.string().nullish().transform((reader) => reader ?? undefined)]),
  compare: z.tuple([z.object({ reference: z.string() })]),
  exportCompareCsv: z.tuple([z.object({ reference: z.string() })]),
  listRejected: z.tuple([]),
  listAudit: z.tuple([auditQuery]),
  exportAuditCsv: z.tuple([auditQuery]),
  getSettings: z.tuple([]),
  // Unlike the other objects, a settings patch with an unknown section or field is refused, not trimmed.
  updateSettings: z.tuple([settingsPatchSchema]),
  getStatus: z.tuple([]),
  addToInbox: z.tuple([z.string().min(1).max(1024), z.base64()]),
  openInboxFolder: z.tuple([]),
  getNetworkStatus: z.tuple([]),
  sendResults: z.tuple([studyId, z.string().min(1).max(64)]),
} satisfies { [M in TriageApiMethod]: z.ZodType<Parameters<TriageApi[M]>> };

/** Issues beyond these few only lengthen the message. */
const ISSUES_SHOWN = 3;

function describeIssue(issue: z.core.$ZodIssue): string {
  const [position, ...field] = issue.path;
  const where = position === undefined ? 'arguments' : `argument ${Number(position) + 1}${field.length ? ` (${field.join('.')})` : ''}`;
  return `${where}: ${issue.message}`;
}

/** The arguments as the engine may receive them, or INVALID_ARGUMENT naming what is wrong and where. */
export function parseApiArguments<M extends TriageApiMethod>(method: M, args: unknown): Parameters<TriageApi[M]> {
  const result = API_ARGUMENTS[method].safeParse(args);
  if (result.success) return result.data as Parameters<TriageApi[M]>;
  const issues = result.error.issues;
  const more = issues.length > ISSUES_SHOWN ? `; and ${issues.length - ISSUES_SHOWN} more` : '';
  throw new ApiError('INVALID_ARGUMENT', `Invalid call to ${method}: ${issues.slice(0, ISSUES_SHOWN).map(describeIssue).join('; ')}${more}.`);
}
