import { setTimeout as sleep } from 'node:timers/promises';

/** Polls a condition (the engine works asynchronously) until it holds or the time is up. */
export async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
