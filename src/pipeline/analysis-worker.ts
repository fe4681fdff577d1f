/**
 * The worker-thread side of `AnalysisPool`: loads the partners the way the gateway did and analyses the
 * files it is sent (scan, syntax and content checks, translation: pure CPU over the bytes and the partner
 * folders), beside the main thread, which keeps the ledger, the ack numbering and the posting.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadPartners } from '../partners/loader';
import type { PartnerRegistry } from '../partners/registry';
import { analyseMessage } from './analyse';
import { analysisWorkerData, type AnalysisReply, type AnalysisRequest } from './analysis-protocol';

const data = analysisWorkerData.parse(workerData);

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
