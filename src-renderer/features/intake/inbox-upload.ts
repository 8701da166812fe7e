import type { LiveApi } from '../../api/live-api.js';
import { describeError } from '../../ui/describe-error.js';

/** A file the user dropped or chose, with its path inside what was chosen (folders keep their structure). */
export interface PickedFile {
  relativePath: string;
  file: File;
}

export interface UploadProgress {
  done: number;
  total: number;
}

export interface UploadResult {
  written: number;
  alreadyThere: number;
  failed: { relativePath: string; reason: string }[];
}

/** Files and whole folders from a drop, read through the entries API so that folders are walked. */
export async function filesFromDrop(dataTransfer: DataTransfer): Promise<PickedFile[]> {
  const picked: PickedFile[] = [];
  for (const item of [...dataTransfer.items].filter((candidate) => candidate.kind === 'file')) {
    const entry = item.webkitGetAsEntry();
    if (entry) {
      await walk(entry, picked);
    } else {
      // Files handed over without a file-system entry (a drag from another page or app): the file alone.
      const file = item.getAsFile();
      if (file) picked.push({ relativePath: file.name, file });
    }
  }
  return picked;
}

async function walk(entry: FileSystemEntry, into: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    into.push({ relativePath: entry.fullPath.replace(/^\/+/, ''), file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries answers in batches (100 in Chromium) until it answers an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, into);
  }
}

/** Files from an <input type=file> (a folder input fills webkitRelativePath). */
export function filesFromInput(list: FileList): PickedFile[] {
  return [...list].map((file) => ({ relativePath: file.webkitRelativePath || file.name, file }));
}

function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).slice(String(reader.result).indexOf(',') + 1));
    reader.onerror = () => reject(reader.error ?? new Error(`cannot read ${file.name}`));
    reader.readAsDataURL(file);
  });
}

/**
 * Copies the files into the inbox one at a time through the API (the same call in Electron and in
 * browser mode); the engine then triages them as it does any arrival. The originals are only read.
 */
export async function uploadToInbox(api: LiveApi, files: PickedFile[], onProgress: (progress: UploadProgress) => void): Promise<UploadResult> {
  const result: UploadResult = { written: 0, alreadyThere: 0, failed: [] };
  onProgress({ done: 0, total: files.length });
  for (const [index, { relativePath, file }] of files.entries()) {
    try {
      const copy = await api.addToInbox(relativePath, await base64Of(file));
      if (copy.written) result.written++;
      else result.alreadyThere++;
    } catch (error) {
      result.failed.push({ relativePath, reason: describeError(error) });
    }
    onProgress({ done: index + 1, total: files.length });
  }
  return result;
}
