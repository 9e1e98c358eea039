import { randomUUID } from 'node:crypto';

/** An error answered in Klaviyo's format: `{errors:[{id,status,code,title,detail,source,meta}]}`. */
export class KlaviyoError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly source: { pointer?: string; parameter?: string } = {},
    readonly meta: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  toBody(): { errors: Array<Record<string, unknown>> } {
    return {
      errors: [
        {
          id: randomUUID(),
          status: this.status,
          code: this.code,
          title: this.title,
          detail: this.detail,
          source: this.source,
          meta: this.meta,
        },
      ],
    };
  }
}

export function invalid(
  detail: string,
  source: { pointer?: string; parameter?: string } = { pointer: '/data' },
): KlaviyoError {
  return new KlaviyoError(400, 'invalid', 'Invalid input.', detail, source);
}

export function notFound(detail: string): KlaviyoError {
  return new KlaviyoError(404, 'not_found', 'Not found.', detail, { pointer: '/data' });
}

export function conflict(code: string, detail: string, meta: Record<string, unknown> = {}): KlaviyoError {
  return new KlaviyoError(409, code, 'Conflict.', detail, { pointer: '/data/attributes' }, meta);
}

export interface Resource {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  relationships?: Record<string, unknown>;
  links?: { self: string };
}

const CURSOR_PREFIX = 'emu:';

/** Cursors are opaque; a full `links.next` URL is accepted too, as the official SDK sends one over http. */
export function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  let raw = cursor;
  if (/^https?:\/\//.test(raw)) {
    raw = new URL(raw).searchParams.get('page[cursor]') ?? '';
  }
  try {
    const text = Buffer.from(raw, 'base64url').toString('utf8');
    if (!text.startsWith(CURSOR_PREFIX)) throw new Error('bad');
    const offset = Number(text.slice(CURSOR_PREFIX.length));
    if (!Number.isInteger(offset) || offset < 0) throw new Error('bad');
    return offset;
  } catch {
    throw invalid(`Invalid page cursor '${cursor.slice(0, 64)}'.`, { parameter: 'page[cursor]' });
  }
}

export function encodeCursor(offset: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${offset}`, 'utf8').toString('base64url');
}

/** Slices one page of `items` and builds JSON:API collection links from the request URL. */
export function paginate<T>(
  items: readonly T[],
  requestUrl: URL,
  defaultPageSize: number,
): { page: T[]; links: { self: string; next: string | null; prev: string | null } } {
  const size = Number(requestUrl.searchParams.get('page[size]') ?? defaultPageSize);
  const offset = decodeCursor(requestUrl.searchParams.get('page[cursor]') ?? undefined);
  const page = items.slice(offset, offset + size);
  const linkFor = (o: number) => {
    const u = new URL(requestUrl.toString());
    u.searchParams.set('page[cursor]', encodeCursor(o));
    return u.toString();
  };
  return {
    page,
    links: {
      self: requestUrl.toString(),
      next: offset + size < items.length ? linkFor(offset + size) : null,
      prev: offset > 0 ? linkFor(Math.max(0, offset - size)) : null,
    },
  };
}

/** Byte length of a value as JSON (what Klaviyo's size limits count). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** Klaviyo writes sizes as "5 MB" and "100 KB" without saying which unit; the stricter reading is decimal. */
export const KB = 1000;
export const MB = 1000 * 1000;
