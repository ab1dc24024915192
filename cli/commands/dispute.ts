/**
 * `acvloop dispute RUN --opportunity ID --reason TEXT [--by NAME]` flags a
 * misattribution for the next review; `acvloop dispute resolve ID --by NAME
 * --note TEXT` closes it. Both are append-only rows with an audit entry.
 *
 * The credit a dispute records is recomputed from what the run stored, not
 * kept at retrain for every deal (disputes are rare; a table of every deal's
 * credit would grow with every run): the opportunity's journey is rebuilt
 * from the run's batch (`src_touchpoints` of its buying group, as of the
 * run's month end) under the policy the run's attribution version recorded,
 * and the reported model credits it (models/attribution-deal.ts).
 */
import type { Kysely } from 'kysely';
import { asOfDate } from '../../lib/dates';
import type { AcvContract, AcvOpportunity } from '../../models/attribution-acv';
import { dealCredit, type DealCredit } from '../../models/attribution-deal';
import type { PathModel } from '../../models/attribution-paths';
import { attributionOptions, parseAttributionPolicy } from '../../models/attribution-policy';
import type { Database } from '../../sql/database';
import type { Db } from '../../sql/db';
import { writeAudit } from '../../store/audit-log';
import { disputeForUpdate, insertDispute, insertResolution, resolutionOf } from '../../store/disputes';
import { modelVersionId } from '../../store/model-registry';
import { runById } from '../../store/runs';
import { openDb } from '../env';
import { printJson, say, table } from '../output';
import { usd } from '../../lib/format';

export interface RaisedDispute {
  id: string;
  runId: string;
  opportunityId: string;
  reason: string;
  raisedBy: string;
  raisedAt: string;
  model: PathModel;
  policyVersion: string;
  credit: DealCredit;
}

