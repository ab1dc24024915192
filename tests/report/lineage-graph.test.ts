/**
 * The run's lineage drawn as a graph: on hand-built events whose nodes and
 * arrows are listed by hand, every file, stage and table is one node, every
 * distinct read and write one arrow between the right boxes, retried and
 * unfinished events change nothing, names are escaped; on the monthly cycle's
 * shape of events (8 files, 11 stages, 30 tables), the drawing fits the
 * page, no two boxes overlap, it reads top to bottom in run order, and its
 * text is legible on its fills.
 */
import { describe, expect, it } from 'vitest';
import type { LineageDatasetRef, LineageRunEvent } from '../../governance/lineage-trace';
import { countCrossings, lineageDrawing, lineageGraphSvg, lineageReads, MAX_CROSSINGS_PER_ARROW } from '../../report/lineage-graph';

const file = (name: string, sha256: string): LineageDatasetRef =>
  ({ namespace: 'file', name: `/drops/d/${name}`, facets: { acvloop_content: { sha256, bytes: 10 } } });
const pg = (table: string): LineageDatasetRef => ({ namespace: 'postgres://acvloop', name: `acvloop.${table}` });
const ev = (job: string, inputs: LineageDatasetRef[], outputs: LineageDatasetRef[], eventType = 'COMPLETE'): LineageRunEvent =>
  ({ eventType, job: { namespace: 'acvloop', name: `monthly_cycle.${job}` }, inputs, outputs, run: { facets: { parent: { job: { name: 'monthly_cycle' } } } } });

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

interface Drawn {
  nodes: { kind: string; id: string; box: { x: number; y: number; w: number; h: number }; labels: string[]; fill: string; textFills: string[] }[];
  edges: { kind: string; from: string; to: string; start: number[]; end: number[] }[];
}

/** Nodes and arrows as the SVG draws them, read back from the attributes it emits. */
function parse(svg: string): Drawn {
  const nodes = [...svg.matchAll(/<g class="node" data-kind="([^"]+)" data-id="([^"]+)" data-box="([^"]+)"[^>]*>([\s\S]*?)<\/g>/g)].map((m) => {
    const [x, y, w, h] = m[3].split(' ').map(Number);
    return {
      kind: m[1], id: unescape(m[2]), box: { x, y, w, h },
      labels: [...m[4].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => unescape(t[1])),
      fill: /fill="(#[0-9a-f]{6})"/.exec(m[4])![1],
      textFills: [...m[4].matchAll(/<text[^>]*fill="(#[0-9a-f]{6})"/g)].map((t) => t[1]),
    };
  });
  const edges = [...svg.matchAll(/<path class="edge" data-kind="([^"]+)" data-from="([^"]+)" data-to="([^"]+)" d="([^"]+)"/g)].map((m) => {
    const numbers = m[4].match(/-?[\d.]+/g)!.map(Number);
    return { kind: m[1], from: unescape(m[2]), to: unescape(m[3]), start: numbers.slice(0, 2), end: numbers.slice(-2) };
  });
  return { nodes, edges };
}

const onBorder = (p: number[], b: { x: number; y: number; w: number; h: number }) => {
  const [x, y] = p;
  const inside = x >= b.x - 0.5 && x <= b.x + b.w + 0.5 && y >= b.y - 0.5 && y <= b.y + b.h + 0.5;
  const edge = Math.min(Math.abs(x - b.x), Math.abs(x - b.x - b.w), Math.abs(y - b.y), Math.abs(y - b.y - b.h)) <= 0.5;
  return inside && edge;
};

