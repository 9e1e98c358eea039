import { invalid } from '../jsonapi.ts';
import type { Account } from '../store/account.ts';

export interface OpContext {
  account: Account;
  body: unknown;
  params: Record<string, string>;
  url: URL;
  baseUrl: string;
  nowMs: number;
  nowIso: string;
}

export interface OpResult {
  status: number;
  body?: unknown;
}

export type OpHandler = (ctx: OpContext) => OpResult;

export type JsonObject = Record<string, unknown>;

/** The request's `data` member, checked for the JSON:API shape and the expected resource type. */
export function requireData(body: unknown, type: string): JsonObject {
  const data = (body as { data?: unknown } | null | undefined)?.data;
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw invalid("A JSON:API document with a 'data' object is required.", { pointer: '/data' });
  const d = data as JsonObject;
  if (d.type !== type) throw invalid(`'type' must be '${type}'.`, { pointer: '/data/type' });
  return d;
}

/** The request's `data` array of resource identifiers (relationship bodies). */
export function requireIdentifiers(body: unknown, type: string): string[] {
  const data = (body as { data?: unknown } | null | undefined)?.data;
  if (!Array.isArray(data)) throw invalid("A JSON:API document with a 'data' array is required.", { pointer: '/data' });
  return data.map((d: unknown, i) => {
    const r = d as { type?: unknown; id?: unknown };
    if (r?.type !== type || typeof r.id !== 'string')
      throw invalid(`Each entry must be {type: '${type}', id}.`, { pointer: `/data/${i}` });
    return r.id;
  });
}

/** Entries of a bulk job body: `data.attributes.<key>.data[]`. */
export function bulkEntries(data: JsonObject, key: string): JsonObject[] {
  const entries = ((data.attributes as JsonObject | undefined)?.[key] as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(entries)) throw invalid(`'${key}' is a required field.`, { pointer: `/data/attributes/${key}` });
  return entries as JsonObject[];
}

export function collection(data: unknown[], links: unknown, included?: unknown[]): OpResult {
  return { status: 200, body: included ? { data, links, included } : { data, links } };
}

export function single(status: number, data: unknown, self: string, included?: unknown[]): OpResult {
  return { status, body: included ? { data, links: { self }, included } : { data, links: { self } } };
}
