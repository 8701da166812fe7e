import { assembleSeries } from '../src-main/pipeline/assemble/index.js';
import { decodeFile } from '../src-main/pipeline/decode/index.js';

export interface IngestFigure {
  files: number;
  seconds: number;
  slicesPerSecond: number;
}

/**
 * Ingest = read the file (as the engine reads an inbox file), decode it to HU, assemble the series:
 * everything before the network.
 * Best of three passes, so the figure is the code's speed rather than a cold disk cache.
 */
export async function measureIngest(files: string[]): Promise<IngestFigure> {
  let best = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    const start = performance.now();
    const headers = [];
    for (const file of files) {
      const decoded = await decodeFile(file);
      if (!decoded.ok) throw new Error(`${file}: ${decoded.reason}`);
      headers.push({ path: file, header: decoded.instance.header });
    }
    assembleSeries(headers);
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return { files: files.length, seconds: round(best), slicesPerSecond: round(files.length / best) };
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