// A small run: two files, five stages, a table the run reads before it writes it (alias), another written by two stages (alias, audit).
const a = file('a.csv', 'aa11');
const b = file('b.csv', 'bb22');
const RUN: LineageRunEvent[] = [
  ev('ingest', [], [], 'START'),
  ev('ingest', [a, b], [pg('raw')]),
  ev('validate', [a, b], [pg('src_a'), pg('src_b'), pg('quarantine')]),
  ev('retrain', [pg('src_a'), pg('src_b'), pg('alias')], [pg('model')]),
  ev('gate', [pg('model'), pg('alias')], [pg('verdicts'), pg('alias'), pg('audit')]),
  ev('publish', [pg('verdicts')], [pg('alias'), pg('audit')]),
];
const T = (t: string) => `table:postgres://acvloop/acvloop.${t}`;
const F = (f: string, sha: string) => `file:/drops/d/${f}@${sha}`;
const S = (s: string) => `stage:${s}`;
const PLANTED = {
  files: [F('a.csv', 'aa11'), F('b.csv', 'bb22')],
  stages: ['ingest', 'validate', 'retrain', 'gate', 'publish'].map(S),
  tables: ['raw', 'src_a', 'src_b', 'quarantine', 'alias', 'model', 'verdicts', 'audit'].map(T),
  reads: [
    [F('a.csv', 'aa11'), S('ingest')], [F('b.csv', 'bb22'), S('ingest')], [F('a.csv', 'aa11'), S('validate')], [F('b.csv', 'bb22'), S('validate')],
    [T('src_a'), S('retrain')], [T('src_b'), S('retrain')], [T('alias'), S('retrain')], [T('model'), S('gate')], [T('alias'), S('gate')],
    [T('verdicts'), S('publish')],
  ],
  writes: [
    [S('ingest'), T('raw')], [S('validate'), T('src_a')], [S('validate'), T('src_b')], [S('validate'), T('quarantine')], [S('retrain'), T('model')],
    [S('gate'), T('verdicts')], [S('gate'), T('alias')], [S('gate'), T('audit')], [S('publish'), T('alias')], [S('publish'), T('audit')],
  ],
};

describe('lineageGraphSvg on hand-built events', () => {
  const svg = lineageGraphSvg(RUN)!;
  const drawn = parse(svg);

  it('draws every file, stage and table exactly once, with its short name', () => {
    const ids = (kind: string) => drawn.nodes.filter((n) => n.kind === kind).map((n) => n.id).sort();
    expect(ids('file')).toEqual([...PLANTED.files].sort());
    expect(ids('stage')).toEqual([...PLANTED.stages].sort());
    expect(ids('table')).toEqual([...PLANTED.tables].sort());
    expect(drawn.nodes).toHaveLength(PLANTED.files.length + PLANTED.stages.length + PLANTED.tables.length);
    const label = (id: string) => drawn.nodes.find((n) => n.id === id)!.labels;
    expect(label(F('a.csv', 'aa11'))).toEqual(['a.csv', 'sha256 aa11']);
    expect(label(S('retrain'))).toEqual(['retrain']);
    expect(label(T('src_a'))).toEqual(['src_a']);
  });

  it('draws one arrow per distinct (input, stage) and (stage, output), from the right box to the right box', () => {
    const pairs = (kind: string) => drawn.edges.filter((e) => e.kind === kind).map((e) => `${e.from} -> ${e.to}`).sort();
    expect(pairs('read')).toEqual(PLANTED.reads.map(([f, t]) => `${f} -> ${t}`).sort());
    expect(pairs('wrote')).toEqual(PLANTED.writes.map(([f, t]) => `${f} -> ${t}`).sort());
    expect(drawn.edges).toHaveLength(PLANTED.reads.length + PLANTED.writes.length);
    const box = (id: string) => drawn.nodes.find((n) => n.id === id)!.box;
    for (const e of drawn.edges) {
      expect(onBorder(e.start, box(e.from)), `${e.from} -> ${e.to} starts on ${e.from}`).toBe(true);
      expect(onBorder(e.end, box(e.to)), `${e.from} -> ${e.to} ends on ${e.to}`).toBe(true);
    }
  });

  it('says what it shows to a screen reader, and names each kind in a legend', () => {
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*role="img" aria-labelledby="lineage-graph-title lineage-graph-desc"/);
    expect(svg).toContain('<title id="lineage-graph-title">Lineage of the run</title>');
    expect(svg).toContain('<desc id="lineage-graph-desc">2 drop files, 5 stages, 8 tables; 20 arrows,');
    const legend = /<g class="legend">([\s\S]*?)<\/g><g fill="none"/.exec(svg)![1];
    for (const name of ['drop file', 'stage', 'table']) expect(legend).toContain(`>${name}</text>`);
    expect(lineageGraphSvg(RUN, { idPrefix: 'x', title: 'Run <1>' })).toMatch(/aria-labelledby="x-title x-desc".*<title id="x-title">Run &lt;1&gt;<\/title>/);
  });

  it('is the same SVG, byte for byte, for the same events; a retried COMPLETE and START or FAIL events change nothing', () => {
    expect(lineageGraphSvg(RUN)).toBe(svg);
    const retried = [...RUN.slice(0, 3), RUN[2], ...RUN.slice(3), RUN[5]];
    const unfinished = [...RUN, ev('score', [pg('model')], [pg('scores')], 'FAIL'), ev('score', [pg('never')], [], 'START')];
    expect(lineageGraphSvg(retried)).toBe(svg);
    expect(lineageGraphSvg(unfinished)).toBe(svg);
    expect(svg).not.toContain('score');
    expect(lineageGraphSvg([ev('ingest', [a], [], 'START')])).toBeNull();
    expect(lineageGraphSvg([])).toBeNull();
  });

  it('escapes names: a table called <script> is text, and ids stay attributes', () => {
    const hostile = lineageGraphSvg([ev('ingest', [a], [{ namespace: 'postgres://acvloop', name: 'acvloop.<script>alert("x")</script>' }])])!;
    expect(hostile).not.toMatch(/<script/i);
    expect(hostile).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    const node = parse(hostile).nodes.find((n) => n.kind === 'table')!;
    expect(node.id).toBe('table:postgres://acvloop/acvloop.<script>alert("x")</script>');
    expect(node.labels).toEqual(['<script>alert("x")</script>']);
  });

  it('fetches nothing: its only url() is the arrowhead marker it defines', () => {
    expect(svg).not.toMatch(/(src|href)=/);
    const refs = [...svg.matchAll(/url\(([^)]*)\)/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    expect(new Set(refs)).toEqual(new Set(['#lineage-graph-arrow']));
    expect(svg).toContain('<marker id="lineage-graph-arrow"');
  });
});

