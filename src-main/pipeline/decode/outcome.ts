import type { DecodedInstance, InstanceHeader } from '../../domain/instance.js';
import type { CodedWarning, RejectionCode } from '../../contract/warnings.js';

export type DecodeFailure = { ok: false; code: RejectionCode; reason: string };
export type HeaderOutcome = { ok: true; header: InstanceHeader; warnings: CodedWarning[] } | DecodeFailure;
export type DecodeOutcome = { ok: true; instance: DecodedInstance } | DecodeFailure;

export function fail(code: RejectionCode, reason: string): DecodeFailure {
  return { ok: false, code, reason };
}
