import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { isPermissionGranted, startDesktopApp, type DesktopApp } from '../../src-main/app/electron/desktop-app.js';
import { notifyCriticalFindings } from '../../src-main/app/electron/desktop-notifications.js';
import type { MenuItemOptions } from '../../src-main/app/electron/electron-like.js';
import { Workstation } from '../../src-main/app/workstation.js';
import type { EngineEvent, Settings, StudySummary } from '../../src-main/contract/dto.js';
import { setLogLevel } from '../../src-main/log.js';
import { defaultModelDir } from '../../src-main/pipeline/infer/detector.js';
import { CONTENT_SECURITY_POLICY } from '../../src-main/transport/http/security.js';
import { EVENT_CHANNEL, IPC_CHANNELS } from '../../src-main/contract/wire.js';
import { SHARED_DATA } from '../helpers/paths.js';
// A stand-in for the electron module: Electron's binary cannot be installed on this machine.
import { createElectronStandIn } from './electron-stand-in.mjs';

const SLICE = path.join(SHARED_DATA, 'cq500', 'CQ500-CT-1_single_slice', 'CT000000.dcm');

function menuItems(template: MenuItemOptions[]): MenuItemOptions[] {
  return template.flatMap((item) => [item, ...menuItems(item.submenu ?? [])]);
}

