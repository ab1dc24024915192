/**
 * Drivers in words: the three groups of a hand-made model that move an
 * account's logit most (a one-hot's columns summed into their group), by
 * hand, and how each group of the two models reads for an account.
 */
import { describe, expect, it } from 'vitest';
import type { DesignColumn, FittedLogit } from '../../../models/accounts/design';
import { driversText, topDrivers } from '../../../models/accounts/drivers';
import { expansionWording } from '../../../models/accounts/expansion';
import type { AccountFeatures } from '../../../models/accounts/features';
import { accountWording } from '../../../models/accounts/win-propensity';

const prospect: AccountFeatures = {
  slot: 0, segment: 'mid_market', region: 'EMEA', industry: 'Retail', customer: 0, productsHeld: 0, activeAcvUsd: 0, monthsToEnd: NaN,
  renewalsSoFar: 0, opportunities: 3, wins: 2, wonAcvUsd: 50_000, losses: 1, openOpportunities: 1, openAmountUsd: 42_000,
  monthsSinceLastOpportunity: 2.4, familyOthers: 2, familyCustomers: 1, familyWins: 0, familyLosses: 3, familyOpportunities: 4,
  engagement: 4.2, unitsSlope: null, usersSlope: null, productGap: 0, termGrowth: null,
};
const customer: AccountFeatures = { ...prospect, customer: 1, productsHeld: 2, activeAcvUsd: 120_000, monthsToEnd: 4.6, renewalsSoFar: 1, unitsSlope: Math.log(1.031), usersSlope: -0.02, productGap: 1.37, termGrowth: Math.log(1.25) };

describe('top drivers', () => {
  // logit contributions: segment (one-hot, two columns) 0.3·(1−0.5)/0.5 + 0.2·(0−0.2)/0.4 = 0.2; wins 0.8·(2−1)/2 = 0.4;
  // losses −0.6·(1−0)/1 = −0.6; engagement 0.1·(4.2−2)/1 = 0.22.
  const columns: DesignColumn<AccountFeatures>[] = [
    { name: 'segment=mid_market', group: 'segment', value: (f) => (f.segment === 'mid_market' ? 1 : 0) },
    { name: 'segment=smb', group: 'segment', value: (f) => (f.segment === 'smb' ? 1 : 0) },
    { name: 'wins', group: 'wins', value: (f) => f.wins },
    { name: 'losses', group: 'losses', value: (f) => f.losses },
    { name: 'engagement', group: 'engagement', value: (f) => f.engagement },
  ];
  const model: FittedLogit = { names: columns.map((c) => c.name), groups: columns.map((c) => c.group), mean: [0.5, 0.2, 1, 0, 2], sd: [0.5, 0.4, 2, 1, 1], coef: [-1, 0.3, 0.2, 0.8, -0.6, 0.1], l2: 1, rows: 100, positives: 10 };

  it('are the groups of largest |coefficient × standardised value|, in words', () => {
    const drivers = topDrivers(model, columns, accountWording(3), prospect);
    expect(drivers.map((d) => d.group)).toEqual(['losses', 'wins', 'engagement']);
    expect(drivers.map((d) => d.contribution)).toEqual([expect.closeTo(-0.6, 12), expect.closeTo(0.4, 12), expect.closeTo(0.22, 12)]);
    expect(driversText(drivers)).toBe('− lost 1 deal in the last 24 months; + won 2 deals in the last 24 months; + engagement 4.2 (MQL)');
    expect(topDrivers(model, columns, accountWording(), prospect, 5).map((d) => d.group)).toEqual(['losses', 'wins', 'engagement', 'segment']);
  });
});

describe('wording', () => {
  it('reads the win model\'s groups from the account\'s own values', () => {
    const w = accountWording(5);
    expect(w.engagement(prospect)).toBe('engagement 4.2');
    expect(w.customer(prospect)).toBe('not a customer');
    expect(w.customer(customer)).toBe('current customer with 2 products');
    expect(w.open(prospect)).toBe('1 open opportunity ($42k)');
    expect(w.recency(prospect)).toBe('last opportunity 2 months ago');
    expect(w.recency({ ...prospect, monthsSinceLastOpportunity: NaN })).toBe('never had an opportunity');
    expect(w.family_customer(prospect)).toBe('1 account of its family is a customer');
    expect(w.family_customer({ ...prospect, familyCustomers: 0, familyOthers: 0 })).toBe('no parent or subsidiary');
    expect(w.family_losses(prospect)).toBe('its family lost 3 deals in the last 24 months');
    expect(w.segment(prospect)).toBe('segment mid_market');
  });

  it('reads the expansion model\'s usage, product fit and contract dates', () => {
    const w = expansionWording();
    expect(w.usage_trend(customer)).toBe('usage +3.1% a month');
    expect(w.seat_trend(customer)).toBe('active users −2.0% a month');
    expect(w.usage_trend(prospect)).toBe('no usage trend yet');
    expect(w.term_growth(customer)).toBe('usage up 25% since its contract started');
    expect(w.term_growth(prospect)).toBe('no usage over its term yet');
    expect(w.product_gap(customer)).toBe('lacks products that similar customers hold (gap 1.37)');
    expect(w.product_gap({ ...customer, productGap: 0 })).toBe('holds the products similar customers hold');
    expect(w.contract_end(customer)).toBe('contract ends in 5 months');
    expect(w.renewals(customer)).toBe('renewed 1 time so far');
    expect(w.acv(customer)).toBe('live ACV $120k');
  });
});
