/**
 * Mistakes the schema cannot see key by key: a reviewer (or a token) listed
 * twice, and an approval count no set of the listed approvers could ever reach (a run
 * would wait at its gate until it expired). They read the file as written,
 * before defaults, so they are found beside any schema problems in the same
 * file, and only a count the operator wrote is held against the approvers:
 * the default of two for a large budget move stays what it was.
 *
 * @example
 * reviewerProblems({ reviewers: [{ name: 'erin', roles: ['approver'] }], approvals: { required: 2 } });
 * // ['approvals.required: 2 approvers needed, but only 1 reviewer has the approver role (erin): no run could be approved']
 */
export function reviewerProblems(raw: unknown, o: { countApprovers: boolean } = { countApprovers: true }): string[] {
  if (!isRecord(raw) || !Array.isArray(raw.reviewers) || raw.reviewers.length === 0) return [];
  const problems: string[] = [];
  const firstAt = new Map<string, number>();
  const tokenAt = new Map<string, number>();
  const approvers = new Set<string>();
  raw.reviewers.forEach((r: unknown, i: number) => {
    if (!isRecord(r) || typeof r.name !== 'string' || !r.name.trim()) return;
    const name = r.name.trim();
    const first = firstAt.get(name);
    if (first !== undefined) problems.push(`reviewers[${i}].name: "${name}" is listed twice (also reviewers[${first}])`);
    else firstAt.set(name, i);
    if (typeof r.tokenSha256 === 'string') {
      const same = tokenAt.get(r.tokenSha256);
      if (same !== undefined) problems.push(`reviewers[${i}].tokenSha256: the same as reviewers[${same}]'s, so one token would sign in as two reviewers`);
      else tokenAt.set(r.tokenSha256, i);
    }
    if (Array.isArray(r.roles) && r.roles.includes('approver')) approvers.add(name);
  });

  // A reviewer whose roles are already wrong (a typo for "approver") would only echo that problem here.
  if (!o.countApprovers) return problems;
  if (firstAt.size > 0 && approvers.size === 0) {
    problems.push('reviewers: nobody has the approver role, so no run that needs sign-off could be approved');
    return problems;
  }
  const approvals = isRecord(raw.approvals) ? raw.approvals : {};
  const counts: [string, unknown][] = [
    ['approvals.required', approvals.required],
    ['approvals.largeBudgetMove.required', isRecord(approvals.largeBudgetMove) ? approvals.largeBudgetMove.required : undefined],
  ];
  for (const [key, n] of counts) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= approvers.size) continue;
    const only = approvers.size === 1 ? '1 reviewer has' : `${approvers.size} reviewers have`;
    problems.push(`${key}: ${n} approvers needed, but only ${only} the approver role (${[...approvers].join(', ')}): no run could be approved`);
  }
  return problems;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
