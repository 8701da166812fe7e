import type { EventEmitter } from 'node:events';
import type { IpcInvokeEventLike } from '../../src-main/transport/ipc/serve-ipc.js';
import type { BrowserWindowLike, ElectronLike, MenuItemOptions } from '../../src-main/app/electron/electron-like.js';

export interface StandInWindow extends BrowserWindowLike {
  options: Record<string, unknown> & { webPreferences: Record<string, unknown> };
  loadedFile: string | null;
  focused: number;
  bounds: { x: number; y: number; width: number; height: number };
  maximized: boolean;
  webContents: BrowserWindowLike['webContents'] & EventEmitter & { windowOpenHandler: ((details: { url: string }) => { action: string }) | null };
  close(): void;
}

export interface StandInNotification {
  options: { title: string; body: string };
  shown: boolean;
  click(): void;
}

export interface StandInRecord {
  windows: StandInWindow[];
  menus: { template: MenuItemOptions[] }[];
  notifications: StandInNotification[];
  dialogs: Record<string, unknown>[];
  opened: string[];
  quit: number;
  exitCode: number | null;
  permissionRequestHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null;
  permissionCheckHandler: ((contents: unknown, permission: string) => boolean) | null;
  headersListener: ((details: { responseHeaders?: Record<string, string[]> }, callback: (response: { responseHeaders: Record<string, string[]> }) => void) => void) | null;
  sent: { channel: string; args: unknown[] }[];
  nextDialogPaths?: string[];
}

export function createElectronStandIn(options?: { lockAvailable?: boolean; userData?: string }): {
  electron: ElectronLike;
  record: StandInRecord;
  handlers: Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>>;
  appEvents: EventEmitter;
};