// The monthly cycle's events as the demo run records them (stages in run order, with what each read and wrote).
const FILES = ['accounts', 'opportunities', 'contracts', 'touchpoints', 'spend', 'invoices', 'usage', 'fx_rates'].map((f, i) => file(`${f}.csv`, `${i}`.repeat(64)));
const SRC = ['accounts', 'opportunities', 'contracts', 'touchpoints', 'spend', 'invoices', 'usage', 'fx_rates'].map((t) => pg(`src_${t}`));
const tables = (names: string) => names.split(' ').map(pg);
const CYCLE: LineageRunEvent[] = [
  ev('ingest', FILES, tables('raw_rows')),
  ev('validate', FILES, [...SRC, ...tables('src_experiments quarantine')]),
  ev('lineage', FILES, SRC),
  ev('drift', SRC.filter((t) => !t.name.endsWith('fx_rates')), tables('drift_features drift_sources')),
  ev('graph', tables('src_accounts src_opportunities src_contracts src_touchpoints'), tables('account_rollup graph_edges')),
  ev('retrain', tables('src_accounts src_opportunities src_contracts src_touchpoints src_usage src_spend src_experiments account_rollup'),
    tables('model_versions attribution attribution_removal_effects incrementality survival_curves')),
  ev('backtest', tables('src_opportunities src_contracts model_versions model_alias_events'), tables('backtests')),
  ev('gate', tables('backtests model_versions incrementality survival_curves attribution model_alias_events'), tables('gate_verdicts model_alias_events audit_log')),
  ev('score', tables('src_accounts src_opportunities src_contracts src_usage src_spend model_versions gate_verdicts model_alias_events'),
    tables('contract_scores kpis forecasts forecast_totals budget_recommendations')),
  ev('approval_request', tables('gate_verdicts budget_recommendations incrementality approvals drift_features drift_sources'), tables('approval_requests audit_log')),
  ev('publish', tables('approvals approval_requests gate_verdicts model_versions budget_recommendations'), tables('model_alias_events publications audit_log')),
];