/** What the run credited to `opportunityId` under its reported model, or a clear error when it credited nothing. */
export async function creditInRun(handle: Db, runId: string, opportunityId: string): Promise<{ credit: DealCredit; policyVersion: string; modelVersionId: string; dropSha256: string }> {
  const { db } = handle;
  const run = await runById(db, runId);
  if (!run) throw new Error(`no run ${runId} in schema ${handle.schema}`);
  const versionId = modelVersionId(runId, 'attribution');
  const version = await db.selectFrom('model_versions').select('params').where('model_version_id', '=', versionId).executeTakeFirst();
  if (!version) throw new Error(`run ${runId} has attributed nothing yet: its retrain stage has not finished`);
  const stored = (version.params as { policy?: { document?: unknown; version?: string; sha256?: string } }).policy;
  const recorded = stored?.document;
  if (!recorded) throw new Error(`run ${runId} predates attribution policies (${versionId} records none): its credit cannot be recomputed`);
  const parsed = parseAttributionPolicy(recorded, `the attribution policy recorded in ${versionId}`);
  // The version the run recorded, not the hash of the document parsed again today: a later release that adds a
  // field with a default (1.1.0's engagement) would hash an old document differently.
  const loaded = stored?.version && stored.sha256 ? { ...parsed, policyVersion: `${stored.version}@${stored.sha256.slice(0, 12)}` } : parsed;
  const batch = await db.selectFrom('run_batches').select('batch_id').where('run_id', '=', runId).executeTakeFirstOrThrow();
  const asOf = asOfDate(run.month);

  // The same cut as retrain: what was known before the run's month ended.
  const opp = await db.selectFrom('src_opportunities').select(['opportunity_id', 'account_id', 'created_at', 'closed_at', 'stage', 'amount_usd'])
    .where('batch_id', '=', batch.batch_id).where('opportunity_id', '=', opportunityId).executeTakeFirst();
  const notAttributed = `run ${runId} did not attribute opportunity ${opportunityId}`;
  if (!opp) throw new Error(`${notAttributed}: it is not in the run's drop`);
  if (opp.created_at >= asOf) throw new Error(`${notAttributed}: it was created on ${opp.created_at}, after the run's month ${run.month}`);
  const wonByMonthEnd = opp.stage === 'won' && !(opp.closed_at !== null && opp.closed_at >= asOf);
  if (!wonByMonthEnd) {
    const state = opp.stage === 'won' ? `open at the end of ${run.month}` : opp.stage;
    throw new Error(`${notAttributed}: it was ${state}, and only won deals are credited`);
  }

  const rollup = await db.selectFrom('account_rollup').select('top_parent_id')
    .where('run_id', '=', runId).where('account_id', '=', opp.account_id).executeTakeFirst();
  const topParentId = rollup?.top_parent_id ?? opp.account_id;
  const family = await familyOf(db, runId, topParentId, opp.account_id);
  const touches = await handle.pool.query(
    `select account_id, channel, campaign_id, kind,
            to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_at
       from src_touchpoints where batch_id = $1 and account_id = any($2) and occurred_at < $3::date order by line`,
    [batch.batch_id, family, asOf]);
  const contracts = await db.selectFrom('src_contracts').select(['contract_id', 'account_id', 'opportunity_id', 'previous_contract_id', 'start_date', 'acv_usd'])
    .where('batch_id', '=', batch.batch_id).where('opportunity_id', '=', opportunityId).where('start_date', '<', asOf).execute();
  const account = await db.selectFrom('src_accounts').select(['segment', 'region'])
    .where('batch_id', '=', batch.batch_id).where('account_id', '=', opp.account_id).executeTakeFirst();

  const model = loaded.policy.reportedModel;
  let removalEffects: Record<string, number> | undefined;
  if (model === 'markov') {
    const rows = await db.selectFrom('attribution_removal_effects').select(['channel', 'removal_effect'])
      .where('run_id', '=', runId).where('revenue', '=', 'new').execute();
    removalEffects = Object.fromEntries(rows.map((r) => [r.channel, r.removal_effect]));
  }
  const opportunity: AcvOpportunity = { opportunity_id: opp.opportunity_id, account_id: opp.account_id, created_at: opp.created_at, stage: 'won', amount_usd: Number(opp.amount_usd) };
  const credit = dealCredit({
    touches: touches.rows,
    opportunities: [opportunity],
    contracts: contracts.map((c): AcvContract => ({ ...c, acv_usd: Number(c.acv_usd) })),
    topParent: new Map(family.map((a) => [a, topParentId])),
    segmentOf: new Map(account ? [[opp.account_id, account.segment]] : []),
    regionOf: new Map(account?.region ? [[opp.account_id, account.region]] : []),
  }, opportunityId, model, attributionOptions(loaded.policy), removalEffects);
  return { credit, policyVersion: loaded.policyVersion, modelVersionId: versionId, dropSha256: run.drop_sha256 };
}

/** The accounts of the buying group (same top parent in the run's account graph). */
async function familyOf(db: Kysely<Database>, runId: string, topParentId: string, accountId: string): Promise<string[]> {
  const rows = await db.selectFrom('account_rollup').select('account_id').where('run_id', '=', runId).where('top_parent_id', '=', topParentId).execute();
  const accounts = new Set(rows.map((r) => r.account_id));
  accounts.add(accountId);
  return [...accounts];
}

/** Records a dispute and its audit entry in one transaction. */
export async function raiseDispute(handle: Db, input: { runId: string; opportunityId: string; reason: string; raisedBy: string }): Promise<RaisedDispute> {
  const reason = input.reason.trim();
  const raisedBy = input.raisedBy.trim();
  if (!reason) throw new Error('a dispute needs a reason (--reason TEXT)');
  if (!raisedBy) throw new Error('a dispute needs the name of who raises it (--by NAME)');
  const { credit, policyVersion, modelVersionId: versionId, dropSha256 } = await creditInRun(handle, input.runId, input.opportunityId);
  return handle.db.transaction().execute(async (trx) => {
    const row = await insertDispute(trx, { runId: input.runId, opportunityId: input.opportunityId, reason, raisedBy, model: credit.model, policyVersion, credit });
    await writeAudit(trx, {
      actor: raisedBy, action: 'dispute.raised', runId: input.runId, reason,
      after: { disputeId: row.id, opportunityId: input.opportunityId, model: credit.model, policyVersion, acv: credit.acv, byChannel: credit.byChannel },
      key: `dispute.raised:${row.id}`, modelVersion: versionId, dropSha256,
    });
    return {
      id: row.id, runId: input.runId, opportunityId: input.opportunityId, reason, raisedBy, raisedAt: row.raised_at.toISOString(),
      model: credit.model, policyVersion, credit,
    };
  });
}

