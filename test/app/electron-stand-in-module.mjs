// The stand-in `electron` module for the built main process (see electron-stand-in-loader.mjs).
// Once the app has loaded its page it calls getStatus over IPC as the page would, writes what the
// app asked of Electron to $ICHTRIAGE_STAND_IN_REPORT, and quits the app the way Electron would.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createElectronStandIn } from './electron-stand-in.mjs';

const { electron, record, handlers, appEvents } = createElectronStandIn({ userData: process.env.ICHTRIAGE_HOME });

appEvents.on('stand-in-exit', (code) => process.exit(code));
const loadFile = electron.BrowserWindow.prototype.loadFile;
electron.BrowserWindow.prototype.loadFile = async function (file) {
  await loadFile.call(this, file);
  setImmediate(async () => {
    const status = await handlers.get('ichtriage:call:getStatus')({ senderFrame: { url: pathToFileURL(file).href, parent: null } });
    const window = record.windows[0];
    writeFileSync(
      process.env.ICHTRIAGE_STAND_IN_REPORT,
      JSON.stringify({ loadedFile: file, webPreferences: window.options.webPreferences, ipcChannels: [...handlers.keys()], menu: record.menus[0].template.map((item) => item.label), status }),
    );
    electron.app.quit();
  });
};

export const { app, BrowserWindow, Menu, Notification, session, dialog, ipcMain, shell } = electron;
export default electron;
