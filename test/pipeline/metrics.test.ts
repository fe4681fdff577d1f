import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadPartners } from '../../src/partners';
import { Gateway } from '../../src/pipeline/gateway';
import { GatewayMetrics } from '../../src/pipeline/metrics';
import { nullSink } from '../../src/pipeline/sink';
import { SqliteLedger } from '../../src/store';

/** The value of one series in Prometheus text output, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GatewayMetrics', () => {
  it('counts messages, documents, Odoo errors and retries under their labels', async () => {
    const m = new GatewayMetrics({ processMetrics: false });
    m.message('acme', 'inbound', 'accepted');
    m.message('acme', 'inbound', 'accepted');
    m.message('acme', 'outbound', 'sent');
    m.document('acme', 'order', 'posted');
    m.odooError('retryable');
    m.odooError('business');
    m.odooError('business');
    m.retry('acme');

    const text = await m.text();
    expect(sample(text, 'edi_messages_total{partner="acme",direction="inbound",state="accepted"}')).toBe(2);
    expect(sample(text, 'edi_messages_total{partner="acme",direction="outbound",state="sent"}')).toBe(1);
    expect(sample(text, 'edi_documents_total{partner="acme",type="order",state="posted"}')).toBe(1);
    expect(sample(text, 'edi_odoo_errors_total{kind="retryable"}')).toBe(1);
    expect(sample(text, 'edi_odoo_errors_total{kind="business"}')).toBe(2);
    expect(sample(text, 'edi_retries_total{partner="acme"}')).toBe(1);
    expect(text).toContain('# TYPE edi_messages_total counter');
  });

  it('puts processing and Odoo call durations in buckets from 1 ms to 60 s', async () => {
    const m = new GatewayMetrics({ processMetrics: false });
    m.observeProcessing('total', 0.0007);
    m.observeProcessing('total', 42);
    m.observeOdooCall('sale.order.create', 0.2);

    const text = await m.text();
    expect(sample(text, 'edi_processing_seconds_bucket{le="0.001",stage="total"}')).toBe(1);
    expect(sample(text, 'edi_processing_seconds_bucket{le="30",stage="total"}')).toBe(1);
    expect(sample(text, 'edi_processing_seconds_bucket{le="60",stage="total"}')).toBe(2);
    expect(sample(text, 'edi_processing_seconds_count{stage="total"}')).toBe(2);
    expect(sample(text, 'edi_odoo_call_seconds_bucket{le="0.25",method="sale.order.create"}')).toBe(1);
    expect(sample(text, 'edi_odoo_call_seconds_bucket{le="0.1",method="sale.order.create"}')).toBe(0);
    expect(sample(text, 'edi_odoo_call_seconds_sum{method="sale.order.create"}')).toBeCloseTo(0.2);
  });

  it("the Odoo client's observer records each call and counts the failed ones by kind", async () => {
    const m = new GatewayMetrics({ processMetrics: false });
    // Detached, as the client holds it.
    const observe = m.odooObserver;
    observe('sale.order.create', 0.05);
    observe('sale.order.create', 0.3, 'business');
    observe('res.partner.search_read', 2, 'retryable');

    const text = await m.text();
    expect(sample(text, 'edi_odoo_call_seconds_count{method="sale.order.create"}')).toBe(2);
    expect(sample(text, 'edi_odoo_call_seconds_count{method="res.partner.search_read"}')).toBe(1);
    expect(sample(text, 'edi_odoo_errors_total{kind="business"}')).toBe(1);
    expect(sample(text, 'edi_odoo_errors_total{kind="retryable"}')).toBe(1);
  });

  it('times a stage with startProcessing', async () => {
    const m = new GatewayMetrics({ processMetrics: false });
    const stop = m.startProcessing('parse');
    await new Promise((r) => setTimeout(r, 20));
    const seconds = stop();
    expect(seconds).toBeGreaterThanOrEqual(0.015);
    expect(sample(await m.text(), 'edi_processing_seconds_count{stage="parse"}')).toBe(1);
  });

  it('fills the gauges from collect hooks at every scrape', async () => {
    const m = new GatewayMetrics({ processMetrics: false });
    let parked = 3;
    let overdue: Record<string, number> = { acme: 2, globex: 1 };
    m.onCollect(async () => {
      m.setDeadLetterSize(parked);
      m.setOverdueAcks(overdue);
    });
    m.onCollect(() => m.setQueueDepth('post', 7));

    let text = await m.text();
    expect(sample(text, 'edi_dead_letter_size')).toBe(3);
    expect(sample(text, 'edi_queue_depth{stage="post"}')).toBe(7);
    expect(sample(text, 'edi_overdue_acks{partner="acme"}')).toBe(2);
    expect(sample(text, 'edi_overdue_acks{partner="globex"}')).toBe(1);

    parked = 0;
    overdue = { acme: 1 };
    text = await m.text();
    expect(sample(text, 'edi_dead_letter_size')).toBe(0);
    expect(sample(text, 'edi_overdue_acks{partner="acme"}')).toBe(1);
    // A partner whose acks all arrived disappears instead of keeping its stale count.
    expect(sample(text, 'edi_overdue_acks{partner="globex"}')).toBeUndefined();
  });

  it("a gateway's scrape counts the records of Odoo not sent, per partner, from its ledger", async () => {
    const ledger = new SqliteLedger({ file: ':memory:' });
    const m = new GatewayMetrics({ processMetrics: false });
    const registry = loadPartners(join(__dirname, '..', '..', 'partners'), { dataRoot: mkdtempSync(join(tmpdir(), 'gw-metrics-')) });
    const gateway = new Gateway({ ledger, registry, sink: nullSink(), logger: pino({ level: 'silent' }), metrics: m, exportEveryMs: 3_600_000 });
    await gateway.start();
    ledger.exportFailed({ source: 'odoo:sale.order', key: 'northgate:4', partnerId: 'northgate', recordId: 4, name: 'S00004', reason: 'x' });
    ledger.exportFailed({ source: 'odoo:account.move', key: 'northgate:9', partnerId: 'northgate', recordId: 9, name: 'INV/9', reason: 'y' });
    expect(sample(await m.text(), 'edi_export_failures{partner="northgate"}')).toBe(2);
    const [first] = ledger.exportFailures();
    ledger.dismissExport(first!.id, 'by hand');
    expect(sample(await m.text(), 'edi_export_failures{partner="northgate"}')).toBe(1);
    ledger.clearExportFailure('odoo:account.move', 'northgate:9');
    expect(sample(await m.text(), 'edi_export_failures{partner="northgate"}')).toBeUndefined();
    await gateway.stop();
    ledger.close();
  });

  it('still answers a scrape when a hook throws or hangs, keeping the previous values', async () => {
    const warnings: string[] = [];
    const m = new GatewayMetrics({
      processMetrics: false,
      collectTimeoutMs: 100,
      logger: { warn: (obj) => warnings.push(String((obj.err as Error).message)) },
    });
    m.setDeadLetterSize(5);
    m.onCollect(() => {
      throw new Error('ledger locked');
    });
    m.onCollect(() => new Promise<void>(() => undefined));
    const unregister = m.onCollect(() => m.setQueueDepth('map', 1));

    const started = Date.now();
    const text = await m.text();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(sample(text, 'edi_dead_letter_size')).toBe(5);
    expect(sample(text, 'edi_queue_depth{stage="map"}')).toBe(1);
    expect(warnings.sort()).toEqual(['collect hook timed out after 100 ms', 'ledger locked']);

    unregister();
    m.setQueueDepth('map', 9);
    expect(sample(await m.text(), 'edi_queue_depth{stage="map"}')).toBe(9);
  });

  it('keeps instances apart and includes process metrics unless asked not to', async () => {
    const a = new GatewayMetrics();
    const b = new GatewayMetrics({ defaultLabels: { instance: 'b' } });
    a.retry('acme');
    const textA = await a.text();
    const textB = await b.text();
    expect(sample(textA, 'edi_retries_total{partner="acme"}')).toBe(1);
    expect(textB).not.toContain('edi_retries_total{');
    expect(textA).toContain('process_cpu_user_seconds_total');
    expect(textA).toContain('nodejs_eventloop_lag_seconds');
    expect(textB).toMatch(/process_resident_memory_bytes\{instance="b"\} \d+/);
    expect(await new GatewayMetrics({ processMetrics: false }).text()).not.toContain('process_cpu');
    expect(a.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
