import type { Command } from 'commander';
import type { openDb } from '../env';
import { printJson, say, table } from '../output';

// Loaded on use: registering the command (also for `acvloop --help`) loads none of these.
const config = () => require('../../config/load') as typeof import('../../config/load');
const cards = () => require('../../governance/model-card') as typeof import('../../governance/model-card');
const registry = () => require('../../governance/registry-commands') as typeof import('../../governance/registry-commands');
const env = () => require('../env') as typeof import('../env');

/** `acvloop models list|show|promote|rollback`: the model registry and its aliases. */
export function modelsCommand(program: Command, act: (load: () => (...a: any[]) => Promise<number>) => (...a: any[]) => Promise<void>): void {
  const models = program.command('models').description('the model registry: immutable versions, champion and challenger aliases');
  models.command('list').description('every model version with its aliases and gate result')
    .option('--family <family>', 'one family: attribution, incrementality, forecast, renewal, survival, accounts')
    .option('--json', 'print JSON')
    .action(act(() => listCommand));
  models.command('show').description('a version: parameters, metrics, training files, backtests, gate checks, alias history; for incrementality and forecast, what the model assumes (its card) and the forecast backtest coverage beside its target')
    .argument('<version>', 'model version id (e.g. cycle-2026-10-…-v1/renewal or baseline/renewal)')
    .option('--json', 'print JSON')
    .action(act(() => showCommand));
  models.command('promote').description('make a version champion of its family (an audited alias move)')
    .argument('<version>', 'model version id')
    .requiredOption('--by <name>', 'who promotes (an approver, when the config lists reviewers)')
    .requiredOption('--reason <text>', 'why')
    .option('--override-gate', 'promote a version that failed its gate, or whose run was rejected or expired (recorded in the audit log)')
    .option('--config <file>', 'the acvloop config (default: ACVLOOP_CONFIG)')
    .option('--json', 'print JSON')
    .action(act(() => promoteCommand));
  models.command('rollback').description('move a family\'s champion back to an earlier champion or to its baseline (audited)')
    .requiredOption('--to <version>', 'the version to go back to (e.g. baseline/forecast)')
    .requiredOption('--by <name>', 'who rolls back (an approver, when the config lists reviewers)')
    .requiredOption('--reason <text>', 'why')
    .option('--config <file>', 'the acvloop config (default: ACVLOOP_CONFIG)')
    .option('--json', 'print JSON')
    .action(act(() => rollbackCommand));
}

async function withDb<T>(body: (h: Awaited<ReturnType<typeof openDb>>) => Promise<T>): Promise<T> {
  const handle = await env().openDb();
  try {
    return await body(handle);
  } finally {
    await handle.close();
  }
}

async function listCommand(opts: { family?: string; json?: boolean }): Promise<number> {
  const versions = await withDb((h) => registry().listVersions(h, opts.family));
  if (opts.json) printJson({ versions });
  else say(table(['version', 'family', 'aliases', 'gate', 'created', 'code'], versions.map((v) => [
    v.version, v.family, v.aliases.join(',') || '-', v.baseline ? 'baseline' : v.gate ? (v.gate.passed ? 'passed' : 'failed') : '-',
    v.createdAt.slice(0, 19).replace('T', ' '), v.codeVersion])));
  return 0;
}

async function showCommand(version: string, opts: { json?: boolean }): Promise<number> {
  const v = await withDb(async (h) => {
    const shown = await registry().showVersion(h, version);
    return { ...shown, ...(await cards().versionCard(h, shown)) };
  });
  if (opts.json) {
    printJson(v);
    return 0;
  }
  say(`${v.version} — ${v.family}${v.baseline ? ' (baseline)' : ''} — aliases: ${v.aliases.join(', ') || 'none'}`);
  say(`run ${v.runId}, code ${v.codeVersion}, trained on batch ${v.trainingBatch}`);
  for (const f of v.trainingFiles) say(`  ${f.file.padEnd(20)} ${f.sha256}`);
  if (v.gate) say(`gate: ${v.gate.passed ? 'passed' : 'failed'} — ${v.gate.reason}`);
  if (v.gateChecks.length) {
    say(table(['check', 'kind', 'value', 'threshold', 'result'], v.gateChecks.map((c: any) => [c.name, c.kind, c.value === null ? '—' : String(+Number(c.value).toFixed(4)),
      c.threshold === null ? '—' : `${c.comparator} ${+Number(c.threshold).toFixed(4)}`, c.passed === null ? 'skipped' : c.passed ? 'pass' : 'FAIL'])));
  }
  if (v.backtests.length) say(table(['run', 'role', 'metric', 'value'], v.backtests.map((b) => [b.runId, b.role, b.metric, b.value === null ? '—' : String(+b.value.toFixed(4))])));
  if (v.aliasHistory.length) say(table(['at', 'alias', 'from', 'to', 'by', 'reason'], v.aliasHistory.map((e) => [e.at.slice(0, 19), e.alias, e.from ?? '-', e.to ?? '(cleared)', e.actor ?? '-', e.reason ?? ''])));
  if (v.family === 'incrementality' || v.family === 'forecast') {
    // The card ends with the forecast's backtest coverage when there is one; a forecast without a media-mix fit still has its coverage.
    if (v.card) say(v.family === 'incrementality' ? 'What it assumes:' : `What it assumes (the incrementality fit it is made from, ${(v.params as any).incrementality}):`);
    for (const line of v.card ? v.card.lines : v.coverage ? [v.coverage.sentence] : []) say(`  ${line}`);
    if (v.card?.channels.length) say('Each channel:');
    for (const c of v.card?.channels ?? []) say(`  ${c.text}`);
    if (!v.coverage) say('  Forecast backtest: none recorded for this version.');
  }
  say(`parameters: ${Object.keys((v.params as object) ?? {}).join(', ')} (--json prints them)`);
  return 0;
}

async function promoteCommand(version: string, opts: { by: string; reason: string; overrideGate?: boolean; config?: string; json?: boolean }): Promise<number> {
  const cfg = config().loadConfig(opts.config);
  const m = await withDb((h) => registry().promoteVersion(h, cfg, { version, by: opts.by, reason: opts.reason, overrideGate: opts.overrideGate }));
  if (opts.json) printJson(m);
  else say(`${m.family} champion: ${m.from ?? 'none'} -> ${m.to} (by ${m.actor}: ${m.reason})`);
  return 0;
}

async function rollbackCommand(opts: { to: string; by: string; reason: string; config?: string; json?: boolean }): Promise<number> {
  const cfg = config().loadConfig(opts.config);
  const m = await withDb((h) => registry().rollbackTo(h, cfg, { version: opts.to, by: opts.by, reason: opts.reason }));
  if (opts.json) printJson(m);
  else say(`${m.family} champion rolled back: ${m.from ?? 'none'} -> ${m.to} (by ${m.actor}: ${m.reason})`);
  return 0;
}
