import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseApiArguments } from '../../src-main/contract/arguments.js';
import { ApiError } from '../../src-main/contract/errors.js';
import { readSettingsFile, SettingsFileError, writeSettingsFile } from '../../src-main/settings/settings-file.js';
import { changedFields, defaultSettings, mergeSettings, type SettingsContext } from '../../src-main/contract/settings.js';

describe('settings file', () => {
  let home: string;
  let context: SettingsContext;
  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'ichtriage-settings-'));
    context = { home, bundledModelDir: '/opt/ichtriage/models/bundled', join: path.join };
  });
  after(() => rm(home, { recursive: true, force: true }));
  const file = () => path.join(home, 'settings.json');

  it('without a file, gives the defaults: inbox and database in the user data folder, the bundled model, names hidden', async () => {
    await rm(file(), { force: true });
    const settings = await readSettingsFile(context);
    assert.equal(settings.intake.inbox, path.join(home, 'inbox'));
    assert.equal(settings.storage.database, path.join(home, 'ichtriage.sqlite'));
    assert.equal(settings.model.folder, '/opt/ichtriage/models/bundled');
    assert.equal(settings.intake.settleMs, 3000);
    assert.equal(settings.notifications.showPatientNames, false);
  });

  it('fills what a file leaves out from the defaults (a file from an older version still loads)', async () => {
    await writeFile(file(), JSON.stringify({ intake: { settleMs: 1500 } }));
    const settings = await readSettingsFile(context);
    assert.equal(settings.intake.settleMs, 1500);
    assert.equal(settings.intake.inbox, path.join(home, 'inbox'));
    assert.deepEqual(settings.notifications, defaultSettings(context).notifications);
  });

  for (const [name, content, message] of [
    ['an unknown field', { intake: { settleMs: 1500, colour: 'red' } }, /colour/],
    ['an unknown section', { printer: { name: 'x' } }, /printer/],
    ['a value of the wrong type', { intake: { settleMs: 'soon' } }, /intake\.settleMs/],
    ['an unknown class', { notifications: { criticalClasses: ['bleed'] } }, /notifications\.criticalClasses/],
    ['a provider listed twice', { model: { providers: ['cuda', 'cuda'] } }, /twice/],
  ] as const) {
    it(`refuses a file with ${name}, naming the file and the field`, async () => {
      await writeFile(file(), JSON.stringify(content));
      await assert.rejects(readSettingsFile(context), (error: unknown) => error instanceof SettingsFileError && error.message.includes(file()) && message.test(error.message));
    });
  }

  it('refuses a file that is not JSON', async () => {
    await writeFile(file(), '{"intake": ');
    await assert.rejects(readSettingsFile(context), /not valid JSON/);
  });

  it('writes atomically: the whole file or the old one, and no temporary file left behind', async () => {
    const settings = mergeSettings(defaultSettings(context), { intake: { settleMs: 2500 }, audit: { readerName: 'Dr Reader' } });
    await writeSettingsFile(home, settings);
    assert.deepEqual(JSON.parse(await readFile(file(), 'utf8')), settings);
    assert.deepEqual(await readSettingsFile(context), settings);
    assert.deepEqual((await readdir(home)).filter((name) => name.endsWith('.tmp')), []);
  });

  it('names the fields that changed', () => {
    const before = defaultSettings(context);
    const after = mergeSettings(before, { intake: { settleMs: 10 }, notifications: { criticalClasses: ['any', 'subdural'] } });
    assert.deepEqual(changedFields(before, after), ['intake.settleMs', 'notifications.criticalClasses']);
  });

  it('as an API argument, refuses unknown sections and fields instead of dropping them', () => {
    assert.deepEqual(parseApiArguments('updateSettings', [{ intake: { settleMs: 100 } }]), [{ intake: { settleMs: 100 } }]);
    for (const patch of [{ intake: { settleMs: 100, extra: 1 } }, { printer: {} }, { intake: { settleMs: -5 } }]) {
      assert.throws(() => parseApiArguments('updateSettings', [patch]), (error: unknown) => error instanceof ApiError && error.code === 'INVALID_ARGUMENT', JSON.stringify(patch));
    }
  });
});
