// Electron main process: lifecycle and window only. The engine, the IPC wiring and the options are
// the same modules browser mode uses; nothing here knows about studies or layout.
import { app, BrowserWindow, ipcMain } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { startEngine } = await import('./engine.ts');
const { parseLaunchOptions } = await import('./launch-options.ts');
const { ensureRendererBuilt, REPO_ROOT } = await import('./renderer-build.ts');
const { serveIpc } = await import('../transport/ipc/serve-ipc.ts');
const { buildPreload } = await import('../preload/build-preload.ts');

const options = parseLaunchOptions(process.argv.slice(app.isPackaged ? 1 : 2).filter((arg) => arg !== '--no-open'));
const [rendererDir, preload] = await Promise.all([ensureRendererBuilt(), buildPreload(path.join(REPO_ROOT, 'dist', 'preload', 'preload.cjs'))]);
await app.whenReady();
const engine = await startEngine(options.engine);
const indexHtml = path.join(rendererDir, 'index.html');
const appUrl = pathToFileURL(indexHtml).href;

const stopIpc = serveIpc(engine.api, ipcMain, {
  isTrustedUrl: (url) => url.split('#')[0].split('?')[0] === appUrl,
  targets: () => BrowserWindow.getAllWindows().map((window) => window.webContents),
});

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

function createWindow() {
  const window = new BrowserWindow({
    width: 1600,
    height: 1000,
    minWidth: 1280,
    minHeight: 720,
    backgroundColor: '#0f1216',
    title: 'ichtriage',
    webPreferences: { preload, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false },
  });
  void window.loadFile(indexHtml);
}

createWindow();
app.on('activate', () => BrowserWindow.getAllWindows().length === 0 && createWindow());
app.on('window-all-closed', () => app.quit());
let closing = false;
app.on('will-quit', (event) => {
  if (closing) return;
  closing = true;
  event.preventDefault();
  stopIpc();
  void engine.close().finally(() => app.exit(0));
});
