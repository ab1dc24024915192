import path from 'node:path';

/**
 * Traces every output of a run back to the drop files it came from, over the
 * run's OpenLineage RunEvents alone (a pure function: no database).
 *
 * Each COMPLETE event says "job J read these inputs and wrote these outputs",
 * which gives an edge input -> output per pair. An output's upstream files
 * are the file datasets among its ancestors. Files are identified by content
 * (name and sha256 from the `acvloop_content` facet), not by path alone: the
 * same path seen with two hashes is two different files, and a file dataset
 * without a hash is no root at all, so nothing traces to it.
 *
 * Paths respect the order of the events: an edge made by event k continues
 * back only through edges of events before k, since a stage cannot have read
 * what a later stage wrote (the backtest reads model_alias_events, which the
 * publish stage writes after it: the publish is not upstream of the backtest).
 *
 * START and FAIL events carry no finished edges and are ignored; a COMPLETE
 * repeated by a retried attempt adds the same edges again, which changes
 * nothing.
 *
 * @example
 * const file = { namespace: 'file', name: '/d/a.csv', facets: { acvloop_content: { sha256: 'ab' } } };
 * const raw = { namespace: 'postgres://acvloop', name: 's.raw_rows' };
 * traceLineage([{ eventType: 'COMPLETE', job: { namespace: 'acvloop', name: 'monthly_cycle.ingest' }, inputs: [file], outputs: [raw] }])
 * // => { outputs: [{ dataset: 'postgres://acvloop/s.raw_rows', table: 'raw_rows', producedBy: 'ingest', via: ['ingest'],
 * //                  upstreamFiles: [{ file: 'a.csv', path: '/d/a.csv', sha256: 'ab', contractVersion: null }], ... }], untraced: [], ... }
 */

export interface LineageDatasetRef {
  namespace: string;
  name: string;
  facets?: Record<string, unknown>;
}

/** The parts of an OpenLineage RunEvent the trace reads. */
export interface LineageRunEvent {
  eventType: string;
  job: { namespace: string; name: string };
  inputs?: LineageDatasetRef[];
  outputs?: LineageDatasetRef[];
  run?: { facets?: { parent?: { job?: { name?: string } } } & Record<string, unknown> };
}

export interface TracedFile {
  /** The file's name within the drop (the basename of its path). */
  file: string;
  path: string;
  sha256: string;
  contractVersion: string | null;
}

export interface TracedOutput {
  /** `<namespace>/<name>` of the dataset. */
  dataset: string;
  namespace: string;
  name: string;
  /** The table name when the dataset is a Postgres table (its name's last dotted part), else null. */
  table: string | null;
  /** The job of the first COMPLETE event that wrote it. */
  producedBy: string;
  /** Every job that wrote it (a dataset may be recorded by more than one stage). */
  writtenBy: string[];
  /** Jobs on the paths from the drop files to this output, in the order the run ran them. */
  via: string[];
  upstreamFiles: TracedFile[];
  /** Every dataset upstream of it (files excluded), sorted. */
  upstreamDatasets: string[];
  /** The upstream datasets the run itself wrote before they were read on the way here. */
  upstreamWritten: string[];
}

export interface LineageTrace {
  outputs: TracedOutput[];
  /** Outputs with no path back to any file with a content hash. */
  untraced: string[];
  /** Every file (with a content hash) the events name, sorted by file then hash. */
  files: TracedFile[];
}

/** The namespace OpenLineage integrations use for files; fileDataset in lib/openlineage.ts writes it. */
export const FILE_NAMESPACE = 'file';

export function traceLineage(events: readonly LineageRunEvent[]): LineageTrace {
  const nodes = new Map<string, Node>();
  // Edges into a dataset, stamped with the position of the event that made them:
  // a stage can only have read what earlier stages had written.
  const parents = new Map<string, { from: string; job: string; at: number }[]>();
  const writes = new Map<string, { job: string; at: number }[]>();
  const jobOrder = new Map<string, number>();
  // The first event after which a dataset holds something derived from a file (files: from the start).
  const fedAt = new Map<string, number>();

  events.forEach((event, at) => {
    if (event.eventType !== 'COMPLETE') return;
    const job = shortJobName(event);
    if (!jobOrder.has(job)) jobOrder.set(job, jobOrder.size);
    const ins = (event.inputs ?? []).map((d) => addNode(nodes, fedAt, d));
    const fed = ins.some((k) => (fedAt.get(k) ?? Infinity) < at);
    for (const d of event.outputs ?? []) {
      const out = addNode(nodes, fedAt, d);
      push(writes, out, { job, at });
      for (const from of ins) push(parents, out, { from, job, at });
      if (fed && !fedAt.has(out)) fedAt.set(out, at);
    }
  });

  const traced: TracedOutput[] = [];
  for (const [key, written] of writes) {
    const node = nodes.get(key)!;
    if (node.file) continue;
    // Walk back along edges whose events come ever earlier; `bound` keeps, per dataset, the latest
    // event it may have fed into on the way here (a later bound reaches at least as far back).
    const bound = new Map<string, number>([[key, Infinity]]);
    const via = new Set<string>();
    const stack = [key];
    while (stack.length) {
      const k = stack.pop()!;
      const before = bound.get(k)!;
      for (const p of parents.get(k) ?? []) {
        if (p.at >= before) continue;
        if ((fedAt.get(p.from) ?? Infinity) < p.at) via.add(p.job);
        if ((bound.get(p.from) ?? -Infinity) < p.at) {
          bound.set(p.from, p.at);
          stack.push(p.from);
        }
      }
    }
    const upstream = [...bound.keys()].filter((k) => k !== key).map((k) => nodes.get(k)!);
    const name = (n: Node) => `${n.namespace}/${n.name}`;
    traced.push({
      dataset: name(node),
      namespace: node.namespace,
      name: node.name,
      table: tableOf(node),
      producedBy: written[0].job,
      writtenBy: [...new Set(written.map((w) => w.job))],
      via: [...via].sort((a, b) => jobOrder.get(a)! - jobOrder.get(b)!),
      upstreamFiles: sortFiles(upstream.flatMap((n) => (n.file ? [n.file] : []))),
      upstreamDatasets: upstream.filter((n) => !n.file).map(name).sort(),
      upstreamWritten: upstream.filter((n) => !n.file && (writes.get(n.key) ?? []).some((w) => w.at < bound.get(n.key)!)).map(name).sort(),
    });
  }
  traced.sort((a, b) => (a.dataset < b.dataset ? -1 : a.dataset > b.dataset ? 1 : 0));
  return {
    outputs: traced,
    untraced: traced.filter((o) => o.upstreamFiles.length === 0).map((o) => o.dataset),
    files: sortFiles([...nodes.values()].flatMap((n) => (n.file ? [n.file] : []))),
  };
}

