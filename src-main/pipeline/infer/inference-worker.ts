import { parentPort, workerData } from 'node:worker_threads';
import { Detector } from './detector.js';
import { analyseFiles, analyseSlabs } from './slice-analyser.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './worker-protocol.js';

/** Runs decode, preprocessing and both networks off the main thread. */
const setup = workerData as WorkerSetup;
const port = parentPort!;
const ready = Detector.load(setup.modelDir, { providers: setup.providers, threads: setup.threads });

port.on('message', async (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const detector = await ready;
    switch (request.type) {
      case 'info':
        reply = { id: request.id, ok: true, type: 'info', card: detector.card, provider: detector.provider, providerFallback: detector.providerFallback };
        break;
      case 'analyse':
        reply = { id: request.id, ok: true, type: 'analyse', results: await analyseFiles(detector, request.paths, { maxFileBytes: setup.maxFileBytes, deferThinSlices: request.deferThinSlices }) };
        break;
      case 'analyseSlabs':
        reply = { id: request.id, ok: true, type: 'analyseSlabs', results: await analyseSlabs(detector, request.paths, request.slabs, setup.maxFileBytes) };
        break;
      case 'scan':
        reply = {
          id: request.id,
          ok: true,
          type: 'scan',
          probs: await detector.runScan(request.embedding, request.sliceProbs, request.sliceCount),
        };
        break;
    }
  } catch (error) {
    reply = { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
