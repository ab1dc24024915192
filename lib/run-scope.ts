/**
 * A pilot run's scope (issue 17, part 6): the subset of the drop a run
 * works on. `region` and `segment` select accounts by their top parent's
 * region and segment (a family is never split); `campaigns` selects the
 * touches of the named campaigns and the accounts they touched. Keys
 * combine: every one given must hold. A run without a scope is
 * organisation-wide. Pure, so the client, the workflows (run ids) and the
 * stages read it by one rule.
 */
export interface RunScope {
  region?: string;
  segment?: string;
  campaigns?: string[];
}

const KEYS = ['region', 'segment', 'campaign'] as const;

/**
 * Parses `--scope region=EMEA,segment=enterprise,campaign=C1,campaign=C2`:
 * comma-separated key=value, `campaign` may repeat. Refuses an unknown key,
 * an empty value, a repeated region or segment, and a segment outside
 * `segments` (the data contract's vocabulary), naming what is wrong.
 * @example
 * parseRunScope('region=EMEA,campaign=c-1,campaign=c-2', ['enterprise', 'mid_market', 'smb']);
 * // { region: 'EMEA', campaigns: ['c-1', 'c-2'] }
 */
export function parseRunScope(text: string, segments: readonly string[]): RunScope {
  const scope: RunScope = {};
  const parts = text.split(',').map((p) => p.trim());
  if (parts.every((p) => p === '')) throw new Error('--scope is empty: give region=R, segment=S or campaign=ID (comma-separated)');
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!(KEYS as readonly string[]).includes(key)) throw new Error(`--scope: unknown key "${key}" in "${part}"; the keys are ${KEYS.join(', ')}`);
    if (value === '') throw new Error(`--scope: ${key} needs a value (${key}=…)`);
    if (key === 'campaign') {
      scope.campaigns = [...new Set([...(scope.campaigns ?? []), value])];
      continue;
    }
    if (scope[key as 'region' | 'segment'] !== undefined) throw new Error(`--scope: ${key} is given twice; a pilot has one ${key}`);
    if (key === 'segment' && !segments.includes(value)) throw new Error(`--scope: segment "${value}" is not one of ${segments.join(', ')}`);
    scope[key as 'region' | 'segment'] = value;
  }
  return scope;
}

/** True when the scope selects nothing less than the whole drop (no key given). */
export function isOrgWide(scope: RunScope | null | undefined): boolean {
  return !scope || (scope.region === undefined && scope.segment === undefined && !(scope.campaigns?.length));
}

/**
 * The scope as the reader writes it, in a fixed key order (campaigns sorted).
 * @example
 * describeRunScope({ segment: 'smb', region: 'EMEA' }); // 'region=EMEA,segment=smb'
 */
export function describeRunScope(scope: RunScope): string {
  return [
    ...(scope.region !== undefined ? [`region=${scope.region}`] : []),
    ...(scope.segment !== undefined ? [`segment=${scope.segment}`] : []),
    ...[...(scope.campaigns ?? [])].sort().map((c) => `campaign=${c}`),
  ].join(',');
}

/**
 * What a pilot's run id ends with: `-pilot-` and the scope in key order,
 * lower-cased, anything but letters, digits, `_` and `-` as `_`; empty for
 * an organisation-wide run. A region matches in any case, so `EMEA` and
 * `emea` are one pilot and share an id; a campaign id with capitals or other
 * characters gets a short hash of the exact scope after it, so two
 * different pilots never share one.
 * @example
 * runScopeSuffix({ region: 'EMEA', segment: 'enterprise' }); // '-pilot-region-emea-segment-enterprise'
 */
export function runScopeSuffix(scope: RunScope | null | undefined): string {
  if (isOrgWide(scope)) return '';
  const described = describeRunScope({ ...scope, region: scope!.region?.toLowerCase() });
  const plain = /^[a-z0-9_=,-]*$/.test(described);
  const slug = described.replace(/[=,]/g, '-').toLowerCase().replace(/[^a-z0-9-]/g, '_');
  return `-pilot-${slug}${plain ? '' : `-${fnv1a(described)}`}`;
}

/** A 32-bit FNV-1a hash in hex: deterministic and dependency-free (workflow code uses this file). */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * How a pilot's rows are cut from the drop's, in the words show, lineage,
 * the report and the stage summaries print (store/pilot-scope.ts does it).
 * @example pilotRowsText({ region: 'EMEA' }) // 'the rows of the accounts whose top parent is in scope (invoices through their contracts); …'
 */
export function pilotRowsText(scope: RunScope): string {
  return `the rows of the accounts whose top parent is in scope (invoices through their contracts${scope.campaigns?.length ? '; touchpoints of the named campaigns' : ''}); `
    + 'spend and lift tests apportioned by the scope\'s share of each channel-month\'s touches; drift and validation read the whole drop';
}
