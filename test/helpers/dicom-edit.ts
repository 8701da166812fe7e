import { readFile, writeFile } from 'node:fs/promises';
import dcmjs from 'dcmjs';

/**
 * Writes a copy of a DICOM file with some attributes changed (naturalized keyword names, e.g.
 * { StudyInstanceUID: '1.2.3', ImageType: ['DERIVED', 'SECONDARY', 'LOCALIZER'] }).
 */
export async function rewriteDicom(source: string, target: string, changes: Record<string, unknown>): Promise<void> {
  const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
  const bytes = await readFile(source);
  const message = DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const dataset = { ...DicomMetaDictionary.naturalizeDataset(message.dict), ...changes };
  message.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  if (typeof changes.SOPInstanceUID === 'string') {
    message.meta = { ...message.meta, '00020003': { vr: 'UI', Value: [changes.SOPInstanceUID] } };
  }
  await writeFile(target, Buffer.from(message.write()));
}
