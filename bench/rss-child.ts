import { startEngine } from '../src-main/app/engine.js';
import { setLogLevel } from '../src-main/log.js';

/** Runs in its own process: triages one folder and reports the process's peak resident memory. */
setLogLevel('error');
const [folder] = process.argv.slice(2);
const start = performance.now();
const engine = await startEngine({ dbPath: ':memory:', settleMs: 0, quarantineDir: null, providers: [] });
await engine.ingestPaths([folder!]);
await engine.whenIdle();
const studies = await engine.api.listStudies({});
await engine.close();
process.stdout.write(
  JSON.stringify({
    slices: studies.reduce((n, s) => n + s.sliceCount, 0),
    seconds: (performance.now() - start) / 1000,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
