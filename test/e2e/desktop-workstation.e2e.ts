import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createHttpApi } from '../../src-renderer/api/http-api.js';
import { defaultModelDir } from '../../src-main/pipeline/infer/detector.js';
import { DesktopPage } from './pages/desktop-page.js';
import { StudyPage } from './pages/study-page.js';
import { WorklistPage } from './pages/worklist-page.js';
import { startBrowserMode, type BrowserModeProcess } from './support/browser-mode-process.js';
import { launchChromium, watchPageProblems } from './support/chromium.js';
import { RESULTS_DIR, SHARED_DATA } from './support/paths.js';
import { generatePositivePhantom } from './support/phantom.js';

/**
 * The desktop workstation's own behaviours in browser mode on the real engine: the first-run
 * worklist, intake by "Open folder…" and by drop (copies; the originals stay), a critical-finding
 * Web Notification whose click opens the study, the settings screen (settle time, a refused model
 * folder), and the audit screen with its CSV export. In order, on one app.
 */
const INGEST_TIMEOUT_MS = 400_000;
const CQ500_SCAN = path.join(SHARED_DATA, 'cq500', 'CQ500-CT-0');
const RSNA_SLICES = path.join(SHARED_DATA, 'rsna-slices', 'dicom');

describe('desktop workstation (browser mode, real engine)', { timeout: 1_200_000 }, () => {
  let work: string;
  let home: string;
  let app: BrowserModeProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let desktop: DesktopPage;
  let worklist: WorklistPage;
  let api: ReturnType<typeof createHttpApi>;
  let phantom: { dir: string; studyUid: string };

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'ichtriage-desktop-'));
    home = path.join(work, 'home');
    await mkdir(RESULTS_DIR, { recursive: true });
    phantom = await generatePositivePhantom(path.join(work, 'phantom'), 24, 23);
    // The settle time comes from the settings file (seeded as a user would have saved it), the inbox from ICHTRIAGE_HOME.
    await mkdir(home, { recursive: true });
    await writeFile(path.join(home, 'settings.json'), JSON.stringify({ intake: { settleMs: 1500 }, model: { providers: [] } }));
    app = await startBrowserMode([], 120_000, { ICHTRIAGE_HOME: home });
    api = createHttpApi({ origin: app.origin, token: new URL(app.url).hash.replace('#token=', '') });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true });
    await context.grantPermissions(['notifications'], { origin: app.origin });
    page = await context.newPage();
    problems = watchPageProblems(page);
    await DesktopPage.recordNotifications(page);
    desktop = new DesktopPage(page);
    worklist = new WorklistPage(page);
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('on first run, the empty worklist says where the inbox is and offers to open it or add files', async () => {
    await page.goto(app.url);
    await page.waitForSelector('[data-testid=worklist][data-status=ready]');
    assert.equal(await page.textContent('[data-testid=inbox-path]'), path.join(home, 'inbox'));
    assert.ok(await page.isVisible('[data-testid=open-inbox]'));
    assert.match((await page.textContent('[data-testid=worklist-empty]')) ?? '', /drop them on this window/);
    assert.equal(await page.getAttribute('[data-testid=provider]', 'data-provider'), 'cpu');
    await page.screenshot({ path: path.join(RESULTS_DIR, 'desktop-01-first-run.png') });
  });

  it('copies a chosen folder (CQ500-CT-0) and dropped files (the RSNA slices) into the inbox, and fills the worklist', async () => {
    const cq500 = await desktop.openFolder(CQ500_SCAN);
    assert.deepEqual(cq500, { written: (await readdir(CQ500_SCAN)).length, failed: 0 });
    const rsnaNames = await readdir(RSNA_SLICES);
    const dropped = await desktop.dropFiles(await Promise.all(rsnaNames.map(async (name) => ({ name, base64: (await readFile(path.join(RSNA_SLICES, name))).toString('base64') }))));
    assert.deepEqual(dropped, { written: rsnaNames.length, failed: 0 });
    // Copies, not moves: the originals are still where they were, and the inbox holds identical bytes.
    const inbox = path.join(home, 'inbox');
    assert.deepEqual(await readFile(path.join(inbox, 'CQ500-CT-0', (await readdir(CQ500_SCAN))[0]!)), await readFile(path.join(CQ500_SCAN, (await readdir(CQ500_SCAN))[0]!)));
    assert.deepEqual(await readFile(path.join(inbox, rsnaNames[0]!)), await readFile(path.join(RSNA_SLICES, rsnaNames[0]!)));
    // One CQ500 study plus one study per RSNA slice.
    await worklist.waitForRowCount(1 + rsnaNames.length, INGEST_TIMEOUT_MS);
    const rows = await worklist.rows();
    await worklist.waitForFinished(rows.map((row) => row.uid), INGEST_TIMEOUT_MS);
    assert.equal((await worklist.rows()).length, 1 + rsnaNames.length);
  });

  it('raises one Web Notification for a flagged critical study, without the patient name, and its click opens the study', async () => {
    await cp(phantom.dir, path.join(work, 'phantom-copy', path.basename(phantom.dir)), { recursive: true });
    await desktop.openFolder(path.join(work, 'phantom-copy', path.basename(phantom.dir)));
    await worklist.waitForFinished([phantom.studyUid], INGEST_TIMEOUT_MS);
    const studies = await api.listStudies({});
    const flagged = studies.find((study) => study.studyInstanceUid === phantom.studyUid)!;
    assert.ok(flagged.flagged, 'the positive phantom is flagged');
    await page.waitForFunction((id) => (window as unknown as { __notices: Notification[] }).__notices.some((n) => n.tag === `ichtriage-study-${id}`), flagged.studyId, { timeout: 30_000 });
    const notices = await desktop.notices();
    // Every notice is for a study flagged for `any` (the default critical class), each study once.
    const notifiedIds = notices.map((notice) => Number(notice.tag.replace('ichtriage-study-', '')));
    assert.equal(new Set(notifiedIds).size, notifiedIds.length, JSON.stringify(notices));
    for (const id of notifiedIds) assert.ok(studies.find((study) => study.studyId === id)?.flagged, `study ${id} notified but not flagged`);
    const notice = notices[notifiedIds.indexOf(flagged.studyId)]!;
    assert.match(notice.title, /^Critical finding: /);
    assert.match(notice.body, new RegExp(`^Study ${flagged.studyId}\\b`));
    if (flagged.patientName) assert.ok(!notice.body.includes(flagged.patientName), notice.body);

    await desktop.clickNotice(notifiedIds.indexOf(flagged.studyId));
    await new StudyPage(page).waitReady(flagged.studyId);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'desktop-02-notification-opened.png') });
  });

  it('the settings screen changes the settle time, and refuses a model folder whose files fail their card', async () => {
    await desktop.showSettings();
    assert.equal(await desktop.changeSetting('setting-settle', '1.2'), 'saved');
    assert.equal((await api.getSettings()).intake.settleMs, 1200);
    // Only what was changed is saved: the inbox shown on the form stays a default.
    assert.deepEqual(JSON.parse(await readFile(path.join(home, 'settings.json'), 'utf8')).intake, { settleMs: 1200 });

    const bad = path.join(work, 'bad-model');
    await cp(defaultModelDir(), bad, { recursive: true });
    const card = JSON.parse(await readFile(path.join(bad, 'model.json'), 'utf8'));
    await writeFile(path.join(bad, card.files.scanLstm.path), 'tampered');
    const refusal = await desktop.changeSetting('setting-model', bad);
    assert.match(refusal, /refused.*does not match its card/);
    assert.equal((await api.getSettings()).model.folder, defaultModelDir());
    await page.screenshot({ path: path.join(RESULTS_DIR, 'desktop-03-settings-refusal.png') });
  });

  it('the audit screen lists the opened study and the settings change, and exports them as CSV', async () => {
    await desktop.showAudit();
    const actions = await desktop.auditActions();
    assert.ok(actions.includes('study-opened'), actions.join(','));
    assert.ok(actions.includes('settings-changed'), actions.join(','));
    await page.selectOption('[data-testid=audit-action]', 'study-opened');
    await page.click('[data-testid=audit-filter]');
    await page.waitForSelector('[data-testid=audit-view][data-status=ready]');
    assert.deepEqual([...new Set(await desktop.auditActions())], ['study-opened']);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=audit-export]')]);
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'id,at,actor,action,studyId,detail');
    assert.ok(lines.length >= 2 && lines.slice(1).every((line) => line.includes(',study-opened,')), csv);
    assert.deepEqual(problems, []);
  });
});
