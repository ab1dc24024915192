/**
 * Breaking-change detection between contract versions, and the version rule
 * against published snapshots.
 *
 * Reference: each case plants one change of a known class in a copy of a
 * real contract (or of its ODCS document, for bounds and patterns the
 * contract module cannot word) and expects exactly that change, classified
 * as the list says (breaking: removed column, narrowed type,
 * nullable → required, enum value removed, min raised / max lowered, pattern
 * added or changed, new required column, relationship added; compatible:
 * added optional column, loosened rule, enum value added, doc changes).
 * The repo's own contracts are checked against the committed snapshots, so
 * CI fails when a contract changes without its version.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { accounts, CONTRACTS, contractFile, experiments, opportunities, spend, touchpoints, usage } from '../../contracts';
import {
  assertContractVersions,
  checkAgainstPublished,
  compareContracts,
  contractChangesSinceLastPublished,
  PUBLISHED_DIR,
  publishContracts,
  type ContractChange,
} from '../../contracts/compatibility';
import type { ColumnSpec, Contract } from '../../contracts/contract';
import { toOdcs, type OdcsDocument } from '../../contracts/export-odcs';
import { acvloop } from '../helpers/cli';

type C = Contract<any>;
const withColumn = (c: C, name: string, change: Partial<ColumnSpec>): C =>
  ({ ...c, columns: c.columns.map((col) => (col.name === name ? { ...col, ...change } : col)) });
const diff = (before: C, after: C): ContractChange[] => compareContracts(toOdcs(before), toOdcs(after));
const editDoc = (c: C, edit: (d: OdcsDocument) => void): OdcsDocument => {
  const d = structuredClone(toOdcs(c));
  edit(d);
  return d;
};
const prop = (d: OdcsDocument, name: string) => d.schema[0].properties.find((p) => p.name === name)!;
/** The changes as `kind column rule`, the way a reviewer scans them. */
const summary = (cs: ContractChange[]) => cs.map((c) => `${c.kind} ${c.column ?? '-'} ${c.rule}`);

