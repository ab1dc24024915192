import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../config/schema';
import { gateChecks, gateVerdict, type GateCheck } from '../../activities/gate';

/** The gate's checks on hand-built stage outputs: each threshold, comparison and health rule by hand. */
const T = DEFAULT_CONFIG.gate;
const mmm = { kind: 'mmm', residualSd: 3 };
const logistic = { kind: 'logistic', coef: [0.1, -0.2], converged: true };
const accountsFit = { kind: 'accounts', win: { fit: { coef: [-2, 0.5, 0.1], converged: true } }, expansion: { fit: { coef: [-1, 0.3], converged: true } } };
const versions = (over: Partial<Record<string, any>> = {}) => [
  { family: 'incrementality', params: over.incrementality ?? mmm, metrics: {} },
  { family: 'forecast', params: { kind: 'mmm' }, metrics: {} },
  { family: 'renewal', params: over.renewal ?? logistic, metrics: {} },
  { family: 'survival', params: {}, metrics: over.survivalMetrics ?? { cox: { converged: true }, sbg: { converged: true } } },
  { family: 'attribution', params: {}, metrics: { new: { acv: 1000 } } },
  { family: 'accounts', params: over.accounts ?? accountsFit, metrics: {} },
];
const bt = (rows: [string, string, string, number | null][]) => rows.map(([id, role, metric, value]) => ({ model_version_id: id, role: role as any, metric, value, detail: {} }));
const goodBacktests = bt([
  ['r/forecast', 'challenger', 'forecast_mape', 0.1], ['r/forecast', 'challenger', 'forecast_coverage80', 0.8],
  ['old/forecast', 'champion', 'forecast_mape', 0.12],
  ['r/renewal', 'challenger', 'renewal_brier', 0.2], ['r/renewal', 'challenger', 'renewal_auc', 0.7],
  ['baseline/renewal', 'champion', 'renewal_brier', 0.18],
  ['r/accounts', 'challenger', 'accounts_win_auc', 0.8], ['r/accounts', 'challenger', 'accounts_top_decile_lift', 5],
  ['old/accounts', 'champion', 'accounts_win_auc', 0.75],
]);
const base = {
  thresholds: T, backtests: goodBacktests, versions: versions(),
  incrementality: [{ channel: 'email', spend_usd: 100, incremental_acv: 300, low: 200, high: 400, roi: 3 }],
  survival: [{ group_key: 'all', t_months: 0, survival: 1 }, { group_key: 'all', t_months: 12, survival: 0.8 }],
  attribution: [{ model: 'linear', key: 'email', acv_usd: 600 }, { model: 'linear', key: 'event', acv_usd: 400 }],
  championAttribution: null,
};
const find = (checks: GateCheck[], family: string, name: string) => checks.find((c) => c.family === family && c.name === name)!;