/**
 * Tables that record the run's own process (who asked, which stage ran when,
 * the events themselves, the decision), not data derived from the drop: they
 * have rows for a run without being outputs of a stage.
 */
export const RUN_RECORD_TABLES: readonly string[] = [
  'runs', 'run_stage_events', 'run_outcomes', 'run_batches', 'lineage_events', 'audit_log', 'approvals', 'approval_decisions',
];

export interface LineageGaps {
  /** Outputs with no path back to a drop file. */
  untraced: string[];
  /** Outputs traced to a file whose name and hash are not among the drop's files. */
  notFromDrop: { dataset: string; file: string; sha256: string }[];
  /** Tables holding rows of the run that no COMPLETE event names as an output. */
  unrecorded: string[];
}

/**
 * What keeps a run's lineage from being complete: every table with rows of
 * the run (other than the run's own records) must be an output of the events,
 * and every output must lead back to files of the drop, matched by name and
 * content hash.
 */
export function lineageGaps(trace: LineageTrace, dropFiles: readonly { file: string; sha256: string }[], runTables: readonly string[]): LineageGaps {
  const inDrop = new Set(dropFiles.map((f) => `${f.file}@${f.sha256}`));
  const notFromDrop = trace.outputs.flatMap((o) => o.upstreamFiles
    .filter((f) => !inDrop.has(`${f.file}@${f.sha256}`))
    .map((f) => ({ dataset: o.dataset, file: f.file, sha256: f.sha256 })));
  const outputTables = new Set(trace.outputs.flatMap((o) => (o.table ? [o.table] : [])));
  const unrecorded = runTables.filter((t) => !RUN_RECORD_TABLES.includes(t) && !outputTables.has(t)).sort();
  return { untraced: trace.untraced, notFromDrop, unrecorded };
}

export function hasGaps(g: LineageGaps): boolean {
  return g.untraced.length + g.notFromDrop.length + g.unrecorded.length > 0;
}

interface Node {
  key: string;
  namespace: string;
  name: string;
  file: TracedFile | null;
}

/** A drop file's content hash from its `acvloop_content` facet; null for any other dataset, or a file named without one. */
export function fileSha256(d: LineageDatasetRef): string | null {
  const sha256 = (d.facets?.acvloop_content as { sha256?: unknown } | undefined)?.sha256;
  return d.namespace === FILE_NAMESPACE && typeof sha256 === 'string' && sha256 ? sha256 : null;
}

function addNode(nodes: Map<string, Node>, fedAt: Map<string, number>, d: LineageDatasetRef): string {
  const content = (d.facets?.acvloop_content ?? null) as { contractVersion?: unknown } | null;
  const sha256 = fileSha256(d);
  const key = sha256 ? `${d.namespace}/${d.name}@${sha256}` : `${d.namespace}/${d.name}`;
  const version = typeof content?.contractVersion === 'string' ? content.contractVersion : null;
  const known = nodes.get(key);
  if (known) {
    // Ingest names a file before its contract is known; validate names it with the version.
    if (known.file && !known.file.contractVersion && version) known.file.contractVersion = version;
    return key;
  }
  nodes.set(key, {
    key, namespace: d.namespace, name: d.name,
    file: sha256 ? { file: path.basename(d.name), path: d.name, sha256, contractVersion: version } : null,
  });
  if (sha256) fedAt.set(key, -1);
  return key;
}

/** `monthly_cycle.retrain` under parent job `monthly_cycle` is `retrain`. */
export function shortJobName(event: LineageRunEvent): string {
  const parent = event.run?.facets?.parent?.job?.name;
  const name = event.job.name;
  return parent && name.startsWith(`${parent}.`) ? name.slice(parent.length + 1) : name;
}

/** A Postgres dataset's table (its name's last dotted part: `schema.table` is `table`); null for any other dataset. */
export function tableOf(d: { namespace: string; name: string }): string | null {
  if (!d.namespace.startsWith('postgres')) return null;
  return d.name.split('.').pop() ?? null;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function sortFiles(files: TracedFile[]): TracedFile[] {
  return [...files].sort((a, b) => (a.file === b.file ? (a.sha256 < b.sha256 ? -1 : 1) : a.file < b.file ? -1 : 1));
}