describe('lineageGraphSvg on the monthly cycle', () => {
  const svg = lineageGraphSvg(CYCLE)!;
  const drawn = parse(svg);
  const box = (id: string) => drawn.nodes.find((n) => n.id === id)!.box;

  it('has the cycle\'s files, stages and tables, and fits the report\'s 1100 px page', () => {
    const count = (kind: string) => drawn.nodes.filter((n) => n.kind === kind).length;
    expect([count('file'), count('stage'), count('table')]).toEqual([8, 11, 32]);
    expect(drawn.edges).toHaveLength(114);
    const [, width] = /width="(\d+)"/.exec(svg)!;
    expect(Number(width)).toBeLessThanOrEqual(1050);
  });

  it('lays no box over another', () => {
    const overlaps: string[] = [];
    drawn.nodes.forEach((p, i) => drawn.nodes.slice(i + 1).forEach((q) => {
      const apart = p.box.x + p.box.w <= q.box.x || q.box.x + q.box.w <= p.box.x || p.box.y + p.box.h <= q.box.y || q.box.y + q.box.h <= p.box.y;
      if (!apart) overlaps.push(`${p.id} / ${q.id}`);
    }));
    expect(overlaps).toEqual([]);
  });

  it('reads top to bottom in run order: only the loops into the next run point up', () => {
    const stages = CYCLE.map((e) => `stage:${e.job.name.replace('monthly_cycle.', '')}`);
    const ys = stages.map((s) => box(s).y);
    for (let i = 1; i < ys.length; i++) expect(ys[i], `${stages[i]} below ${stages[i - 1]}`).toBeGreaterThanOrEqual(ys[i - 1]);
    const up = drawn.edges.filter((e) => e.end[1] < e.start[1]).map((e) => `${e.from} -> ${e.to}`).sort();
    // backtest and gate read the alias the previous run's publish moved; publish moves it again for the next run.
    expect(up).toEqual([`${T('model_alias_events')} -> ${S('backtest')}`, `${T('model_alias_events')} -> ${S('gate')}`, `${S('publish')} -> ${T('model_alias_events')}`].sort());
    for (const e of drawn.edges) {
      expect(onBorder(e.start, box(e.from)), `${e.from} -> ${e.to}`).toBe(true);
      expect(onBorder(e.end, box(e.to)), `${e.from} -> ${e.to}`).toBe(true);
    }
  });

  it('writes every label at a contrast of at least 4.5:1 on its box', () => {
    const luminance = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const contrast = (x: string, y: string) => {
      const [hi, lo] = [luminance(x), luminance(y)].sort((p, q) => q - p);
      return (hi + 0.05) / (lo + 0.05);
    };
    const pairs = new Set(drawn.nodes.flatMap((n) => n.textFills.map((t) => `${n.kind} ${t} on ${n.fill}`)));
    expect(pairs.size).toBeGreaterThanOrEqual(3);
    for (const n of drawn.nodes) for (const t of n.textFills) expect(contrast(t, n.fill), `${n.kind}: ${t} on ${n.fill}`).toBeGreaterThanOrEqual(4.5);
  });
});

describe('when the graph reads, and when the table alone says more', () => {
  it('counts crossings: an X is one, arrows that only meet at a shared end or run side by side are none, a zigzag through another is two', () => {
    const p = (x: number, y: number) => ({ x, y });
    expect(countCrossings([[p(0, 0), p(10, 10)], [p(0, 10), p(10, 0)]])).toBe(1);
    expect(countCrossings([[p(0, 0), p(10, 10)], [p(10, 10), p(20, 0)]])).toBe(0);
    expect(countCrossings([[p(0, 0), p(0, 10)], [p(5, 0), p(5, 10)]])).toBe(0);
    expect(countCrossings([[p(0, 5), p(20, 5)], [p(5, 0), p(8, 10), p(12, 0)]])).toBe(2);
  });

  it('draws the small run (two crossings among 20 arrows) and gives the monthly cycle the table alone (over two crossings per arrow)', () => {
    const small = lineageDrawing(RUN)!;
    expect(small.svg).toBe(lineageGraphSvg(RUN));
    expect([small.arrows, small.crossingsPerArrow]).toEqual([20, small.crossings / 20]);
    expect(small.crossingsPerArrow).toBeLessThanOrEqual(0.25);
    expect(lineageReads(small)).toBe(true);
    const cycle = lineageDrawing(CYCLE)!;
    expect(cycle.arrows).toBe(114);
    expect(cycle.crossingsPerArrow).toBeGreaterThan(2 * MAX_CROSSINGS_PER_ARROW);
    expect(lineageReads(cycle)).toBe(false);
    expect(lineageDrawing([])).toBeNull();
  });

  it('counts the crossings of the arrows as drawn: the polylines read back from the SVG cross as often', () => {
    // Each drawn path runs through its route's bends (its quadratic pieces' control points); read back, the
    // polyline of a path's points crosses the others as counted. A count of a different drawing would differ.
    const routes = [...lineageDrawing(CYCLE)!.svg.matchAll(/<path class="edge"[^>]* d="([^"]+)"/g)].map((m) => {
      const n = m[1].match(/-?[\d.]+/g)!.map(Number);
      return Array.from({ length: n.length / 2 }, (_, i) => ({ x: n[2 * i], y: n[2 * i + 1] }));
    });
    expect(routes).toHaveLength(114);
    expect(Math.abs(countCrossings(routes) - lineageDrawing(CYCLE)!.crossings)).toBeLessThanOrEqual(0.15 * lineageDrawing(CYCLE)!.crossings);
  });
});