describe('gate checks', () => {
  it('passes absolute thresholds and a relative improvement over a fitted champion', () => {
    const c = gateChecks(base);
    expect(find(c, 'forecast', 'forecast_mape')).toMatchObject({ value: 0.1, threshold: 0.5, comparator: '<=', passed: true });
    expect(find(c, 'forecast', 'forecast_mape_vs_champion')).toMatchObject({ value: 0.1, threshold: 0.12, passed: true });
    const v = gateVerdict('r', c, versions());
    expect(v.promote).toEqual(['attribution', 'incrementality', 'forecast', 'renewal', 'survival', 'accounts']);
  });

  it('fails the accounts family on a floor set above its metric and passes it below', () => {
    const at = (over: Partial<typeof T>) => gateChecks({ ...base, thresholds: { ...T, ...over } });
    expect(find(at({}), 'accounts', 'accounts_win_auc')).toMatchObject({ value: 0.8, threshold: 0.6, comparator: '>=', passed: true });
    expect(find(at({}), 'accounts', 'accounts_top_decile_lift')).toMatchObject({ value: 5, threshold: 2, comparator: '>=', passed: true });
    expect(find(at({}), 'accounts', 'accounts_win_auc_vs_champion')).toMatchObject({ kind: 'relative', value: 0.8, threshold: 0.75, passed: true });
    for (const [over, name] of [[{ accountsWinAucMin: 0.81 }, 'accounts_win_auc'], [{ accountsTopDecileLiftMin: 5.01 }, 'accounts_top_decile_lift']] as const) {
      const c = at(over);
      expect(find(c, 'accounts', name).passed, name).toBe(false);
      const v = gateVerdict('r', c, versions());
      expect(v.families.accounts).toMatchObject({ passed: false, version: 'r/accounts' });
      expect(v.families.accounts.reason).toMatch(new RegExp(`^${name} `));
      expect(v.promote).not.toContain('accounts');
      expect(v.families.renewal.passed).toBe(true);
    }
    const below = at({ accountsWinAucMin: 0.79, accountsTopDecileLiftMin: 4.99 });
    expect(gateVerdict('r', below, versions()).families.accounts).toMatchObject({ passed: true, reason: 'every check passed' });
  });

  it('fails the accounts family when its champion scores a higher AUC, or a fit did not converge or holds a coefficient that is not finite', () => {
    const stronger = bt([['r/accounts', 'challenger', 'accounts_win_auc', 0.8], ['old/accounts', 'champion', 'accounts_win_auc', 0.85]]);
    expect(find(gateChecks({ ...base, backtests: stronger }), 'accounts', 'accounts_win_auc_vs_champion')).toMatchObject({ threshold: 0.85, passed: false });
    const unconverged = versions({ accounts: { ...accountsFit, expansion: { fit: { coef: [-1, 0.3], converged: false } } } });
    const c1 = gateChecks({ ...base, versions: unconverged });
    expect(find(c1, 'accounts', 'expansion_fit_converged')).toMatchObject({ passed: false, note: 'the expansion logistic fit did not converge' });
    expect(find(c1, 'accounts', 'win_fit_converged').passed).toBe(true);
    // A NaN stored as JSON reads back as null.
    const nan = versions({ accounts: JSON.parse(JSON.stringify({ ...accountsFit, win: { fit: { coef: [-2, NaN], converged: true } } })) });
    const c2 = gateChecks({ ...base, versions: nan });
    expect(find(c2, 'accounts', 'win_fit_converged')).toMatchObject({ passed: false, note: 'a win coefficient is not finite' });
    expect(gateVerdict('r', c2, nan).families.accounts.passed).toBe(false);
  });

  it('shows, without binding, a loss to a baseline champion, and binds it when configured', () => {
    const c = find(gateChecks(base), 'renewal', 'renewal_brier_vs_champion');
    expect(c.passed).toBeNull();
    expect(c.note).toMatch(/does not beat the baseline/);
    const strict = find(gateChecks({ ...base, thresholds: { ...T, relativeAgainstBaseline: true } }), 'renewal', 'renewal_brier_vs_champion');
    expect(strict).toMatchObject({ value: 0.2, threshold: 0.18, passed: false });
    // minRelativeImprovement 10%: the threshold is the champion's 0.12 × 0.9.
    const rel = find(gateChecks({ ...base, thresholds: { ...T, minRelativeImprovement: 0.1 } }), 'forecast', 'forecast_mape_vs_champion');
    expect(rel.threshold).toBeCloseTo(0.108, 12);
    expect(rel.passed).toBe(true);
  });

  it('says in the comparison when the champion was refit out of sample like the challenger', () => {
    const refit = goodBacktests.map((b) => (b.role === 'champion' ? { ...b, detail: { outOfSample: true } } : b));
    expect(find(gateChecks({ ...base, backtests: refit }), 'forecast', 'forecast_mape_vs_champion').note)
      .toBe('champion old/forecast 0.1200, refit out of sample at each origin like the challenger');
    expect(find(gateChecks(base), 'forecast', 'forecast_mape_vs_champion').note).toBe('champion old/forecast 0.1200');
  });

  it('fails health on a NaN or inverted interval, an absurd ROI, a non-converged fit, a bad survival curve, credit that does not add up', () => {
    const c = gateChecks({
      ...base,
      versions: versions({ renewal: { ...logistic, converged: false }, survivalMetrics: { cox: { converged: false } },
        accounts: { ...accountsFit, win: { fit: { coef: [-2, 0.5], converged: false } } } }),
      incrementality: [
        { channel: 'email', spend_usd: 100, incremental_acv: 300, low: NaN, high: 400, roi: 3 },
        { channel: 'event', spend_usd: 100, incremental_acv: 300, low: 350, high: 400, roi: 3 },
        { channel: 'tv', spend_usd: 10, incremental_acv: 30, low: 20, high: 600, roi: 3 },
      ],
      survival: [{ group_key: 'all', t_months: 0, survival: 1 }, { group_key: 'all', t_months: 12, survival: 1.2 }],
      attribution: [{ model: 'linear', key: 'email', acv_usd: 600 }],
    });
    expect(find(c, 'incrementality', 'intervals_finite_and_ordered')).toMatchObject({ passed: false, note: expect.stringMatching(/email, event/) });
    expect(find(c, 'incrementality', 'roi_plausible')).toMatchObject({ passed: false, note: expect.stringMatching(/tv 60\.0/) });
    expect(find(c, 'renewal', 'fit_converged').passed).toBe(false);
    expect(find(c, 'survival', 'cox_converged').passed).toBe(false);
    expect(find(c, 'survival', 'curves_monotone_in_unit_interval').passed).toBe(false);
    expect(find(c, 'attribution', 'credit_adds_up').passed).toBe(false);
    expect(find(c, 'accounts', 'win_fit_converged').passed).toBe(false);
    const v = gateVerdict('r', c, versions());
    expect(v.passed).toBe(false);
    expect(v.promote).toEqual([]);
    expect(v.families.forecast.reason).toMatch(/intervals_finite_and_ordered/);
  });

  it('skips what cannot be measured, and has nothing to promote from an unavailable fit', () => {
    const c = gateChecks({ ...base, backtests: bt([['r/renewal', 'challenger', 'renewal_brier', null]]),
      versions: versions({ incrementality: { kind: 'unavailable', reason: 'history too short' } }) });
    expect(find(c, 'renewal', 'renewal_brier').passed).toBeNull();
    expect(find(c, 'incrementality', 'model_available')).toMatchObject({ passed: false, note: 'history too short' });
    const v = gateVerdict('r', c, versions({ incrementality: { kind: 'unavailable', reason: 'history too short' } }));
    expect(v.families.incrementality).toMatchObject({ passed: false, reason: 'nothing to promote: history too short' });
    expect(v.families.renewal.passed).toBe(true);
  });

  it('checks attribution stability over time (the mean Spearman of consecutive half-years), skipped when too thin', () => {
    const withStability = (stability: unknown) => versions().map((v) => (v.family === 'attribution' ? { ...v, metrics: { ...v.metrics, stability } } : v));
    const c = gateChecks({ ...base, versions: withStability({ mean: 0.3, min: 0.1, model: 'linear', pairs: [{ spearman: 0.1 }, { spearman: 0.5 }] }) });
    expect(find(c, 'attribution', 'attribution_stability_over_time')).toMatchObject({ value: 0.3, threshold: 0.5, comparator: '>=', passed: false });
    expect(gateVerdict('r', c, versions()).families.attribution.passed).toBe(false);
    const thin = gateChecks({ ...base, versions: withStability({ mean: null, min: null, model: 'linear', pairs: [] }) });
    expect(find(thin, 'attribution', 'attribution_stability_over_time')).toMatchObject({ passed: null, note: 'too few deals per half-year to compare' });
  });

  it('checks attribution stability against the champion by Spearman over common channels', () => {
    const attribution = ['a', 'b', 'c', 'd'].map((key, i) => ({ model: 'linear', key, acv_usd: [100, 200, 300, 400][i] }));
    const c = gateChecks({ ...base, attribution: [...attribution, { model: 'linear', key: 'e', acv_usd: 0 }],
      championAttribution: [{ key: 'a', acv_usd: 10 }, { key: 'b', acv_usd: 30 }, { key: 'c', acv_usd: 20 }, { key: 'd', acv_usd: 40 }] });
    // Ranks (1,2,3,4) against (1,3,2,4): rho = 0.8.
    expect(find(c, 'attribution', 'attribution_stability')).toMatchObject({ threshold: 0.5, passed: true });
    expect(find(c, 'attribution', 'attribution_stability').value).toBeCloseTo(0.8, 12);
  });
});
