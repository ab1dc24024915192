/**
 * What the stages load, checked against the drop's own bytes read by an
 * independent CSV reader: raw records, FX-converted ACV, and the headline KPI.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { batchOfRun, csvObjects, readCsv, registerRun, runAllStages, STAGES, type StageName, type TestDb, type TestDrop } from './support';

let db: TestDb;
let drop: TestDrop;
let batch: string;
let summaries: Record<StageName, Record<string, unknown>>;
const runId = 'content-1';

beforeAll(async () => {
  db = await suiteDb('act_content');
  drop = await smallDrop({ seed: 21, accounts: 300, months: 24 });
  await registerRun(db, runId, drop);
  summaries = await runAllStages(db, runId);
  batch = await batchOfRun(db, runId);
});

afterAll(async () => {
  await db?.drop();
  drop?.cleanup();
});

const relClose = (actual: number, expected: number, rel = 1e-6) =>
  Math.abs(actual - expected) <= rel * Math.max(Math.abs(expected), 1e-9);

/** Rate to USD of a currency in a month: that month's rate, else the latest earlier month's (fx_rates.csv). */
function fxFromCsv(dir: string): (currency: string, month: string) => number {
  const rows = csvObjects(path.join(dir, 'fx_rates.csv'));
  return (currency, month) => {
    if (currency === 'USD') return 1;
    const candidates = rows.filter((r) => r.currency === currency && r.month <= month).sort((a, b) => (a.month < b.month ? 1 : -1));
    if (!candidates.length) throw new Error(`no ${currency} rate for ${month} in the test's own FX lookup`);
    return Number(candidates[0].rate_to_usd);
  };
}

describe('raw layer', () => {
  it('stores every record of every file as the CSV gives it, at its line', async () => {
    for (const file of ['accounts.csv', 'opportunities.csv', 'contracts.csv', 'touchpoints.csv', 'spend.csv', 'invoices.csv', 'usage.csv', 'fx_rates.csv']) {
      const { header, records } = readCsv(path.join(drop.dir, file));
      const raw = await db.pool.query('select line, record from raw_rows where batch_id = $1 and file = $2 order by line', [batch, file]);
      expect(raw.rows.length, file).toBe(records.length);
      for (let i = 0; i < records.length; i++) {
        const want = Object.fromEntries(header.map((h, j) => [h, records[i].values[j]]));
        expect({ line: raw.rows[i].line, record: raw.rows[i].record }, `${file} record ${i}`).toEqual({ line: records[i].line, record: want });
      }
    }
  });

  it('keeps a quoted cell with a comma intact (a sampled accounts line)', async () => {
    const { header, records } = readCsv(path.join(drop.dir, 'accounts.csv'));
    const nameAt = header.indexOf('name');
    const sample = records.find((r) => r.values[nameAt].includes(','));
    expect(sample, 'the generator writes some account names with a comma').toBeDefined();
    const raw = await db.pool.query('select record from raw_rows where batch_id = $1 and file = $2 and line = $3', [batch, 'accounts.csv', sample!.line]);
    expect(raw.rows).toHaveLength(1);
    expect(raw.rows[0].record.name).toBe(sample!.values[nameAt]);
    // jsonb keeps no key order: the same set of columns.
    expect(Object.keys(raw.rows[0].record).sort()).toEqual([...header].sort());
  });
});

describe('validated contracts', () => {
  it('acv_usd = total_value x FX rate of the start month / (term / 12), recomputed from the CSVs', async () => {
    const fx = fxFromCsv(drop.dir);
    const contracts = csvObjects(path.join(drop.dir, 'contracts.csv'));
    // A few of each currency, so every conversion path (USD, EUR, GBP, JPY) is exercised.
    const picked: Record<string, string>[] = [];
    for (const ccy of [...new Set(contracts.map((c) => c.currency))].sort()) picked.push(...contracts.filter((c) => c.currency === ccy && Number(c.total_value) > 0).slice(0, 3));
    expect(new Set(picked.map((c) => c.currency)).size).toBeGreaterThanOrEqual(3);
    const stored = await db.pool.query('select contract_id, acv_usd, total_value_usd from src_contracts where batch_id = $1 and contract_id = any($2)',
      [batch, picked.map((c) => c.contract_id)]);
    expect(stored.rows.length).toBe(picked.length);
    for (const c of picked) {
      const rate = fx(c.currency, c.start_date.slice(0, 7));
      const totalUsd = Number(c.total_value) * rate;
      const acv = totalUsd / (Number(c.term_months) / 12);
      const row = stored.rows.find((r) => r.contract_id === c.contract_id)!;
      expect(relClose(Number(row.total_value_usd), totalUsd), `${c.contract_id} total_value_usd ${row.total_value_usd} vs ${totalUsd}`).toBe(true);
      expect(relClose(Number(row.acv_usd), acv), `${c.contract_id} acv_usd ${row.acv_usd} vs ${acv} (${c.currency} @ ${rate})`).toBe(true);
    }
  });
});

describe('KPI: ACV from marketing leads', () => {
  it('equals the value computed here from the CSVs, with FX done here', async () => {
    const fx = fxFromCsv(drop.dir);
    const opps = csvObjects(path.join(drop.dir, 'opportunities.csv'));
    const contracts = csvObjects(path.join(drop.dir, 'contracts.csv'));
    const marketing = new Set(opps.filter((o) => o.lead_source !== '').map((o) => o.opportunity_id));
    let acv = 0;
    let counted = 0;
    for (const c of contracts) {
      if (c.opportunity_id === '' || !marketing.has(c.opportunity_id)) continue;
      acv += (Number(c.total_value) * fx(c.currency, c.start_date.slice(0, 7))) / (Number(c.term_months) / 12);
      counted++;
    }
    // The model counts first contracts only; renewals carry no opportunity_id (contract spec), so both readings agree here.
    expect(contracts.filter((c) => c.opportunity_id !== '' && c.previous_contract_id !== '')).toEqual([]);
    expect(marketing.size).toBeGreaterThan(0);
    expect(counted).toBeGreaterThan(0);
    const expected = acv / marketing.size;

    const row = await db.pool.query(`select value, detail from kpis where run_id = $1 and name = 'acv_from_marketing_leads' and dimension = 'all'`, [runId]);
    expect(row.rows).toHaveLength(1);
    const { value, detail } = row.rows[0];
    expect(detail.marketingLeads).toBe(marketing.size);
    expect(relClose(detail.marketingAcv, acv), `marketingAcv ${detail.marketingAcv} vs ${acv}`).toBe(true);
    expect(relClose(value, expected), `acv_from_marketing_leads ${value} vs ${expected}`).toBe(true);
    expect(summaries.score.acvFromMarketingLeads).toBe(Math.round(expected));
  });

  it('ran every stage to completion', () => {
    expect(Object.keys(summaries)).toEqual([...STAGES]);
  });
});
