import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readInboxFile } from '../../src-main/pipeline/inbox/read-inbox-file.js';

describe('readInboxFile', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-read-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns every byte of a file larger than one read, in its own aligned buffer', async () => {
    const content = randomBytes(3 * 1024 * 1024 + 7);
    const file = path.join(dir, 'big.dcm');
    await writeFile(file, content);
    const read = await readInboxFile(file);
    assert.ok(read.ok);
    assert.equal(read.bytes.byteOffset, 0);
    assert.deepEqual(Buffer.from(read.bytes.buffer, read.bytes.byteOffset, read.bytes.length), content);
  });

  it('returns an empty file as no bytes, for the decoder to reject', async () => {
    const file = path.join(dir, 'empty.dcm');
    await writeFile(file, '');
    const read = await readInboxFile(file);
    assert.ok(read.ok);
    assert.equal(read.bytes.length, 0);
  });

  it('refuses a file above the limit without reading it', async () => {
    const file = path.join(dir, 'over.dcm');
    await writeFile(file, randomBytes(2048));
    const read = await readInboxFile(file, 2047);
    assert.deepEqual(read.ok ? null : read.code, 'TOO_LARGE');
  });
});
