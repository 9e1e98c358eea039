import { type RateLimit, SERVED_OPERATIONS } from './operations.ts';
import type { KlaviyoSpec } from './spec.ts';

export interface RouteMatch {
  operationId: string;
  params: Record<string, string>;
  isServed: boolean;
  rateLimit?: RateLimit;
}

interface CompiledRoute {
  method: string;
  operationId: string;
  regex: RegExp;
  names: string[];
  isServed: boolean;
  rateLimit?: RateLimit;
  paramCount: number;
}

function compile(
  method: string,
  path: string,
  operationId: string,
  isServed: boolean,
  rateLimit: RateLimit | undefined,
): CompiledRoute {
  const names: string[] = [];
  const pattern = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return {
    method,
    operationId,
    regex: new RegExp(`^${pattern}/?$`),
    names,
    isServed,
    rateLimit,
    paramCount: names.length,
  };
}

/** Matches a request to a Klaviyo operation: the served ones, and (with the spec) every other published one. */
export class OperationRouter {
  private readonly routes: CompiledRoute[] = [];

  constructor(spec: KlaviyoSpec | undefined, overrides: Record<string, RateLimit>) {
    const served = new Set(SERVED_OPERATIONS.map((o) => o.operationId));
    for (const op of SERVED_OPERATIONS) {
      const fromSpec = spec?.operations.get(op.operationId)?.rateLimit;
      this.routes.push(
        compile(op.method, op.path, op.operationId, true, overrides[op.operationId] ?? fromSpec ?? op.rateLimit),
      );
    }
    for (const op of spec?.operations.values() ?? []) {
      if (served.has(op.operationId)) continue;
      this.routes.push(compile(op.method, op.path, op.operationId, false, op.rateLimit));
    }
    this.routes.sort((a, b) => a.paramCount - b.paramCount);
  }

  match(method: string, path: string): RouteMatch | undefined {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const m = r.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1]);
      });
      return { operationId: r.operationId, params, isServed: r.isServed, rateLimit: r.rateLimit };
    }
    return undefined;
  }

  /** Whether any operation exists at this path with another method (for a helpful 405). */
  allowedMethods(path: string): string[] {
    return [...new Set(this.routes.filter((r) => r.regex.test(path)).map((r) => r.method))];
  }
}
