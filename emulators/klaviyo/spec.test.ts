import { describe, expect, it } from 'vitest';
import { SERVED_OPERATIONS } from './operations.ts';
import { DEFAULT_SPEC_PATH, loadKlaviyoSpec, parseFilterRules, parseRateLimit, SpecUnavailableError } from './spec.ts';

const spec = loadKlaviyoSpec();

describe('Klaviyo OpenAPI file', () => {
  it("is the repository's own copy (vendor/klaviyo), at the pinned revision", () => {
    expect(DEFAULT_SPEC_PATH).toMatch(/vendor\/klaviyo\/openapi-stable-2026-07-15\.json\.gz$/);
    expect(spec.version).toBe('2026-07-15');
    expect(spec.operations.size).toBeGreaterThan(200);
  });

  it('a missing file is an error that says how to proceed, never "no validation"', () => {
    expect(() => loadKlaviyoSpec('/nonexistent/openapi.json')).toThrow(SpecUnavailableError);
    expect(() => loadKlaviyoSpec('/nonexistent/openapi.json')).toThrow(/--no-validation/);
  });

  it.each(SERVED_OPERATIONS.map((o) => [o.operationId, o]))(
    '%s: the embedded path, method and rate limit match the spec',
    (_id, op) => {
      const fromSpec = spec.operations.get(op.operationId);
      expect(fromSpec, `${op.operationId} is in the spec`).toBeDefined();
      expect(fromSpec?.path).toBe(op.path);
      expect(fromSpec?.method).toBe(op.method);
      expect(fromSpec?.rateLimit).toEqual(op.rateLimit);
    },
  );
});

describe('spec parsing helpers', () => {
  it('reads x-klaviyo-ratelimit values', () => {
    expect(parseRateLimit({ burst: '10/s', steady: '150/m' })).toEqual({ burstPerSecond: 10, steadyPerMinute: 150 });
    expect(parseRateLimit({ burst: '10' })).toBeUndefined();
  });

  it('reads the allowed filter fields and operators from a parameter description', () => {
    const rules = parseFilterRules(
      'See docs<br>Allowed field(s)/operator(s):<br>`ids`: `any`<br>`created`: `greater-than`, `less-than`',
    );
    expect(rules?.get('ids')).toEqual(new Set(['any']));
    expect(rules?.get('created')).toEqual(new Set(['greater-than', 'less-than']));
  });
});