describe('Electron main process (under a stand-in for the electron module)', { timeout: 300_000 }, () => {
  let home: string;
  let rendererDir: string;
  let standIn: ReturnType<typeof createElectronStandIn>;
  let desktop: DesktopApp;

  const start = (electron = standIn.electron) =>
    startDesktopApp(electron, {
      home,
      rendererDir,
      preloadPath: path.join(home, 'preload.cjs'),
      licencesPath: path.join(home, 'THIRD_PARTY_LICENSES.txt'),
      startWorkstation: (openFolder) => Workstation.start({ home, bundledModelDir: defaultModelDir(), overrides: { model: { providers: [] } }, openFolder }),
    });

  before(async () => {
    setLogLevel('error');
    home = await mkdtemp(path.join(tmpdir(), 'ichtriage-desktop-app-'));
    rendererDir = path.join(home, 'renderer');
    standIn = createElectronStandIn({ userData: home });
    desktop = await start();
  });
  after(async () => {
    await desktop?.workstation?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('opens one window on the app page: context isolation, sandbox, no Node integration, the preload', () => {
    assert.equal(standIn.record.windows.length, 1);
    const [window] = standIn.record.windows;
    const preferences = window!.options.webPreferences;
    assert.equal(preferences.contextIsolation, true);
    assert.equal(preferences.sandbox, true);
    assert.equal(preferences.nodeIntegration, false);
    assert.equal(preferences.webSecurity, true);
    assert.equal(preferences.webviewTag, false);
    assert.equal(preferences.preload, path.join(home, 'preload.cjs'));
    assert.equal(window!.loadedFile, path.join(rendererDir, 'index.html'));
  });

  it('sends the strict CSP with every response', () => {
    let headers: Record<string, string[]> = {};
    standIn.record.headersListener!({ responseHeaders: { 'Content-Type': ['text/html'] } }, (response) => (headers = response.responseHeaders));
    assert.deepEqual(headers['Content-Security-Policy'], [CONTENT_SECURITY_POLICY]);
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'self'/);
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'/);
    assert.deepEqual(headers['Content-Type'], ['text/html']);
  });

  it('denies every permission request but notifications', () => {
    const answers: Record<string, boolean> = {};
    for (const permission of ['notifications', 'media', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen']) {
      standIn.record.permissionRequestHandler!({}, permission, (granted) => (answers[permission] = granted));
      assert.equal(standIn.record.permissionCheckHandler!({}, permission), answers[permission]);
    }
    assert.deepEqual(answers, { notifications: true, media: false, geolocation: false, 'clipboard-read': false, openExternal: false, fullscreen: false });
    assert.equal(isPermissionGranted('notifications'), true);
  });

  it('denies navigation, redirects, webviews and window.open', () => {
    const contents = standIn.record.windows[0]!.webContents;
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      contents.emit(event, { preventDefault: () => (prevented = true) }, 'https://example.org/');
      assert.ok(prevented, event);
    }
    assert.deepEqual(contents.windowOpenHandler!({ url: 'https://example.org/' }), { action: 'deny' });
  });

  it('serves the contract over IPC to its own page only', async () => {
    const appUrl = pathToFileURL(path.join(rendererDir, 'index.html')).href;
    const getSettings = standIn.handlers.get(IPC_CHANNELS.getSettings)!;
    const own = (await getSettings({ senderFrame: { url: appUrl, parent: null } })) as { ok: boolean; value: Settings };
    assert.equal(own.ok, true);
    assert.equal(own.value.intake.inbox, path.join(home, 'inbox'));
    const framed = (await getSettings({ senderFrame: { url: appUrl, parent: {} } })) as { ok: boolean; error: { code: string } };
    assert.deepEqual([framed.ok, framed.error.code], [false, 'UNAUTHORIZED']);
    const elsewhere = (await getSettings({ senderFrame: { url: 'https://example.org/', parent: null } })) as { ok: boolean };
    assert.equal(elsewhere.ok, false);
  });

  it('has an application menu with accelerators whose commands reach the window', async () => {
    const items = menuItems(standIn.record.menus[0]!.template);
    const byLabel = (label: string) => items.find((item) => item.label === label)!;
    assert.equal(byLabel('Open Files…').accelerator, 'CmdOrCtrl+O');
    assert.equal(byLabel('Settings…').accelerator, 'CmdOrCtrl+,');
    assert.equal(byLabel('Worklist').accelerator, 'CmdOrCtrl+1');
    assert.equal(byLabel('Audit of Access').accelerator, 'CmdOrCtrl+2');
    byLabel('Settings…').click!();
    assert.deepEqual(standIn.record.sent.at(-1), { channel: EVENT_CHANNEL, args: [{ type: 'show-screen', screen: 'settings' }] });
    // Open Files… copies what the dialog returns into the inbox.
    const source = path.join(home, 'usb', 'SCAN');
    await mkdir(source, { recursive: true });
    await writeFile(path.join(source, 'IM1'), await readFile(SLICE));
    standIn.record.nextDialogPaths = [source];
    byLabel('Open Files…').click!();
    const copy = path.join(home, 'inbox', 'SCAN', 'IM1');
    const deadline = Date.now() + 10_000;
    while (!(await readFile(copy).then(() => true, () => false))) {
      assert.ok(Date.now() < deadline, 'Open Files… did not copy into the inbox');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(await readFile(copy), await readFile(SLICE));
  });

  it('shows a native notification for a flagged study; its click brings the window forward and opens the study', async () => {
    const window = standIn.record.windows[0]!;
    const focusedBefore = window.focused;
    const study = flaggedStudy(42);
    // The engine's service publishes; the desktop app listens through the workstation like any window.
    (desktop.workstation!.engine.api as unknown as { emit(event: EngineEvent): void }).emit({ type: 'study-updated', study });
    assert.equal(standIn.record.notifications.length, 1);
    const [notification] = standIn.record.notifications;
    assert.equal(notification!.shown, true);
    notification!.click();
    assert.ok(window.focused > focusedBefore);
    assert.deepEqual(standIn.record.sent.at(-1), { channel: EVENT_CHANNEL, args: [{ type: 'open-study', studyId: 42 }] });
  });

  it('lets a second launch quit at once, without a window or an engine', async () => {
    const second = createElectronStandIn({ lockAvailable: false, userData: home });
    const app = await start(second.electron);
    assert.deepEqual(app, { window: null, workstation: null });
    assert.equal(second.record.quit, 1);
    assert.equal(second.record.windows.length, 0);
  });

  it('remembers the window bounds, and on quit closes the engine before exiting', async () => {
    const window = standIn.record.windows[0]!;
    window.bounds = { x: 40, y: 50, width: 1400, height: 900 };
    window.maximized = true;
    window.close();
    const exited = new Promise<number>((resolve) => standIn.appEvents.once('stand-in-exit', resolve));
    standIn.electron.app.quit();
    assert.equal(await exited, 0);
    const saved = JSON.parse(await readFile(path.join(home, 'window-state.json'), 'utf8'));
    assert.deepEqual(saved, { x: 40, y: 50, width: 1400, height: 900, maximized: true });
    // The next start opens where the last one closed.
    const next = createElectronStandIn({ userData: home });
    desktop = await start(next.electron);
    const options = next.record.windows[0]!.options;
    assert.deepEqual([options.x, options.y, options.width, options.height], [40, 50, 1400, 900]);
    assert.equal(next.record.windows[0]!.maximized, true);
  });
});

describe('native critical-finding notifications', () => {
  const settings = (notifications: Partial<Settings['notifications']> = {}) =>
    ({ notifications: { enabled: true, criticalClasses: ['any'], showPatientNames: false, ...notifications } }) as Settings;

  function harness(current: () => Settings) {
    const standIn = createElectronStandIn();
    let listener: (event: EngineEvent) => void = () => {};
    const opened: number[] = [];
    notifyCriticalFindings(standIn.electron, { subscribe: (l) => ((listener = l), () => {}) }, current, (id) => opened.push(id));
    return { standIn, opened, publish: (study: StudySummary) => listener({ type: 'study-updated', study }) };
  }

  it('names the study and its top class, never the patient, and notifies a study once', () => {
    const { standIn, opened, publish } = harness(() => settings());
    publish(flaggedStudy(7));
    publish(flaggedStudy(7));
    publish({ ...flaggedStudy(8), flagged: false, flaggedClasses: [] });
    assert.equal(standIn.record.notifications.length, 1);
    const { title, body } = standIn.record.notifications[0]!.options;
    assert.equal(title, 'Critical finding: Subdural');
    assert.equal(body, 'Study 7 (CT HEAD): Subdural 91%');
    assert.ok(!body.includes('DOE^JANE'));
    standIn.record.notifications[0]!.click();
    assert.deepEqual(opened, [7]);
  });

  it('shows the patient name only when enabled, and nothing when notifications are off or the class is not critical', () => {
    let current = settings({ showPatientNames: true });
    const { standIn, publish } = harness(() => current);
    publish(flaggedStudy(1));
    assert.match(standIn.record.notifications[0]!.options.body, /^DOE\^JANE · Study 1/);
    current = settings({ enabled: false });
    publish(flaggedStudy(2));
    current = settings({ criticalClasses: ['epidural'] });
    publish(flaggedStudy(3));
    assert.equal(standIn.record.notifications.length, 1);
  });
});

function flaggedStudy(studyId: number): StudySummary {
  return {
    studyId,
    studyInstanceUid: `1.2.3.${studyId}`,
    state: 'done',
    errorReason: null,
    receivedAt: '2026-11-29T10:00:00.000Z',
    triagedAt: '2026-11-29T10:00:05.000Z',
    patientName: 'DOE^JANE',
    patientId: 'P1',
    accessionNumber: 'A1',
    studyDescription: 'CT HEAD',
    studyDate: '20261129',
    sliceCount: 30,
    seriesCount: 1,
    scores: { any: 0.95, epidural: 0.1, intraparenchymal: 0.6, intraventricular: 0.05, subarachnoid: 0.2, subdural: 0.91 },
    drivingSeriesUid: '1.2.3.4',
    model: { name: 'fake', version: '1' },
    flagged: true,
    flaggedClasses: ['any', 'intraparenchymal', 'subdural'],
    warningCount: 0,
    read: null,
  };
}
