import { transferSyntaxInfo } from '../../pipeline/decode/transfer-syntax.js';

/** The SOP classes this node serves as SCP (see docs/conformance.md). */
export const VERIFICATION_SOP_CLASS = '1.2.840.10008.1.1';
export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const ENHANCED_CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2.1';

export const STORAGE_SOP_CLASSES: readonly string[] = [CT_IMAGE_STORAGE, ENHANCED_CT_IMAGE_STORAGE];

export type ContextDecision =
  | { accept: true; transferSyntaxUid: string }
  | { accept: false; reason: 'abstract-syntax-not-supported' | 'transfer-syntaxes-not-supported' };

/**
 * Our answer to one proposed presentation context. Storage is accepted in every transfer syntax the
 * engine's decoder reads (so a file is stored exactly as sent, never transcoded), taking the
 * sender's first choice: senders list the syntax their copy is stored in first.
 */
export function decidePresentationContext(abstractSyntaxUid: string, proposedTransferSyntaxes: readonly string[]): ContextDecision {
  const readable =
    abstractSyntaxUid === VERIFICATION_SOP_CLASS
      ? (uid: string) => uid === '1.2.840.10008.1.2' || uid === '1.2.840.10008.1.2.1'
      : STORAGE_SOP_CLASSES.includes(abstractSyntaxUid)
        ? (uid: string) => transferSyntaxInfo(uid) !== undefined
        : null;
  if (!readable) return { accept: false, reason: 'abstract-syntax-not-supported' };
  const chosen = proposedTransferSyntaxes.find(readable);
  return chosen ? { accept: true, transferSyntaxUid: chosen } : { accept: false, reason: 'transfer-syntaxes-not-supported' };
}
