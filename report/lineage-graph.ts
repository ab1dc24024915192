/**
 * The run's lineage as a graph, for the reviewer's page: drop files, stages
 * and tables as nodes, an arrow from each dataset a stage read to the stage
 * and from the stage to each dataset it wrote, laid out by dagre and drawn as
 * one inline SVG string (no script, nothing fetched: the page's CSP allows
 * neither).
 *
 * A pure function of the run's OpenLineage events. Nodes are identified the
 * way governance/lineage-trace.ts identifies them (a file by path and content
 * hash, a table by namespace and name), so the graph and `acvloop lineage`
 * agree on what is one dataset. Only COMPLETE events count; a COMPLETE
 * repeated by a retried attempt adds nothing, so the drawing is the same.
 * The same events give the same SVG, byte for byte.
 *
 * It reads top to bottom in run order (the few arrows that point up are the
 * loops into the next run, such as publish moving the alias the next
 * backtest reads). Files, stages and tables differ in shape (a page with a
 * folded corner, a rounded box, a cylinder) as well as in colour, and a
 * legend names them.
 *
 * @example
 * const file = { namespace: 'file', name: '/d/a.csv', facets: { acvloop_content: { sha256: 'ab12' } } };
 * const raw = { namespace: 'postgres://acvloop', name: 's.raw_rows' };
 * lineageGraph([{ eventType: 'COMPLETE', job: { namespace: 'acvloop', name: 'monthly_cycle.ingest' }, inputs: [file], outputs: [raw] }])
 * // => { nodes: [{ id: 'file:/d/a.csv@ab12', kind: 'file', label: 'a.csv', ... }, { id: 'stage:ingest', kind: 'stage', label: 'ingest', ... },
 * //              { id: 'table:postgres://acvloop/s.raw_rows', kind: 'table', label: 'raw_rows', ... }],
 * //     edges: [{ from: 'file:/d/a.csv@ab12', to: 'stage:ingest', kind: 'read' }, { from: 'stage:ingest', to: 'table:postgres://acvloop/s.raw_rows', kind: 'wrote' }] }
 * lineageGraphSvg(events) // => '<svg xmlns="http://www.w3.org/2000/svg" role="img" ...>…</svg>'
 */
