import { createHttpApi } from './http-api.js';
import { createIpcApi, type IchtriageBridge } from './ipc-api.js';
import type { LiveApi } from './live-api.js';

const TOKEN_KEY = 'ichtriage.token';

/**
 * Electron: the preload's `window.ichtriage` bridge. Browser mode: the launch URL's
 * `#token=...` fragment, kept in sessionStorage (this tab only) and removed from the address bar so
 * it is not bookmarked or shown.
 */
export function connectApi(): { api: LiveApi } | { error: string } {
  const bridge = (window as unknown as { ichtriage?: IchtriageBridge }).ichtriage;
  if (bridge) return { api: createIpcApi(bridge) };
  const fromFragment = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromFragment) {
    sessionStorage.setItem(TOKEN_KEY, fromFragment);
    history.replaceState(null, '', location.pathname + location.search);
  }
  const token = fromFragment ?? sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    return { error: 'This page needs its access token. Open the full URL that `npm start` (or `ichtriage browser`) printed in the terminal; it ends in #token=…' };
  }
  return { api: createHttpApi({ origin: '', token }) };
}
