import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { startFileLog } from '../../src-main/app/file-log.js';
import { Workstation } from '../../src-main/app/workstation.js';
import type { EngineEvent } from '../../src-main/contract/dto.js';
import { ApiError } from '../../src-main/contract/errors.js';
import { setLogLevel } from '../../src-main/log.js';
import { defaultModelDir } from '../../src-main/pipeline/infer/detector.js';
import { SHARED_DATA } from '../helpers/paths.js';
import { until } from '../helpers/until.js';

const SLICE = path.join(SHARED_DATA, 'cq500', 'CQ500-CT-1_single_slice', 'CT000000.dcm');

/** The workstation on the real engine: settings applied while running, intake by copy, the audit of access. */
describe('workstation', { timeout: 300_000 }, () => {
  let home: string;
  let workstation: Workstation;
  let fileLog: ReturnType<typeof startFileLog>;
  const events: EngineEvent[] = [];
  const opened: string[] = [];

  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'ichtriage-workstation-'));
    setLogLevel('info');
    fileLog = startFileLog(path.join(home, 'logs'), () => {});
    workstation = await Workstation.start({
      home,
      bundledModelDir: defaultModelDir(),
      overrides: { model: { providers: [] }, intake: { settleMs: 200 } },
      openFolder: async (folder) => void opened.push(folder),
    });
    workstation.api.subscribe((event) => events.push(event));
    await workstation.api.updateSettings({ audit: { readerName: 'Dr Audit' } });
  });
  after(async () => {
    await workstation?.close();
    await fileLog?.close();
    setLogLevel('error');
    await rm(home, { recursive: true, force: true });
  });

  const isInvalid = (pattern: RegExp) => (error: unknown) => error instanceof ApiError && error.code === 'INVALID_ARGUMENT' && pattern.test(error.message);
  const savedFile = async () => JSON.parse(await readFile(path.join(home, 'settings.json'), 'utf8')) as Record<string, Record<string, unknown>>;

  it('saves a change, applies it at once, tells every window, and never saves a launch override', async () => {
    const settings = await workstation.api.updateSettings({ intake: { settleMs: 750 }, notifications: { criticalClasses: ['subdural'] } });
    assert.equal(settings.intake.settleMs, 750);
    assert.deepEqual((await workstation.api.getSettings()).notifications.criticalClasses, ['subdural']);
    const saved = await savedFile();
    assert.equal(saved.intake!.settleMs, 750);
    assert.equal(saved.model, undefined, 'the launch override of providers is not written');
    assert.ok(events.some((event) => event.type === 'settings-changed' && event.settings.intake.settleMs === 750));
  });

  it('refuses a model folder whose files do not match their card, with the reason, and keeps the old model', async () => {
    const bad = path.join(home, 'bad-model');
    await cp(defaultModelDir(), bad, { recursive: true });
    const card = JSON.parse(await readFile(path.join(bad, 'model.json'), 'utf8'));
    await writeFile(path.join(bad, card.files.sliceCnn.path), 'not an onnx file');
    const before = await workstation.api.getSettings();
    await assert.rejects(workstation.api.updateSettings({ model: { folder: bad } }), isInvalid(/refused.*does not match its card/));
    assert.deepEqual(await workstation.api.getSettings(), before);
    assert.equal((await savedFile()).model, undefined);
    await assert.rejects(workstation.api.updateSettings({ model: { folder: path.join(home, 'nowhere') } }), isInvalid(/No model card/));
  });

  it('moves to a new inbox without a restart of the app: a file added there is triaged', async () => {
    const inbox = path.join(home, 'second-inbox');
    await workstation.api.updateSettings({ intake: { inbox } });
    assert.equal((await workstation.api.getStatus()).inbox, inbox);
    const content = await readFile(SLICE);
    const result = await workstation.api.addToInbox('incoming/CT000000.dcm', content.toString('base64'));
    assert.deepEqual(result, { path: path.join('incoming', 'CT000000.dcm'), written: true });
    assert.deepEqual(await readFile(path.join(inbox, 'incoming', 'CT000000.dcm')), content);
    const deadline = Date.now() + 120_000;
    while (!(await workstation.api.listStudies({})).some((study) => study.state === 'done')) {
      assert.ok(Date.now() < deadline, 'the copied slice was not triaged from the new inbox');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The same file again is not a second copy.
    assert.deepEqual(await workstation.api.addToInbox('incoming/CT000000.dcm', content.toString('base64')), { path: path.join('incoming', 'CT000000.dcm'), written: false });
  });

  it('refuses names that would leave the inbox or hide from its watcher', async () => {
    for (const name of ['../escape.dcm', 'a/../../escape.dcm', '.hidden.dcm', 'C:evil.dcm']) {
      await assert.rejects(workstation.api.addToInbox(name, Buffer.from('x').toString('base64')), isInvalid(/not allowed/), name);
    }
  });

  it('copies chosen folders into the inbox with progress, leaving the originals untouched', async () => {
    const source = path.join(home, 'cd-rom', 'STUDY');
    await mkdir(source, { recursive: true });
    await cp(SLICE, path.join(source, 'IM0001'));
    const before = await stat(path.join(source, 'IM0001'));
    const hash = createHash('sha256').update(await readFile(path.join(source, 'IM0001'))).digest('hex');
    const progress: EngineEvent[] = [];
    const stop = workstation.api.subscribe((event) => event.type === 'progress' && event.message.includes('copying') && progress.push(event));
    assert.equal(await workstation.copyIntoInbox([source]), 1);
    stop();
    assert.deepEqual(await readFile(path.join(workstation.settings.intake.inbox, 'STUDY', 'IM0001')), await readFile(SLICE));
    const after = await stat(path.join(source, 'IM0001'));
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.equal(createHash('sha256').update(await readFile(path.join(source, 'IM0001'))).digest('hex'), hash);
    assert.deepEqual(progress.map((event) => event.type === 'progress' && [event.done, event.total]), [[0, 1], [1, 1]]);
  });

  it('audits opening a study once per opening, settings changes and exports, under the configured reader name', async () => {
    const [study] = await workstation.api.listStudies({});
    await workstation.api.getStudy(study!.studyId);
    await workstation.api.getStudy(study!.studyId); // a live refresh of the open study
    const opened = await workstation.api.listAudit({ action: 'study-opened' });
    assert.equal(opened.length, 1);
    assert.equal(opened[0]!.actor, 'Dr Audit');
    assert.equal(opened[0]!.studyId, study!.studyId);
    const changes = await workstation.api.listAudit({ action: 'settings-changed', actor: 'Dr Audit' });
    assert.ok(changes.some((entry) => entry.detail['intake.inbox'] === path.join(home, 'second-inbox')), JSON.stringify(changes));
    const today = new Date().toISOString().slice(0, 10);
    const csv = await workstation.api.exportAuditCsv({ from: today, to: today });
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'id,at,actor,action,studyId,detail');
    assert.ok(lines.some((line) => line.includes(',study-opened,')));
    assert.equal((await workstation.api.listAudit({ action: 'audit-exported' })).length, 1);
    assert.deepEqual(await workstation.api.listAudit({ from: '2000-01-01', to: '2000-01-02' }), []);
    const compared = await workstation.api.exportCompareCsv({ reference: 'majority' });
    assert.match(compared.split('\n')[0]!, /,/);
    assert.equal((await workstation.api.listAudit({ action: 'compare-exported' }))[0]?.actor, 'Dr Audit');
  });

  it('logs to a file in the user data folder, without the patient name or ID of what it triaged', async () => {
    const [study] = await workstation.api.listStudies({});
    assert.equal(study!.patientName, 'CQ500-CT-1', 'the slice carries a patient name to look for');
    // The log is written by an asynchronous stream and rotated daily (at midnight the lines move to a
    // gzip-compressed file beside it), so read the whole folder until the suite's lines are there.
    let logged = '';
    await until('the settings change and the inbox watch in the log folder', () => {
      logged = loggedText(path.join(home, 'logs'));
      return /settings changed: intake\.inbox/.test(logged) && /watching inbox/.test(logged);
    }, 10_000);
    assert.ok(!logged.includes(study!.patientName) && !logged.includes(study!.patientId), 'patient data in the log');
  });

  it('opens the inbox folder in the file manager', async () => {
    await workstation.api.openInboxFolder();
    assert.deepEqual(opened, [path.join(home, 'second-inbox')]);
  });
});

/** Every log file in the folder as text (rotated ones are gzip-compressed; one still being compressed reads as empty). */
function loggedText(folder: string): string {
  return readdirSync(folder)
    .map((name) => {
      const bytes = readFileSync(path.join(folder, name));
      if (!name.endsWith('.gz')) return bytes.toString('utf8');
      try {
        return gunzipSync(bytes).toString('utf8');
      } catch {
        return '';
      }
    })
    .join('');
}