import { Graph, layout, type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';
import { FILE_NAMESPACE, fileSha256, shortJobName, tableOf, type LineageDatasetRef, type LineageRunEvent } from '../governance/lineage-trace';
import { esc } from './escape';

export type LineageNodeKind = 'file' | 'stage' | 'table' | 'dataset';

export interface LineageNode {
  /** Unique in the graph: `stage:<stage>`, `file:<path>@<sha256>`, `table:<namespace>/<name>`, `dataset:<namespace>/<name>`. */
  id: string;
  kind: LineageNodeKind;
  /** What the box shows: the stage without its parent job, a file's basename, a table without its schema. */
  label: string;
  /** A second, smaller line (a file's short content hash), or null. */
  note: string | null;
  /** The full name, shown as the node's tooltip. */
  full: string;
  /**
   * Where it sits in run order, which the drawing follows top to bottom: a
   * stage's position among the stages that completed; a dataset's, just after
   * the last stage that wrote it before anything read it (or, when a stage
   * read it before any write, after its first writer: later writes feed the
   * next run); -1 for what the run only read (drop files, tables earlier runs
   * wrote).
   */
  step: number;
}

export interface LineageEdge {
  from: string;
  to: string;
  /** `read`: dataset -> stage; `wrote`: stage -> dataset. */
  kind: 'read' | 'wrote';
}

export interface LineageGraph {
  /** In order of first appearance in the events. */
  nodes: LineageNode[];
  edges: LineageEdge[];
}

/** Nodes and edges of the run's COMPLETE events, each once. */
export function lineageGraph(events: readonly LineageRunEvent[]): LineageGraph {
  const nodes = new Map<string, LineageNode>();
  const edges = new Map<string, LineageEdge>();
  const writers = new Map<string, number[]>();
  const readers = new Map<string, number[]>();
  const at = (map: Map<string, number[]>, id: string, step: number) => (map.get(id) ?? map.set(id, []).get(id)!).push(step);
  let stages = 0;
  const node = (n: LineageNode) => (nodes.has(n.id) ? n.id : (nodes.set(n.id, n), n.id));
  const edge = (from: string, to: string, kind: LineageEdge['kind']) => {
    const key = `${from}\u0000${to}`;
    if (!edges.has(key)) edges.set(key, { from, to, kind });
  };
  for (const event of events) {
    if (event.eventType !== 'COMPLETE') continue;
    const stage = shortJobName(event);
    const inputs = (event.inputs ?? []).map((d) => node(datasetNode(d)));
    const job = node({ id: `stage:${stage}`, kind: 'stage', label: stage, note: null, full: `stage ${event.job.name}`, step: stages });
    const step = nodes.get(job)!.step;
    if (step === stages) stages++;
    for (const d of inputs) {
      edge(d, job, 'read');
      at(readers, d, step);
    }
    for (const d of event.outputs ?? []) {
      const out = node(datasetNode(d));
      edge(job, out, 'wrote');
      at(writers, out, step);
    }
  }
  for (const [id, steps] of writers) {
    const firstRead = Math.min(...(readers.get(id) ?? [Infinity]));
    const before = steps.filter((w) => w < firstRead);
    nodes.get(id)!.step = (before.length ? Math.max(...before) : Math.min(...steps)) + 0.5;
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** A dataset's short name, as the graph and the lineage table show it. */
export function lineageLabel(d: LineageDatasetRef): string {
  return datasetNode(d).label;
}

function datasetNode(d: LineageDatasetRef): LineageNode {
  const base = d.name.split('/').pop() || d.name;
  if (d.namespace === FILE_NAMESPACE) {
    const sha256 = fileSha256(d);
    return sha256
      ? { id: `file:${d.name}@${sha256}`, kind: 'file', label: base, note: `sha256 ${sha256.slice(0, 8)}`, full: `drop file ${d.name}, sha256 ${sha256}`, step: -1 }
      : { id: `file:${d.name}`, kind: 'file', label: base, note: 'no content hash', full: `file ${d.name}, no content hash`, step: -1 };
  }
  const table = tableOf(d);
  if (table !== null) return { id: `table:${d.namespace}/${d.name}`, kind: 'table', label: table || d.name, note: null, full: `table ${d.name}`, step: -1 };
  return { id: `dataset:${d.namespace}/${d.name}`, kind: 'dataset', label: base, note: null, full: `dataset ${d.namespace}/${d.name}`, step: -1 };
}

// ---------------------------------------------------------------------------
// Drawing
// ---------------------------------------------------------------------------

/** Fill, outline and text colour per kind; every text colour is at least 4.5:1 against its fill (tested). */
const PALETTE: Record<LineageNodeKind, { fill: string; stroke: string; text: string; note: string; name: string }> = {
  file: { fill: '#e8f0fe', stroke: '#1967d2', text: '#1a1a1a', note: '#3c4043', name: 'drop file' },
  stage: { fill: '#174ea6', stroke: '#0b2e6b', text: '#ffffff', note: '#ffffff', name: 'stage' },
  table: { fill: '#fef7e0', stroke: '#b06000', text: '#1a1a1a', note: '#3c4043', name: 'table' },
  dataset: { fill: '#f1f3f4', stroke: '#5f6368', text: '#1a1a1a', note: '#3c4043', name: 'other dataset' },
};
const EDGE = '#80868b';
const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';
const SIZE = 12;
const NOTE_SIZE = 10;
// Text is measured without a font: a generous average advance keeps labels inside their boxes in the fonts browsers pick.
const CHAR = 7.1;
const NOTE_CHAR = 6;
const PAD = 10;
const LEGEND_H = 40;

interface Box { x: number; y: number; w: number; h: number }
interface Point { x: number; y: number }

/**
 * The run's lineage as an inline SVG string, or null when no stage completed.
 * `idPrefix` keeps the ids of the title, description and arrowhead unique on
 * the page.
 */
export function lineageGraphSvg(events: readonly LineageRunEvent[], opts: { idPrefix?: string; title?: string } = {}): string | null {
  return lineageDrawing(events, opts)?.svg ?? null;
}

/**
 * The drawing and how tangled it is: how many times its arrows cross one
 * another, counted on the polylines each arrow's curve is drawn through (a
 * curve stays inside its polyline's bends, so the two cross alike but for
 * grazes), and per arrow.
 */
export interface LineageDrawing { svg: string; arrows: number; crossings: number; crossingsPerArrow: number }

/**
 * Beyond this many crossings per arrow a reader cannot follow an arrow from
 * its stage to its table, and the page shows the table alone. Measured on
 * what this code draws, looked at in screenshots: a small run (2 files,
 * 5 stages, 8 tables, 20 arrows) crosses twice, 0.1 per arrow, and reads at
 * a glance; the monthly cycle (8 files, 11 stages, 32 tables, 114 arrows)
 * crosses 266 times, 2.3 per arrow, and even without its drop files 1.5 per
 * arrow: bundles of arrows run side by side across the page and no arrow
 * can be followed from its stage to its table. One is the line between.
 */
export const MAX_CROSSINGS_PER_ARROW = 1;

/** Whether a drawing is worth showing: it reads when its arrows cross at most MAX_CROSSINGS_PER_ARROW times each. */
export const lineageReads = (d: Pick<LineageDrawing, 'crossingsPerArrow'>) => d.crossingsPerArrow <= MAX_CROSSINGS_PER_ARROW;

/** The drawing with its tangle measured, or null when no stage completed. */
export function lineageDrawing(events: readonly LineageRunEvent[], opts: { idPrefix?: string; title?: string } = {}): LineageDrawing | null {
  const graph = lineageGraph(events);
  if (!graph.nodes.length) return null;
  const { nodes, edges } = graph;
  const p = opts.idPrefix ?? 'lineage-graph';
  const { boxes, routes, width: graphWidth, height: graphHeight } = placeGraph(graph);

  const count = (kind: LineageNodeKind) => nodes.filter((n) => n.kind === kind).length;
  const kinds = (['file', 'stage', 'table', 'dataset'] as const).filter((k) => count(k) > 0);
  const legend = legendSvg(kinds, p);
  const width = Math.ceil(Math.max(graphWidth, legend.width));
  const height = Math.ceil(graphHeight + LEGEND_H);
  const down = (q: Point) => ({ x: q.x, y: q.y + LEGEND_H });

  const summary = `${kinds.map((k) => plural(count(k), PALETTE[k].name)).join(', ')}; ${plural(edges.length, 'arrow')}, `
    + 'each from a dataset a stage read to that stage, or from the stage to a dataset it wrote.';
  const paths = edges.map((e, i) =>
    `<path class="edge" data-kind="${e.kind}" data-from="${esc(e.from)}" data-to="${esc(e.to)}" d="${curve(routes[i].map(down))}" marker-end="url(#${p}-arrow)"/>`);
  const shapes = nodes.map((n) => { const b = boxes.get(n.id)!; return nodeSvg(n, { ...b, y: b.y + LEGEND_H }); });

  const crossings = countCrossings(routes);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" class="lineage-graph" role="img" aria-labelledby="${p}-title ${p}-desc" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" font-size="${SIZE}">`
    + `<title id="${p}-title">${esc(opts.title ?? 'Lineage of the run')}</title><desc id="${p}-desc">${esc(summary)}</desc>`
    + `<defs><marker id="${p}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" markerUnits="userSpaceOnUse" orient="auto">`
    + `<path d="M0 0L10 5L0 10z" fill="${EDGE}"/></marker></defs>`
    + legend.svg
    + `<g fill="none" stroke="${EDGE}" stroke-width="1">${paths.join('')}</g>`
    + `<g>${shapes.join('')}</g></svg>`;
  return { svg, arrows: edges.length, crossings, crossingsPerArrow: edges.length ? crossings / edges.length : 0 };
}

/** Points where two routes' segments cross properly (touching ends, as at a shared node, do not count). */
export function countCrossings(routes: readonly (readonly Point[])[]): number {
  const segments = routes.map((r) => r.slice(1).map((q, k) => [r[k], q] as const));
  const bounds = routes.map((r) => ({ x0: Math.min(...r.map((q) => q.x)), x1: Math.max(...r.map((q) => q.x)), y0: Math.min(...r.map((q) => q.y)), y1: Math.max(...r.map((q) => q.y)) }));
  let n = 0;
  for (let i = 0; i < routes.length; i++) {
    for (let j = i + 1; j < routes.length; j++) {
      const a = bounds[i];
      const b = bounds[j];
      if (a.x1 < b.x0 || b.x1 < a.x0 || a.y1 < b.y0 || b.y1 < a.y0) continue;
      for (const [p, q] of segments[i]) for (const [r, s] of segments[j]) if (properlyCross(p, q, r, s)) n++;
    }
  }
  return n;
}

const side = (a: Point, b: Point, c: Point) => Math.sign((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x));
const properlyCross = (p: Point, q: Point, r: Point, s: Point) =>
  side(p, q, r) * side(p, q, s) < 0 && side(r, s, p) * side(r, s, q) < 0;

const NODESEP = 14;
const EDGESEP = 6;
const RANKSEP = 44;
const MARGIN = 1;
// The widest a rank's nodes may be before it is split: the page's 1100 px less its padding and room for arrows between nodes.
const ROW_WIDTH = 960;

/**
 * Node boxes and edge routes, top to bottom in run order. dagre ranks the
 * nodes and orders each rank to keep crossings few; its own x placement
 * (Brandes-Köpf) spreads this graph to three times the page's width, so x is
 * placed again here, compactly: each rank keeps dagre's order and minimum
 * gaps, and is pulled, sweep after sweep, toward its neighbours above and
 * below (a least-squares fit under the order constraints).
 */
function placeGraph({ nodes, edges }: LineageGraph): { boxes: Map<string, Box>; routes: Point[][]; width: number; height: number } {
  // Ranks follow run order: an arrow against it (a stage reading what a later stage writes, a table written
  // again by a later stage) is laid out the other way round and drawn reversed, so the loops a run closes
  // (publish moves the alias the next backtest reads) point up, instead of dagre reversing arrows anywhere.
  const step = new Map(nodes.map((n) => [n.id, n.step]));
  const pair = new Set(edges.map((e) => `${e.from}\u0000${e.to}`));
  const laid = edges.map((e, i) => {
    const back = step.get(e.from)! > step.get(e.to)!;
    // A stage that reads and writes one table: two ranks apart, so the two arrows curve side by side instead of on one line.
    return { ref: { v: back ? e.to : e.from, w: back ? e.from : e.to, name: String(i) }, back, minlen: back && pair.has(`${e.to}\u0000${e.from}`) ? 2 : 1 };
  });
  const rank = () => {
    const g = new Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: true });
    g.setGraph({ rankdir: 'TB', nodesep: NODESEP, ranksep: RANKSEP, edgesep: EDGESEP, marginx: MARGIN, marginy: MARGIN });
    for (const n of nodes) g.setNode(n.id, size(n));
    for (const l of laid) g.setEdge(l.ref, { minlen: l.minlen });
    layout(g);
    return g;
  };
  // A rank wider than the page (the drop's files, the tables validate writes) is split in two: every other
  // node in it moves a rank up (its outgoing arrows one rank longer) or, when it points nowhere, a rank down.
  let g = rank();
  for (let pass = 0; pass < 3; pass++) {
    const rows = new Map<number, string[]>();
    for (const n of nodes) {
      const y = Math.round(g.node(n.id).y! * 10);
      (rows.get(y) ?? rows.set(y, []).get(y)!).push(n.id);
    }
    const crowded = [...rows.values()].filter((ids) => ids.length > 1 && ids.reduce((w, id) => w + g.node(id).width + NODESEP, 0) > ROW_WIDTH);
    if (!crowded.length) break;
    for (const ids of crowded) {
      ids.sort((a, b) => g.node(a).x! - g.node(b).x!).forEach((id, k) => {
        if (k % 2 === 0) return;
        const out = laid.filter((l) => l.ref.v === id);
        for (const l of out.length ? out : laid.filter((l) => l.ref.w === id)) l.minlen++;
      });
    }
    g = rank();
  }

  // Slots: the nodes and, for each edge, the bends dagre routed it through (one per rank it crosses).
  interface Slot { w: number; x: number; y: number; real: boolean; above: Slot[]; below: Slot[] }
  const slot = (w: number, x: number, y: number, real: boolean): Slot => ({ w, x, y, real, above: [], below: [] });
  const at = new Map(nodes.map((n) => {
    const d = g.node(n.id);
    return [n.id, slot(d.width, d.x!, d.y!, true)];
  }));
  const chains = laid.map(({ ref }) => {
    const bends = g.edge(ref).points!.slice(1, -1).map((q) => slot(0, q.x, q.y, false));
    const chain = [at.get(ref.v)!, ...bends, at.get(ref.w)!];
    for (let k = 1; k < chain.length; k++) {
      chain[k - 1].below.push(chain[k]);
      chain[k].above.push(chain[k - 1]);
    }
    return chain;
  });
  const byY = new Map<number, Slot[]>();
  for (const s of [...at.values(), ...chains.flatMap((c) => c.slice(1, -1))]) {
    const y = Math.round(s.y * 10);
    (byY.get(y) ?? byY.set(y, []).get(y)!).push(s);
  }
  const ranks = [...byY.keys()].sort((a, b) => a - b).map((y) => byY.get(y)!.sort((a, b) => a.x - b.x));

  const gap = (a: Slot, b: Slot) => a.w / 2 + b.w / 2 + (a.real && b.real ? NODESEP : a.real || b.real ? (NODESEP + EDGESEP) / 2 : EDGESEP);
  const pull = (rank: Slot[], toward: (s: Slot) => Slot[]) => fit(rank, rank.map((s) => {
    const ns = toward(s);
    return ns.length ? ns.reduce((sum, n) => sum + n.x, 0) / ns.length : s.x;
  }), gap);
  for (const rank of ranks) fit(rank, rank.map(() => 0), gap);
  for (let sweep = 0; sweep < 12; sweep++) {
    for (const rank of ranks) pull(rank, (s) => s.above);
    for (const rank of [...ranks].reverse()) pull(rank, (s) => s.below);
  }
  for (const rank of ranks) pull(rank, (s) => [...s.above, ...s.below]);

  const left = Math.min(...ranks.flatMap((r) => r.map((s) => s.x - s.w / 2)));
  const right = Math.max(...ranks.flatMap((r) => r.map((s) => s.x + s.w / 2)));
  const shift = MARGIN - left;
  const boxes = new Map(nodes.map((n) => {
    const s = at.get(n.id)!;
    const h = g.node(n.id).height;
    return [n.id, { x: s.x + shift - s.w / 2, y: s.y - h / 2, w: s.w, h }];
  }));
  // Every edge leaves the bottom of the node above and enters the top of the node below; the ends on one
  // side of a node spread along it in the order of where they come from, so arrowheads do not pile up.
  const ports = new Map<string, { i: number; end: 0 | 1; toward: number }[]>();
  laid.forEach(({ ref }, i) => {
    const chain = chains[i];
    for (const [id, end, side, next] of [[ref.v, 0, 'bottom', chain[1]], [ref.w, 1, 'top', chain[chain.length - 2]]] as const) {
      const key = `${id}\u0000${side}`;
      (ports.get(key) ?? ports.set(key, []).get(key)!).push({ i, end, toward: next.x });
    }
  });
  const routes = chains.map((c) => c.map((s) => ({ x: s.x + shift, y: s.y })));
  for (const [key, list] of ports) {
    const [id, side] = key.split('\u0000');
    const b = boxes.get(id)!;
    list.sort((a, z) => a.toward - z.toward || a.i - z.i).forEach((port, k) => {
      const x = b.x + b.w * (list.length === 1 ? 0.5 : 0.2 + (0.6 * k) / (list.length - 1));
      const route = routes[port.i];
      route[port.end === 0 ? 0 : route.length - 1] = { x, y: side === 'top' ? b.y : b.y + b.h };
    });
  }
  laid.forEach(({ back }, i) => back && routes[i].reverse());
  return { boxes, routes, width: right - left + 2 * MARGIN, height: g.graph().height ?? 0 };
}

/**
 * Positions closest (least squares) to `want` that keep the slots in order
 * and at least `gap` apart: pool-adjacent-violators on the positions less
 * the gaps before them.
 */
function fit<S extends { x: number }>(slots: S[], want: number[], gap: (a: S, b: S) => number): void {
  const offset = [0];
  for (let i = 1; i < slots.length; i++) offset.push(offset[i - 1] + gap(slots[i - 1], slots[i]));
  const blocks: { sum: number; n: number }[] = [];
  for (let i = 0; i < slots.length; i++) {
    blocks.push({ sum: want[i] - offset[i], n: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2].sum / blocks[blocks.length - 2].n > blocks[blocks.length - 1].sum / blocks[blocks.length - 1].n) {
      const last = blocks.pop()!;
      blocks[blocks.length - 1].sum += last.sum;
      blocks[blocks.length - 1].n += last.n;
    }
  }
  let i = 0;
  for (const b of blocks) for (let k = 0; k < b.n; k++, i++) slots[i].x = b.sum / b.n + offset[i];
}

function size(n: LineageNode): { width: number; height: number } {
  const text = Math.max(n.label.length * CHAR, (n.note?.length ?? 0) * NOTE_CHAR);
  const extra = n.kind === 'file' ? 8 : n.kind === 'table' ? 6 : 0; // the folded corner; the cylinder's curved ends
  return { width: Math.ceil(text + 2 * PAD + extra), height: (n.note ? 36 : 24) + (n.kind === 'table' ? 8 : 0) };
}

/** The outline of a node of this kind, in a box at the origin. */
function shape(kind: LineageNodeKind, w: number, h: number): string {
  const c = PALETTE[kind];
  const paint = `fill="${c.fill}" stroke="${c.stroke}" stroke-width="1.2"`;
  if (kind === 'file') {
    const f = 8;
    return `<path d="M0 0H${f2(w - f)}L${f2(w)} ${f}V${f2(h)}H0Z" ${paint}/><path d="M${f2(w - f)} 0V${f}H${f2(w)}" fill="none" stroke="${c.stroke}" stroke-width="1.2"/>`;
  }
  if (kind === 'stage') return `<rect width="${f2(w)}" height="${f2(h)}" rx="7" ${paint}/>`;
  if (kind === 'table') {
    const rx = f2(w / 2);
    const ry = 4;
    return `<path d="M0 ${ry}A${rx} ${ry} 0 0 1 ${f2(w)} ${ry}V${f2(h - ry)}A${rx} ${ry} 0 0 1 0 ${f2(h - ry)}Z" ${paint}/>`
      + `<path d="M0 ${ry}A${rx} ${ry} 0 0 0 ${f2(w)} ${ry}" fill="none" stroke="${c.stroke}" stroke-width="1.2"/>`;
  }
  return `<rect width="${f2(w)}" height="${f2(h)}" ${paint} stroke-dasharray="4 2"/>`;
}

function nodeSvg(n: LineageNode, b: Box): string {
  const c = PALETTE[n.kind];
  const top = n.kind === 'table' ? 4 : 0; // text sits below a cylinder's top ellipse
  const cx = f2((b.w - (n.kind === 'file' ? 4 : 0)) / 2);
  const mid = top + (b.h - top) / 2;
  const text = n.note
    ? `<text x="${cx}" y="${f2(mid - 2)}" text-anchor="middle" fill="${c.text}">${esc(n.label)}</text>`
      + `<text x="${cx}" y="${f2(mid + 12)}" text-anchor="middle" fill="${c.note}" font-size="${NOTE_SIZE}">${esc(n.note)}</text>`
    : `<text x="${cx}" y="${f2(mid + 4)}" text-anchor="middle" fill="${c.text}">${esc(n.label)}</text>`;
  return `<g class="node" data-kind="${n.kind}" data-id="${esc(n.id)}" data-box="${f2(b.x)} ${f2(b.y)} ${f2(b.w)} ${f2(b.h)}" transform="translate(${f2(b.x)} ${f2(b.y)})">`
    + `<title>${esc(n.full)}</title>${shape(n.kind, b.w, b.h)}${text}</g>`;
}

/** A row naming each kind beside its shape, and what an arrow means. */
function legendSvg(kinds: readonly LineageNodeKind[], p: string): { svg: string; width: number } {
  let x = 1;
  const items: string[] = [];
  for (const k of kinds) {
    items.push(`<g transform="translate(${x} 8)">${shape(k, 26, 20)}</g>`
      + `<text x="${x + 32}" y="22" fill="#1a1a1a">${esc(PALETTE[k].name)}</text>`);
    x += 32 + PALETTE[k].name.length * CHAR + 18;
  }
  const arrow = 'a stage reads what points to it and writes what it points to';
  items.push(`<path d="M${f2(x)} 18H${f2(x + 30)}" stroke="${EDGE}" marker-end="url(#${p}-arrow)"/>`
    + `<text x="${f2(x + 38)}" y="22" fill="#1a1a1a">${arrow}</text>`);
  x += 38 + arrow.length * CHAR;
  return { svg: `<g class="legend">${items.join('')}</g>`, width: x + 1 };
}

/** A smooth path through a route's points that arrives along its last segment, so the arrowhead points the way the edge runs. */
function curve(pts: { x: number; y: number }[]): string {
  if (pts.length < 3) return `M${pts.map((q) => `${f2(q.x)} ${f2(q.y)}`).join('L')}`;
  let d = `M${f2(pts[0].x)} ${f2(pts[0].y)}`;
  for (let i = 1; i < pts.length - 1; i++) {
    const mx = (pts[i].x + pts[i + 1].x) / 2;
    const my = (pts[i].y + pts[i + 1].y) / 2;
    d += i === pts.length - 2 ? `Q${f2(pts[i].x)} ${f2(pts[i].y)} ${f2(pts[i + 1].x)} ${f2(pts[i + 1].y)}` : `Q${f2(pts[i].x)} ${f2(pts[i].y)} ${f2(mx)} ${f2(my)}`;
  }
  return d;
}

const f2 = (v: number) => String(Math.round(v * 10) / 10);
const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
