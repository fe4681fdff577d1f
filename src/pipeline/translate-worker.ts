/**
 * The worker-thread side of `TranslatePool`: loads the partners the way the gateway did and translates
 * the files it is sent. Translation is pure CPU over the partner folders, so it runs beside the main
 * thread, which keeps the ledger, the acks and the posting.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { translate } from '../mapping/translate';
import { loadPartners } from '../partners/loader';
import type { PartnerRegistry } from '../partners/registry';
import { translateWorkerData, type TranslateReply, type TranslateRequest } from './translate-protocol';

const data = translateWorkerData.parse(workerData);

let registry: PartnerRegistry | undefined;
let loadError: Error | undefined;
try {
  registry = loadPartners(data.partnersRoot, data.loadOptions);
} catch (err) {
  loadError = err instanceof Error ? err : new Error(String(err));
}

async function answer(request: TranslateRequest): Promise<TranslateReply> {
  try {
    if (!registry) throw loadError ?? new Error('partners not loaded');
    const result = await translate(Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength), { registry });
    return { id: request.id, result };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { id: request.id, error: { name: e.name, message: e.message, stack: e.stack } };
  }
}

parentPort?.on('message', (request: TranslateRequest) => {
  void answer(request).then((reply) => parentPort?.postMessage(reply));
});
