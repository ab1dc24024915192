/**
 * OpenLineage events of a run, as stored in lineage_events: one START and one
 * COMPLETE per stage, each a well-formed OpenLineage 2-0-2 RunEvent, and a
 * dataset graph in which every table a stage writes leads back to the drop's
 * files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { registerRun, runAllStages, STAGE_JOB, STAGE_WRITES, STAGES, type TestDb, type TestDrop } from './support';

let db: TestDb;
let drop: TestDrop;
const runId = 'lineage-1';
let events: { job: string; event_type: string; attempt: number; event: any }[];

beforeAll(async () => {
  db = await suiteDb('act_lineage');
  drop = await smallDrop({ seed: 41, accounts: 300, months: 24 });
  await registerRun(db, runId, drop);
  await runAllStages(db, runId);
  events = (await db.pool.query('select job, event_type, attempt, event from lineage_events where run_id = $1 order by id', [runId])).rows;
});

afterAll(async () => {
  await db?.drop();
  drop?.cleanup();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** `format: uri` of the spec: an absolute URI, with a scheme. */
function isAbsoluteUri(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  try {
    return /^[a-z][a-z0-9+.-]*:/i.test(s) && new URL(s).protocol.length > 1;
  } catch {
    return false;
  }
}

/** Every facet (any object with `_producer`/`_schemaURL`) in an event, with where it sits. */
function facetsOf(event: any): { where: string; facet: any }[] {
  const out: { where: string; facet: any }[] = [];
  const take = (where: string, facets: Record<string, any> | undefined) => {
    for (const [k, f] of Object.entries(facets ?? {})) out.push({ where: `${where}.${k}`, facet: f });
  };
  take('run.facets', event.run?.facets);
  take('job.facets', event.job?.facets);
  for (const side of ['inputs', 'outputs'] as const) {
    for (const d of event[side] ?? []) {
      take(`${side}[${d.namespace}:${d.name}].facets`, d.facets);
      take(`${side}[${d.namespace}:${d.name}].inputFacets`, d.inputFacets);
      take(`${side}[${d.namespace}:${d.name}].outputFacets`, d.outputFacets);
    }
  }
  return out;
}

