/**
 * The worker-thread side of `AnalysisPool`: loads the partners the way the gateway did and analyses the
 * files it is sent (scan, syntax and content checks, translation: pure CPU over the bytes and the partner
 * folders), beside the main thread, which keeps the ledger, the ack numbering and the posting.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { loadPartners } from '../partners/loader';
import type { PartnerRegistry } from '../partners/registry';
import { analyseMessage } from './analyse';
import { analysisWorkerData, type AnalysisLoaded, type AnalysisReply, type AnalysisRequest } from './analysis-protocol';

const data = analysisWorkerData.parse(workerData);

// On Linux a nice value belongs to a thread, and pid 0 names the calling one: only this worker yields.
// Elsewhere it would renice the whole process, so it is left alone.
if (data.nice && process.platform === 'linux') {
  try {
    setPriority(0, data.nice);
  } catch {
    // Not being allowed to yield costs speed, never correctness.
  }
}

let registry: PartnerRegistry | undefined;
let loadError: Error | undefined;
try {
  registry = loadPartners(data.partnersRoot, data.loadOptions);
} catch (err) {
  loadError = err instanceof Error ? err : new Error(String(err));
}

async function answer(request: AnalysisRequest): Promise<AnalysisReply> {
  try {
    if (!registry) throw loadError ?? new Error('partners not loaded');
    const result = await analyseMessage(Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength), registry);
    return { id: request.id, result };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { id: request.id, error: { name: e.name, message: e.message, stack: e.stack } };
  }
}

parentPort?.on('message', (request: AnalysisRequest) => {
  void answer(request).then((reply) => parentPort?.postMessage(reply));
});
// A load error is loaded too: every request then answers it.
parentPort?.postMessage({ loaded: true } satisfies AnalysisLoaded);
