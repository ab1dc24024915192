import { ConfigError } from './error';
import { readJson } from './json-file';
import { problemLines } from './problems';
import { reviewerProblems } from './reviewer-checks';
import { DEFAULT_CONFIG, configSchema, type AcvloopConfig } from './schema';

/**
 * The config at `file` (or ACVLOOP_CONFIG), validated; the defaults when
 * neither is given. A file with mistakes throws a ConfigError listing all of
 * them, so the operator fixes the file once, not once per mistake.
 */
export function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): AcvloopConfig & { source: string | null } {
  const source = file ?? env.ACVLOOP_CONFIG ?? null;
  if (!source) return { ...DEFAULT_CONFIG, source: null };
  const read = readJson(source);
  if (!read.ok) throw new ConfigError(source, [read.problem === 'unreadable' ? `cannot read the config file: ${read.detail}` : `not JSON: ${read.detail}`]);
  const checked = checkConfig(read.value);
  if (!checked.ok) throw new ConfigError(source, checked.problems);
  return { ...checked.config, source };
}

/** A config document checked: every problem in it (the schema's, then reviewers and approval counts), or the config with its defaults. */
export function checkConfig(raw: unknown): { ok: true; config: AcvloopConfig } | { ok: false; problems: string[] } {
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  const reviewersWellFormed = parsed.success || !parsed.error.issues.some((i) => i.path[0] === 'reviewers');
  const problems = [...(parsed.success ? [] : problemLines(configSchema, parsed.error)), ...reviewerProblems(raw, { countApprovers: reviewersWellFormed })];
  return parsed.success && problems.length === 0 ? { ok: true, config: withReachableDefaults(raw, parsed.data) } : { ok: false, problems };
}

/**
 * A large budget move needs two approvers by default; with fewer listed, a
 * default nobody wrote would leave every such run waiting at its gate until
 * it expired, so the unwritten default becomes every listed approver. A count
 * the operator wrote is held against the approvers instead (reviewerProblems).
 */
function withReachableDefaults(raw: unknown, config: AcvloopConfig): AcvloopConfig {
  const written = (raw as { approvals?: { largeBudgetMove?: { required?: unknown } } })?.approvals?.largeBudgetMove?.required;
  const approvers = config.reviewers.filter((r) => r.roles.includes('approver')).length;
  if (written !== undefined || approvers === 0 || config.approvals.largeBudgetMove.required <= approvers) return config;
  return { ...config, approvals: { ...config.approvals, largeBudgetMove: { ...config.approvals.largeBudgetMove, required: approvers } } };
}

