/**
 * Scripted failures shared by both emulators. A rule matches requests by target (a Klaviyo operationId or a
 * commercetools resource such as `orders`; `*` for all) and fires either for the next `count` matching
 * requests or with a `probability`, until removed.
 */
/** `drop` cuts the connection before the request is handled; `lose-response` handles it, then cuts the answer. */
export type FaultKind = 'status' | 'slow' | 'drop' | 'lose-response';

export interface FaultRule {
  /** Klaviyo operationId or commercetools resource path segment; `*` matches everything. */
  target: string;
  kind: FaultKind;
  /** HTTP status for `status` faults (429, 500, 502, 503, ...). */
  status?: number;
  /** Delay for `slow` faults, in milliseconds. */
  delayMs?: number;
  /** Retry-After seconds sent with a 429 (default 1). */
  retryAfterSeconds?: number;
  /** Fire for the next N matching requests, then stop. */
  count?: number;
  /** Fire on each matching request with this probability (0..1). */
  probability?: number;
}

export interface ActiveFault extends FaultRule {
  id: number;
  fired: number;
}

export class FaultInjector {
  private rules: ActiveFault[] = [];
  private nextId = 1;
  private seed: number;

  constructor(rules: FaultRule[] = [], seed = 42) {
    this.seed = seed;
    for (const r of rules) this.add(r);
  }

  add(rule: FaultRule): ActiveFault {
    validateFaultRule(rule);
    const active: ActiveFault = { ...rule, id: this.nextId++, fired: 0 };
    this.rules.push(active);
    return active;
  }

  list(): ActiveFault[] {
    return this.rules.map((r) => ({ ...r }));
  }

  clear(): void {
    this.rules = [];
  }

  /** Deterministic PRNG (mulberry32) so a seeded run injects the same faults. */
  private random(): number {
    this.seed += 0x6d2b79f5;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Returns the faults that fire for this request (at most one of each kind). */
  pick(target: string): ActiveFault[] {
    const fired: ActiveFault[] = [];
    const kinds = new Set<FaultKind>();
    for (const rule of this.rules) {
      if (rule.target !== '*' && rule.target !== target) continue;
      if (kinds.has(rule.kind)) continue;
      let fires = false;
      if (rule.count !== undefined) fires = rule.fired < rule.count;
      else if (rule.probability !== undefined) fires = this.random() < rule.probability;
      else fires = true;
      if (!fires) continue;
      rule.fired++;
      kinds.add(rule.kind);
      fired.push(rule);
    }
    this.rules = this.rules.filter((r) => r.count === undefined || r.fired < r.count);
    return fired;
  }
}

export function validateFaultRule(rule: FaultRule): void {
  const problems: string[] = [];
  if (!rule || typeof rule.target !== 'string' || rule.target === '')
    problems.push("'target' must be an operation/resource name or '*'");
  if (!['status', 'slow', 'drop', 'lose-response'].includes(rule?.kind))
    problems.push("'kind' must be one of status, slow, drop, lose-response");
  if (
    rule?.kind === 'status' &&
    !(Number.isInteger(rule.status) && (rule.status as number) >= 400 && (rule.status as number) <= 599)
  ) {
    problems.push("'status' must be an HTTP error status (400-599) for kind 'status'");
  }
  if (rule?.kind === 'slow' && !(typeof rule.delayMs === 'number' && rule.delayMs >= 0))
    problems.push("'delayMs' must be a number >= 0 for kind 'slow'");
  if (rule?.count !== undefined && !(Number.isInteger(rule.count) && rule.count > 0))
    problems.push("'count' must be a positive integer");
  if (rule?.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1))
    problems.push("'probability' must be between 0 and 1");
  if (problems.length) throw new FaultRuleError(problems.join('; '));
}

export class FaultRuleError extends Error {}

/** Parses `--faults` / env JSON: one rule or an array of rules. */
export function parseFaultRules(json: string | undefined): FaultRule[] {
  if (!json) return [];
  const parsed: unknown = JSON.parse(json);
  const rules = (Array.isArray(parsed) ? parsed : [parsed]) as FaultRule[];
  rules.forEach(validateFaultRule);
  return rules;
}
