import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** Where and how large the window was when it last closed, so the reading room finds it where they left it. */
const windowStateSchema = z.object({
  x: z.int(),
  y: z.int(),
  width: z.int().min(640),
  height: z.int().min(480),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof windowStateSchema>;

export const WINDOW_STATE_FILE = 'window-state.json';

/** The saved state, or null (first run, or a file this version cannot read: the window opens at its default size). */
export async function loadWindowState(home: string): Promise<WindowState | null> {
  try {
    const parsed = windowStateSchema.safeParse(JSON.parse(await readFile(path.join(home, WINDOW_STATE_FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function saveWindowState(home: string, state: WindowState): Promise<void> {
  await writeFile(path.join(home, WINDOW_STATE_FILE), JSON.stringify(state) + '\n');
}