describe('lineage events of a run', () => {
  it('one START and one COMPLETE per stage, in order, nothing else', () => {
    const byJob = STAGES.map((s) => STAGE_JOB[s]);
    expect(events.map((e) => `${e.job}:${e.event_type}#${e.attempt}`)).toEqual(byJob.flatMap((j) => [`${j}:START#1`, `${j}:COMPLETE#1`]));
  });

  it('each is an OpenLineage 2-0-2 RunEvent', () => {
    const [y, m] = drop.month.split('-').map(Number);
    for (const { job, event_type, event: e } of events) {
      const at = `${job}/${event_type}`;
      expect(e.eventType, at).toBe(event_type);
      expect(['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER'], at).toContain(e.eventType);
      expect(e.eventTime, at).toMatch(ISO_DATE_TIME);
      expect(Number.isNaN(Date.parse(e.eventTime)), at).toBe(false);
      expect(e.schemaURL, at).toBe('https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent');
      expect(isAbsoluteUri(e.producer), `${at} producer ${e.producer}`).toBe(true);
      expect(e.run.runId, at).toMatch(UUID);
      expect(typeof e.job.namespace, at).toBe('string');
      expect(e.job.namespace.length, at).toBeGreaterThan(0);
      expect(e.job.name, at).toBe(`monthly_cycle.${job}`);
      for (const side of ['inputs', 'outputs']) {
        expect(Array.isArray(e[side]), `${at} ${side}`).toBe(true);
        for (const d of e[side]) {
          expect(typeof d.namespace === 'string' && d.namespace.length > 0, `${at} ${side} namespace`).toBe(true);
          expect(typeof d.name === 'string' && d.name.length > 0, `${at} ${side} name`).toBe(true);
        }
      }

      const { parent, nominalTime } = e.run.facets;
      expect(parent, `${at} parent facet`).toBeDefined();
      expect(parent.run.runId, at).toMatch(UUID);
      expect(parent.job, at).toEqual({ namespace: e.job.namespace, name: 'monthly_cycle' });
      expect(nominalTime, `${at} nominalTime facet`).toBeDefined();
      expect(nominalTime.nominalStartTime, at).toBe(new Date(Date.UTC(y, m - 1, 1)).toISOString());
      expect(nominalTime.nominalEndTime, at).toBe(new Date(Date.UTC(y, m, 1)).toISOString());
    }
  });

  it('every facet names its producer and schema as absolute URIs (BaseFacet: _producer, _schemaURL format uri)', () => {
    const bad: string[] = [];
    for (const { job, event_type, event } of events) {
      for (const { where, facet } of facetsOf(event)) {
        if (!isAbsoluteUri(facet._producer) || !isAbsoluteUri(facet._schemaURL)) {
          bad.push(`${job}/${event_type} ${where}: _producer=${JSON.stringify(facet._producer)} _schemaURL=${JSON.stringify(facet._schemaURL)}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('a stage keeps one OpenLineage run id from START to COMPLETE, under one parent for the whole cycle', () => {
    const parents = new Set(events.map((e) => e.event.run.facets.parent.run.runId));
    expect(parents.size).toBe(1);
    const runIds = new Map<string, Set<string>>();
    for (const e of events) {
      if (!runIds.has(e.job)) runIds.set(e.job, new Set());
      runIds.get(e.job)!.add(e.event.run.runId);
    }
    for (const [job, ids] of runIds) expect(ids.size, job).toBe(1);
    const all = [...runIds.values()].map((s) => [...s][0]);
    expect(new Set(all).size).toBe(STAGES.length);
    expect(all).not.toContain([...parents][0]);
    for (const job of runIds.keys()) {
      const [start, complete] = ['START', 'COMPLETE'].map((t) => events.find((e) => e.job === job && e.event_type === t)!.event.eventTime);
      expect(Date.parse(start) <= Date.parse(complete), job).toBe(true);
    }
  });

  it('every table a stage outputs is reachable from the drop files through inputs -> outputs', () => {
    const key = (d: { namespace: string; name: string }) => `${d.namespace}|${d.name}`;
    const next = new Map<string, Set<string>>();
    const outputs = new Map<string, string>(); // dataset -> stage that wrote it
    for (const { job, event } of events.filter((e) => e.event_type === 'COMPLETE')) {
      for (const i of event.inputs) {
        if (!next.has(key(i))) next.set(key(i), new Set());
        for (const o of event.outputs) next.get(key(i))!.add(key(o));
      }
      for (const o of event.outputs) outputs.set(key(o), job);
    }

    // The roots: the drop's files, exactly.
    const files = events.flatMap((e) => [...e.event.inputs, ...e.event.outputs]).filter((d: any) => d.namespace === 'file');
    const roots = [...new Set(files.map(key))].sort();
    const onDisk = fs.readdirSync(drop.dir).filter((f) => f.endsWith('.csv')).map((f) => `file|${path.join(drop.dir, f)}`).sort();
    expect(roots).toEqual(onDisk);

    const reached = new Set<string>(roots);
    const queue = [...roots];
    while (queue.length) {
      const n = queue.shift()!;
      for (const m of next.get(n) ?? []) if (!reached.has(m)) { reached.add(m); queue.push(m); }
    }
    const unreachable = [...outputs].filter(([d]) => !reached.has(d)).map(([d, job]) => `${d} (output of ${job})`);
    expect(unreachable).toEqual([]);

    // Not vacuous: every data table the stages write is among the outputs.
    const tables = new Set([...outputs.keys()].map((k) => k.split('|')[1].split('.').pop()));
    for (const t of Object.values(STAGE_WRITES).flat().filter((t) => !['ingest_batches', 'ingest_files', 'run_batches', 'validation_reports'].includes(t))) {
      expect(tables.has(t), `${t} is an output of some stage`).toBe(true);
    }
  });
});