/** Resolves an open dispute: a resolution row and an audit entry. */
export async function resolveDispute(handle: Db, input: { id: string; resolvedBy: string; note: string }) {
  const note = input.note.trim();
  const resolvedBy = input.resolvedBy.trim();
  if (!/^\d+$/.test(input.id)) throw new Error(`dispute id must be a number, got "${input.id}"`);
  if (!note) throw new Error('a resolution needs a note (--note TEXT)');
  if (!resolvedBy) throw new Error('a resolution needs the name of who resolves it (--by NAME)');
  return handle.db.transaction().execute(async (trx) => {
    const dispute = await disputeForUpdate(trx, input.id);
    if (!dispute) throw new Error(`no dispute ${input.id} in schema ${handle.schema}`);
    const done = await resolutionOf(trx, input.id);
    if (done) throw new Error(`dispute ${input.id} was already resolved by ${done.resolved_by} at ${done.resolved_at.toISOString()}`);
    const row = await insertResolution(trx, { disputeId: input.id, resolvedBy, note });
    // No drop hash on a resolution, as before: null, not the run's.
    await writeAudit(trx, {
      actor: resolvedBy, action: 'dispute.resolved', runId: dispute.run_id, before: { disputeId: dispute.id, open: true },
      after: { disputeId: dispute.id, open: false, opportunityId: dispute.opportunity_id }, reason: note,
      key: `dispute.resolved:${dispute.id}`, modelVersion: modelVersionId(dispute.run_id, 'attribution'), dropSha256: null,
    });
    return { id: dispute.id, runId: dispute.run_id, opportunityId: dispute.opportunity_id, resolvedBy, note, resolvedAt: row.resolved_at.toISOString() };
  });
}

export async function disputeCommand(runId: string, opts: { opportunity?: string; reason?: string; by?: string; json?: boolean }): Promise<number> {
  if (!opts.opportunity) throw new Error('acvloop dispute needs --opportunity ID (the opportunity whose credit is disputed)');
  if (opts.reason === undefined) throw new Error('acvloop dispute needs --reason TEXT (what is wrong with the credit)');
  // No default (the login name of whoever runs the CLI, or "unknown"): the review must know who to ask.
  const by = opts.by?.trim();
  if (!by) throw new Error('acvloop dispute needs --by NAME (who raises it: the review asks them about it)');
  const handle = await openDb();
  try {
    const d = await raiseDispute(handle, { runId, opportunityId: opts.opportunity!, reason: opts.reason!, raisedBy: by });
    if (opts.json) printJson(d);
    else {
      say(`dispute ${d.id} raised by ${d.raisedBy} on opportunity ${d.opportunityId} of ${d.runId}: ${d.reason}`);
      say(`credit under the reported model (${d.model}, policy ${d.policyVersion}) of its ${usd(d.credit.acv)} ACV, ${d.credit.journey.length} touches:`);
      say(table(['channel', 'share', 'ACV'], Object.entries(d.credit.byChannel).map(([ch, c]) => [ch, c.conversions.toFixed(3), usd(c.acv)])));
    }
    return 0;
  } finally {
    await handle.close();
  }
}

export async function resolveDisputeCommand(id: string, opts: { by: string; note: string; json?: boolean }): Promise<number> {
  const handle = await openDb();
  try {
    const r = await resolveDispute(handle, { id, resolvedBy: opts.by, note: opts.note });
    if (opts.json) printJson(r);
    else say(`dispute ${r.id} (opportunity ${r.opportunityId} of ${r.runId}) resolved by ${r.resolvedBy}: ${r.note}`);
    return 0;
  } finally {
    await handle.close();
  }
}