describe('compareContracts: each class of change', () => {
  it('an unchanged contract has no changes', () => {
    for (const c of Object.values(CONTRACTS) as C[]) expect(diff(c, c)).toEqual([]);
  });

  const cases: [string, C, C | OdcsDocument, string[]][] = [
    ['removed column', accounts, { ...accounts, columns: accounts.columns.filter((c) => c.name !== 'industry') },
      ['breaking industry accounts.industry.column']],
    ['narrowed type (decimal → int)', experiments, withColumn(experiments, 'incremental_acv', { type: 'int' }),
      ['breaking incremental_acv experiments.incremental_acv.type_int']],
    ['narrowed type (text → ccy)', touchpoints, withColumn(touchpoints, 'channel', { type: 'ccy' }),
      ['breaking channel touchpoints.channel.type_ccy']],
    ['narrowed type (timestamp → date)', touchpoints, withColumn(touchpoints, 'occurred_at', { type: 'date' }),
      ['breaking occurred_at touchpoints.occurred_at.type_date']],
    ['widened type (int → decimal)', usage, withColumn(usage, 'active_users', { type: 'decimal' }),
      ['compatible active_users usage.active_users.type_decimal']],
    ['widened type (date → timestamp)', opportunities, withColumn(opportunities, 'created_at', { type: 'ts' }),
      ['compatible created_at opportunities.created_at.type_ts']],
    ['nullable → required', accounts, withColumn(accounts, 'industry', { required: true }),
      ['breaking industry accounts.industry.not_null']],
    ['required → nullable', accounts, withColumn(accounts, 'name', { required: false }),
      ['compatible name accounts.name.not_null']],
    ['enum value removed', accounts, withColumn(accounts, 'segment', { values: ['enterprise', 'mid_market'] }),
      ['breaking segment accounts.segment.enum']],
    ['enum value added', accounts, withColumn(accounts, 'segment', { values: ['enterprise', 'mid_market', 'smb', 'public_sector'] }),
      ['compatible segment accounts.segment.enum']],
    ['min raised (>= 0 → > 0)', opportunities, withColumn(opportunities, 'amount', { range: 'positive' }),
      ['breaking amount opportunities.amount.positive']],
    ['min loosened (> 0 → >= 0)', experiments, withColumn(experiments, 'stderr', { range: 'non_negative' }),
      ['compatible stderr experiments.stderr.non_negative']],
    ['range removed (loosened)', spend, withColumn(spend, 'amount', { range: undefined }),
      ['compatible amount spend.amount.non_negative']],
    ['max lowered (<= 100 → <= 50)', contractFile, editDoc(contractFile, (d) => { prop(d, 'discount_pct').logicalTypeOptions!.maximum = 50; }),
      ['breaking discount_pct contracts.discount_pct.range']],
    ['max raised', contractFile, editDoc(contractFile, (d) => { prop(d, 'discount_pct').logicalTypeOptions!.maximum = 150; }),
      ['compatible discount_pct contracts.discount_pct.range']],
    ['pattern added', opportunities, editDoc(opportunities, (d) => { prop(d, 'product').logicalTypeOptions = { pattern: '^[A-Z][a-z]+$' }; }),
      ['breaking product opportunities.product.type_text']],
    ['pattern changed', spend, editDoc(spend, (d) => { prop(d, 'currency').logicalTypeOptions!.pattern = '^(USD|EUR)$'; }),
      ['breaking currency spend.currency.type_ccy']],
    ['new required column', accounts, { ...accounts, columns: [...accounts.columns, { name: 'tier', type: 'text', required: true, rule: '' }] },
      ['breaking tier accounts.tier.not_null']],
    ['new optional column', accounts, { ...accounts, columns: [...accounts.columns, { name: 'tier', type: 'text', required: false, rule: '' }] },
      ['compatible tier accounts.tier.column']],
    ['relationship added', touchpoints, withColumn(touchpoints, 'campaign_id', { references: 'opportunities' }),
      ['breaking campaign_id touchpoints.campaign_id.references_opportunities']],
    ['relationship removed', opportunities, withColumn(opportunities, 'account_id', { references: undefined }),
      ['compatible account_id opportunities.account_id.references_accounts']],
    ['row rule added', spend, {
      ...spend, rowRules: [{ id: 'amount.below_cap', column: 'amount', reads: ['amount'], check: () => null }],
    }, ['breaking amount spend.amount.below_cap']],
    ['row rule removed', opportunities, { ...opportunities, rowRules: opportunities.rowRules.slice(1) },
      ['compatible closed_at opportunities.closed_at.null_while_open']],
    ['uniqueness added', touchpoints, { ...touchpoints, uniqueKeys: [['touchpoint_id'], ['contact_id']] },
      ['breaking contact_id touchpoints.contact_id.unique']],
    ['error threshold lowered', spend, { ...spend, maxErrorRate: 0.05 }, ['breaking - spend.max_error_rate']],
    ['error threshold raised', spend, { ...spend, maxErrorRate: 0.5 }, ['compatible - spend.max_error_rate']],
    ['optional file made required', usage, { ...usage, required: true }, ['breaking - usage.file']],
    ['column wording (doc)', accounts, withColumn(accounts, 'region', { rule: 'NA, EMEA, APAC or LATAM' }),
      ['compatible region accounts.region.column']],
    ['owner (doc)', accounts, { ...accounts, owner: 'Revenue operations' }, ['compatible - accounts.document']],
  ];

  for (const [label, before, after, expected] of cases) {
    it(label, () => {
      const afterDoc = 'apiVersion' in after ? after : toOdcs(after as C);
      const changes = compareContracts(toOdcs(before), afterDoc);
      expect(summary(changes)).toEqual(expected);
      for (const c of changes) expect(c.what.length).toBeGreaterThan(5);
    });
  }

  it('a release with several changes lists each, breaking and compatible', () => {
    const after = withColumn({ ...accounts, columns: [...accounts.columns, { name: 'tier', type: 'text', required: false, rule: '' }] },
      'segment', { values: ['enterprise', 'smb'] });
    expect(summary(diff(accounts, after))).toEqual(['breaking segment accounts.segment.enum', 'compatible tier accounts.tier.column']);
  });
});

