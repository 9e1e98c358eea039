import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { RateLimit } from './operations.ts';

const SPEC_FILE = 'vendor/klaviyo/openapi-stable-2026-07-15.json.gz';

/** The repository's copy of Klaviyo's OpenAPI file, found from this module whether it runs from source or from `dist/`. */
function findVendoredSpec(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, SPEC_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return join(dirname(fileURLToPath(import.meta.url)), '../..', SPEC_FILE);
    dir = parent;
  }
}

/** Klaviyo's published OpenAPI file for the pinned revision, kept in the repository (see vendor/README.md). */
export const DEFAULT_SPEC_PATH = findVendoredSpec();

/** The emulator cannot validate requests: its OpenAPI file is missing or unreadable. */
export class SpecUnavailableError extends Error {
  constructor(path: string, reason: string) {
    super(
      `Klaviyo's OpenAPI file could not be read from ${path} (${reason}). The emulator validates every request against it; ` +
        'restore the file (see vendor/README.md), pass --spec <path>, or start without validation explicitly with --no-validation.',
    );
    this.name = 'SpecUnavailableError';
  }
}

export interface SpecParameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required: boolean;
  schema: Record<string, unknown>;
  /** For `filter`: allowed field → operators, read from the parameter description. */
  filterRules?: Map<string, Set<string>>;
}

export interface SpecOperation {
  operationId: string;
  method: string;
  path: string;
  rateLimit?: RateLimit;
  parameters: SpecParameter[];
  /** `$ref` of the JSON request body schema, when the operation takes one. */
  requestBodyRef?: string;
  isRequestBodyRequired: boolean;
}

export interface KlaviyoSpec {
  path: string;
  version: string;
  operations: Map<string, SpecOperation>;
  componentsSchemas: Record<string, unknown>;
}

interface RawOperation {
  operationId?: string;
  parameters?: Array<{
    name: string;
    in: string;
    required?: boolean;
    schema?: Record<string, unknown>;
    description?: string;
  }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: { $ref?: string } }> };
  'x-klaviyo-ratelimit'?: { burst?: string; steady?: string; daily?: string };
}

interface RawSpec {
  info?: { version?: string };
  paths: Record<string, Record<string, RawOperation>>;
  components: { schemas: Record<string, unknown> };
}

/** Parses `x-klaviyo-ratelimit` values such as `{burst: "10/s", steady: "150/m", daily: "150/d"}`. */
export function parseRateLimit(raw: RawOperation['x-klaviyo-ratelimit']): RateLimit | undefined {
  const burst = /^(\d+)\/s$/.exec(raw?.burst ?? '');
  const steady = /^(\d+)\/m$/.exec(raw?.steady ?? '');
  if (!burst || !steady) return undefined;
  const daily = /^(\d+)\/d$/.exec(raw?.daily ?? '');
  return {
    burstPerSecond: Number(burst[1]),
    steadyPerMinute: Number(steady[1]),
    ...(daily ? { perDay: Number(daily[1]) } : {}),
  };
}

/** Reads "Allowed field(s)/operator(s):<br>`ids`: `any`<br>..." out of a filter parameter description. */
export function parseFilterRules(description: string | undefined): Map<string, Set<string>> | undefined {
  if (!description?.includes('Allowed field(s)/operator(s)')) return undefined;
  const rules = new Map<string, Set<string>>();
  for (const line of description.split('<br>')) {
    const m = /^`([^`]+)`:\s*(.+)$/.exec(line.trim());
    if (!m) continue;
    const ops = [...m[2].matchAll(/`([^`]+)`/g)].map((x) => x[1]);
    rules.set(m[1], new Set(ops));
  }
  return rules;
}

/** Reads the OpenAPI file (`.json`, or `.json.gz`); a missing or unreadable file is an error, never "no validation". */
export function loadKlaviyoSpec(path: string = DEFAULT_SPEC_PATH): KlaviyoSpec {
  if (!existsSync(path)) throw new SpecUnavailableError(path, 'no such file');
  let raw: RawSpec;
  try {
    const bytes = readFileSync(path);
    raw = JSON.parse((path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')) as RawSpec;
  } catch (e) {
    throw new SpecUnavailableError(path, e instanceof Error ? e.message : String(e));
  }
  if (!raw || typeof raw.paths !== 'object' || typeof raw.components?.schemas !== 'object')
    throw new SpecUnavailableError(path, 'not an OpenAPI document');
  const operations = new Map<string, SpecOperation>();
  for (const [p, methods] of Object.entries(raw.paths)) {
    for (const [method, o] of Object.entries(methods)) {
      if (!o || typeof o !== 'object' || !o.operationId) continue;
      const content = o.requestBody?.content ?? {};
      const media = content['application/vnd.api+json'] ?? content['application/json'];
      operations.set(o.operationId, {
        operationId: o.operationId,
        method: method.toUpperCase(),
        path: p,
        rateLimit: parseRateLimit(o['x-klaviyo-ratelimit']),
        requestBodyRef: media?.schema?.$ref,
        isRequestBodyRequired: o.requestBody?.required === true,
        parameters: (o.parameters ?? []).map((param) => ({
          name: param.name,
          in: param.in as SpecParameter['in'],
          required: param.required === true,
          schema: param.schema ?? {},
          filterRules: param.name === 'filter' ? parseFilterRules(param.description) : undefined,
        })),
      });
    }
  }
  return { path, version: raw.info?.version ?? 'unknown', operations, componentsSchemas: raw.components.schemas };
}
