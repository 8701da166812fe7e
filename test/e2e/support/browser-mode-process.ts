import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';

/** `src-main/app/browser-mode.ts` as a child process, exactly as `npm start` runs it without Electron. */
export interface BrowserModeProcess {
  url: string;
  origin: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startBrowserMode(args: string[], timeoutMs = 120_000, env: Record<string, string> = {}): Promise<BrowserModeProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src-main/app/browser-mode.ts'), '--no-open', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ICHTRIAGE_LOG: process.env.ICHTRIAGE_LOG ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser mode printed no URL within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = (): void => {
      const match = /ichtriage: open (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`browser mode exited with ${code} before printing its URL:\n${output}`));
    });
  });
  return {
    url,
    origin: new URL(url).origin,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
