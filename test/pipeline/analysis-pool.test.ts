import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadPartners } from '../../src/partners';
import { Gateway } from '../../src/pipeline/gateway';
import { nullSink } from '../../src/pipeline/sink';
import { analyseMessage } from '../../src/pipeline/analyse';
import { AnalysisPool, AnalysisWorkerError } from '../../src/pipeline/analysis-pool';
import { SqliteLedger } from '../../src/store';
import { northgateOrders } from '../support/orders';
import { until } from '../support/wait';

const ROOT = join(__dirname, '..', '..');
const PARTNERS = join(ROOT, 'partners');
// The workers run the TypeScript sources, as jest does.
const PRELOAD = join(__dirname, '..', 'support', 'ts-register.js');

describe('AnalysisPool (scan, checks and translation on worker threads)', () => {
  const pools: AnalysisPool[] = [];
  const pool = (o: Partial<ConstructorParameters<typeof AnalysisPool>[0]> = {}): AnalysisPool => {
    const p = new AnalysisPool({ partnersRoot: PARTNERS, preload: PRELOAD, ...o });
    pools.push(p);
    return p;
  };
  afterEach(async () => {
    for (const p of pools.splice(0)) await p.close();
  });

  it('gives the same analysis (interchanges, ack checks, documents, errors) as the main thread', async () => {
    const registry = loadPartners(PARTNERS);
    const files = [
      northgateOrders({ icn: 501, count: 3, prefix: 'POOL' }),
      // One transaction with a unit of measure the mapping does not know: a mapping error with its position.
      northgateOrders({ icn: 502, count: 3, prefix: 'BAD', badUnitAt: [1] }),
      readFileSync(join(ROOT, 'fixtures', 'edi', 'x12', '004010', '855-po-acknowledgment.edi')),
    ];
    const workers = pool({ workers: 2 });
    const seen = [];
    for (const bytes of files) {
      const here = await analyseMessage(bytes, registry);
      const there = await workers.analyse(bytes);
      expect(there).toEqual(here);
      seen.push(there.interchanges[0].collectedFor);
    }
    // The orders are northgate's, checked with its options; the 855 is one we send, not checked for an ack.
    expect(seen).toEqual(['northgate', 'northgate', undefined]);
    const bad = await workers.analyse(files[1]);
    expect(bad.documents).toHaveLength(2);
    // What the ledger keeps of each: the JSON, and the keys it is found and ordered by.
    expect(JSON.parse(bad.documents[0].json)).toMatchObject({ type: 'order', orderNumber: bad.documents[0].businessKey });
    expect(bad.documents.map((d) => d.orderKey)).toEqual(bad.documents.map((d) => d.businessKey));
    expect(bad.errors).toEqual([expect.objectContaining({ rule: 'code', partner: 'northgate', element: 'PO103', value: 'ZZ' })]);
  });

  it('the workers yield the CPU to the main thread: on Linux their threads run at the nice value asked, the main thread unchanged', async () => {
    const niceOfThreads = (): number[] =>
      readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        // nice is the 19th field of stat(5); the fields after the command name start at the 3rd.
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
    const mainNice = (): number => {
      const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const before = mainNice();
    const workers = pool({ workers: 2 });
    // The worker sets its own priority as it starts; one answered request means it has started.
    await workers.analyse(northgateOrders({ icn: 590, count: 1, prefix: 'NICE' }));
    expect(niceOfThreads().filter((n) => n === 10)).toHaveLength(2);
    expect(mainNice()).toBe(before);
    await workers.close();
    const plain = pool({ workers: 1, nice: 0 });
    await plain.analyse(northgateOrders({ icn: 591, count: 1, prefix: 'NICE' }));
    expect(niceOfThreads().filter((n) => n === 10)).toHaveLength(0);
  });

  it('is ready once every worker has started and loaded the partner folders, also when they fail to load', async () => {
    const niceWorkers = (): number =>
      readdirSync('/proc/self/task').filter((tid) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]) === 10).length;
    const workers = pool({ workers: 2 });
    await workers.ready();
    // Both threads run (they set their priority first thing) before any file was asked of them.
    expect(niceWorkers()).toBe(2);
    await workers.close();
    const broken = mkdtempSync(join(tmpdir(), 'pool-partners-'));
    cpSync(PARTNERS, broken, { recursive: true });
    writeFileSync(join(broken, 'northgate', 'partner.yaml'), 'id: northgate\nmode: sometimes\n');
    const failing = pool({ partnersRoot: broken, loadOptions: { mappingsRoot: join(ROOT, 'mappings') } });
    await failing.ready();
    await expect(failing.analyse(northgateOrders({ icn: 701, count: 1 }))).rejects.toThrow(/northgate/);
    // A worker that never reports (here: one whose preload never returns) delays the start by the bound only.
    const stuck = pool({ preload: join(__dirname, '..', 'support', 'stuck-worker.js') });
    const t = Date.now();
    await stuck.ready(300);
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
  });

  it('runs several files at once and answers each request with its own file', async () => {
    const workers = pool({ workers: 2 });
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => workers.analyse(northgateOrders({ icn: 600 + i, count: i, prefix: `P${i}` }))));
    results.forEach((r, i) => {
      expect(r.documents).toHaveLength(i + 1);
      expect(r.documents.map((d) => d.businessKey)).toEqual(Array.from({ length: i + 1 }, (_, k) => `P${i + 1}-${601 + i}-${k}`));
    });
  });

  it('reports a partner folder that does not load on every request, with the loader’s message', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'pool-partners-'));
    cpSync(PARTNERS, broken, { recursive: true });
    writeFileSync(join(broken, 'northgate', 'partner.yaml'), 'id: northgate\nmode: sometimes\n');
    const workers = pool({ partnersRoot: broken, loadOptions: { mappingsRoot: join(ROOT, 'mappings') } });
    await expect(workers.analyse(northgateOrders({ icn: 700, count: 1 }))).rejects.toThrow(/northgate/);
  });

  it('rejects what is pending when it is closed, and everything after', async () => {
    const workers = pool();
    const pending = expect(workers.analyse(northgateOrders({ icn: 800, count: 40 }))).rejects.toBeInstanceOf(AnalysisWorkerError);
    await workers.close();
    await pending;
    await expect(workers.analyse(northgateOrders({ icn: 801, count: 1 }))).rejects.toThrow(/closed/);
  });

  it.each([
    ['a gateway analysing on the pool', PRELOAD],
    ['a gateway whose analysis worker dies on every file (it analyses in its own thread instead)', join(__dirname, '..', 'support', 'dying-worker.js')],
  ])('%s posts every order once and acknowledges every file', async (_name, preload) => {
    const data = mkdtempSync(join(tmpdir(), 'pool-gw-'));
    const registry = loadPartners(PARTNERS, { dataRoot: data });
    const ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite') });
    const workers = pool({ loadOptions: { dataRoot: data }, preload });
    const gateway = new Gateway({ ledger, registry, sink: nullSink(), logger: pino({ level: 'silent' }), settleMs: 0, dirPollMs: 20, pollMs: 20, analyse: workers.analyse });
    const inbound = join(data, 'exchange', 'northgate', 'inbound');
    mkdirSync(inbound, { recursive: true });
    for (let f = 0; f < 8; f++) writeFileSync(join(inbound, `po-${f}.edi`), northgateOrders({ icn: 900 + f, count: 5, prefix: `GW${f}`, badUnitAt: f === 3 ? [2] : [] }));
    await gateway.start();
    try {
      await until(() => (ledger.counts().documents.posted ?? 0) === 39 && (ledger.counts().messages.sent ?? 0) === 8, 20_000);
      expect(ledger.counts().documents.dead).toBe(1);
      expect(ledger.counts().messages.failed).toBeUndefined();
      const acks = readdirSync(join(data, 'exchange', 'northgate', 'outbound')).map((f) => readFileSync(join(data, 'exchange', 'northgate', 'outbound', f), 'utf8'));
      expect(acks).toHaveLength(8);
      // The file with the bad line: four transactions accepted, one rejected, the group partially accepted.
      expect(acks.filter((a) => /AK9\*P\*5\*5\*4/.test(a))).toHaveLength(1);
      expect(acks.filter((a) => /AK9\*A\*5\*5\*5/.test(a))).toHaveLength(7);
    } finally {
      await gateway.stop();
      ledger.close();
    }
  });
});