describe('versions against the published snapshots', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
  /** A published folder holding accounts 1.0.0 as released today. */
  const publishedAccounts = () => {
    const dir = mkdtempSync(join(tmpdir(), 'acvloop-published-'));
    dirs.push(dir);
    publishContracts({ dir, contracts: [accounts] });
    return dir;
  };
  const removeIndustry = (version: string): C => ({ ...accounts, version, columns: accounts.columns.filter((c) => c.name !== 'industry') });
  const addTier = (version: string): C => ({ ...accounts, version, columns: [...accounts.columns, { name: 'tier', type: 'text', required: false, rule: '' }] });

  it('the repo: every contract equals its latest published snapshot (CI fails on a change without a version)', () => {
    const statuses = contractChangesSinceLastPublished();
    expect(statuses.map((s) => s.contract)).toEqual(Object.keys(CONTRACTS));
    for (const s of statuses) {
      expect(s.published, `${s.file} has a snapshot in contracts/published`).not.toBeNull();
      expect(s.problems, s.file).toEqual([]);
      expect(existsSync(join(PUBLISHED_DIR, s.contract, `${s.published}.json`))).toBe(true);
    }
  });

  it('a change with no version bump is refused, naming file, column and rule', () => {
    const [s] = contractChangesSinceLastPublished({ dir: publishedAccounts(), contracts: [addTier('1.0.0')] });
    expect(s.problems).toEqual([
      'accounts.csv column tier rule accounts.tier.column: new optional column tier — a compatible change with no version bump (still 1.0.0; publish it as a higher version)',
    ]);
  });

  it('assertContractVersions (what a stage calls before a run) passes on the repo and throws on a change with no bump', () => {
    expect(() => assertContractVersions()).not.toThrow();
    expect(() => assertContractVersions({ dir: publishedAccounts(), contracts: [removeIndustry('1.0.0')] }))
      .toThrow('data contracts changed without a proper version: accounts.csv column industry rule accounts.industry.column: column industry removed');
  });

  it('a breaking change under a minor bump is refused; under a major bump it passes', () => {
    const dir = publishedAccounts();
    const [minor] = contractChangesSinceLastPublished({ dir, contracts: [removeIndustry('1.1.0')] });
    expect(minor.problems).toEqual([
      'accounts.csv column industry rule accounts.industry.column: column industry removed (a drop that has it still passes, but its data is no longer read) — a breaking change needs a major version (2.0.0), not 1.1.0',
    ]);
    const [major] = contractChangesSinceLastPublished({ dir, contracts: [removeIndustry('2.0.0')] });
    expect(major.problems).toEqual([]);
    expect(summary(major.changes)).toEqual(['breaking industry accounts.industry.column']);
  });

  it('a compatible change under a minor or patch bump passes; a version below the published one is refused', () => {
    const dir = publishedAccounts();
    for (const v of ['1.1.0', '1.0.1']) {
      const [s] = contractChangesSinceLastPublished({ dir, contracts: [addTier(v)] });
      expect(s.problems, v).toEqual([]);
      expect(s.versionPublished).toBe(false);
    }
    const [low] = contractChangesSinceLastPublished({ dir, contracts: [{ ...accounts, version: '0.9.0' }] });
    expect(low.problems).toEqual(['accounts.csv: contract version 0.9.0 is lower than the published 1.0.0']);
    expect(() => checkAgainstPublished({ ...toOdcs(accounts), version: 'v2' }, toOdcs(accounts), 'accounts.csv'))
      .toThrow('accounts.csv contract: version "v2" is not semver MAJOR.MINOR.PATCH');
  });

  it('publish writes the new version beside the old, refuses to overwrite a version with other content, and refuses an unversioned break', () => {
    const dir = publishedAccounts();
    expect(publishContracts({ dir, contracts: [accounts] })).toEqual([
      { contract: 'accounts', version: '1.0.0', path: join(dir, 'accounts', '1.0.0.json'), written: false },
    ]);
    const before = readFileSync(join(dir, 'accounts', '1.0.0.json'), 'utf8');
    expect(() => publishContracts({ dir, contracts: [addTier('1.0.0')] }))
      .toThrow(/accounts\/1\.0\.0\.json already holds accounts\.csv contract 1\.0\.0 with different content \(tier accounts\.tier\.column: new optional column tier\)/);
    expect(() => publishContracts({ dir, contracts: [removeIndustry('1.1.0')] }))
      .toThrow(/not published: accounts\.csv column industry rule accounts\.industry\.column: .* needs a major version \(2\.0\.0\)/);
    expect(existsSync(join(dir, 'accounts', '1.1.0.json'))).toBe(false);
    expect(readFileSync(join(dir, 'accounts', '1.0.0.json'), 'utf8')).toBe(before);
    publishContracts({ dir, contracts: [removeIndustry('2.0.0')] });
    // The latest snapshot is now 2.0.0: the same contract checks clean against it.
    const [s] = contractChangesSinceLastPublished({ dir, contracts: [removeIndustry('2.0.0')] });
    expect(s).toMatchObject({ published: '2.0.0', versionPublished: true, changes: [], problems: [] });
    expect(JSON.parse(readFileSync(join(dir, 'accounts', '2.0.0.json'), 'utf8'))).toEqual(toOdcs(removeIndustry('2.0.0')));
  });

  it('`acvloop contracts check` passes on the repo and exits 1 naming file, column and rule on a changed snapshot', async () => {
    const ok = await acvloop(['contracts', 'check', '--json']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report.ok).toBe(true);
    expect(report.contracts).toHaveLength(Object.keys(CONTRACTS).length);

    // A snapshot where segment had a fourth value: today's contract removed it without a major version.
    const dir = mkdtempSync(join(tmpdir(), 'acvloop-published-'));
    dirs.push(dir);
    cpSync(PUBLISHED_DIR, dir, { recursive: true });
    const snapshot = join(dir, 'accounts', '1.0.0.json');
    const doc = JSON.parse(readFileSync(snapshot, 'utf8')) as OdcsDocument;
    prop(doc, 'segment').quality.find((q) => q.name === 'accounts.segment.enum')!.arguments!.validValues!.push('public_sector');
    writeFileSync(snapshot, JSON.stringify(doc, null, 2));
    const bad = await acvloop(['contracts', 'check', '--published', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/accounts\.csv\s+breaking\s+segment\s+accounts\.segment\.enum: segment no longer allows public_sector/);
    expect(bad.stderr).toBe('acvloop: accounts.csv column segment rule accounts.segment.enum: segment no longer allows public_sector — ' +
      'a breaking change with no version bump (still 1.0.0; publish it as 2.0.0)\n');
  });
});
