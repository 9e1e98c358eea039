import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { CustomObject, Project } from '@commercetools/platform-sdk';
import { AbstractStorage } from '@labdigital/commercetools-mock';
import { queryContext } from './request-context.ts';

type ResourceType = Parameters<AbstractStorage['count']>[1];
type QueryParams = Parameters<AbstractStorage['query']>[2];
type PagedResult = Awaited<ReturnType<AbstractStorage['query']>>;
type Stored = { id: string; key?: string; container?: string; [k: string]: unknown };

/**
 * One resource type: documents kept as serialized JSON (a fresh copy on every read) and indexes. With
 * `compress`, documents are deflated with the type's first document as dictionary, which keeps a million
 * orders in about a gigabyte.
 */
class TypeStore {
  private readonly docs = new Map<string, string | Buffer>();
  readonly keyById = new Map<string, string>();
  readonly idByKey = new Map<string, string>();
  private ids: string[] = [];
  private isSorted = true;
  private dictionary: Buffer | undefined;

  constructor(private readonly shouldCompress: boolean) {}

  get size(): number {
    return this.docs.size;
  }

  has(id: string): boolean {
    return this.docs.has(id);
  }

  getText(id: string): string | undefined {
    const d = this.docs.get(id);
    if (d === undefined || typeof d === 'string') return d;
    return inflateRawSync(d, { dictionary: this.dictionary }).toString('utf8');
  }

  getParsed(id: string): unknown {
    const text = this.getText(id);
    return text === undefined ? undefined : JSON.parse(text);
  }

  setText(id: string, text: string): void {
    if (!this.shouldCompress) {
      this.docs.set(id, text);
      return;
    }
    this.dictionary ??= Buffer.from(text, 'utf8');
    const packed = deflateRawSync(Buffer.from(text, 'utf8'), { dictionary: this.dictionary, level: 1 });
    // zlib hands back a slice of a 16 KB chunk; copy it so each document holds only its own bytes.
    this.docs.set(id, Buffer.from(packed));
  }

  deleteDoc(id: string): void {
    this.docs.delete(id);
  }

  sortedIds(): string[] {
    if (!this.isSorted) {
      this.ids.sort();
      this.isSorted = true;
    }
    return this.ids;
  }

  insertId(id: string): void {
    const ids = this.ids;
    if (!this.isSorted || ids.length === 0 || ids[ids.length - 1] < id) {
      ids.push(id);
      return;
    }
    if (ids.length > 1_000) {
      ids.push(id);
      this.isSorted = false;
      return;
    }
    ids.splice(lowerBound(ids, id), 0, id);
  }

  removeId(id: string): void {
    const ids = this.sortedIds();
    const i = lowerBound(ids, id);
    if (ids[i] === id) ids.splice(i, 1);
  }
}

/** First index whose id is >= `id` (ids compare as strings, like the API's `id > "..."`). */
export function lowerBound(ids: readonly string[], id: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose id is > `id`. */
export function upperBound(ids: readonly string[], id: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const ID_IN = /^\s*id\s+in\s*\(\s*("(?:[^"\\]|\\.)*"(?:\s*,\s*"(?:[^"\\]|\\.)*")*)\s*\)\s*$/i;

/** The ids a where clause names when it is exactly one `id in ("…", …)` predicate. */
export function idsNamedBy(where: string[]): string[] | undefined {
  if (where.length !== 1) return undefined;
  const m = ID_IN.exec(where[0]);
  return m ? (JSON.parse(`[${m[1]}]`) as string[]) : undefined;
}

/** Reads a lower id bound (`id > "x"` / `id >= "x"`) out of a where clause that is a conjunction. */
export function idLowerBound(where: string[]): { id: string; isInclusive: boolean } | undefined {
  for (const clause of where) {
    if (/\bor\b/i.test(clause)) continue;
    const m = /(?:^|\(|\band\s+)\s*id\s*(>=|>)\s*"([^"]*)"/i.exec(clause);
    if (m) return { id: m[2], isInclusive: m[1] === '>=' };
  }
  return undefined;
}

/** Replaces `:name` placeholders outside string literals with the `var.name` query parameter values. */
export function substituteVariables(where: string, params: Record<string, unknown>): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < where.length; i++) {
    const c = where[i];
    if (quote) {
      out += c;
      if (c === '\\') out += where[++i] ?? '';
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      out += c;
      continue;
    }
    if (c === ':') {
      const m = /^:([A-Za-z_][A-Za-z0-9_]*)/.exec(where.slice(i));
      const value = m ? params[`var.${m[1]}`] : undefined;
      if (m && value !== undefined) {
        const v = Array.isArray(value) ? value : [value];
        out +=
          v.length === 1 ? JSON.stringify(String(v[0])) : `(${v.map((x) => JSON.stringify(String(x))).join(', ')})`;
        i += m[0].length - 1;
        continue;
      }
    }
    out += c;
  }
  return out;
}

function sortSpec(params: QueryParams): { field: string; direction: 1 | -1 } {
  const raw = params.sort ?? queryContext.getStore()?.sort;
  const first = (Array.isArray(raw) ? raw[0] : raw) ?? 'id asc';
  const [field, dir] = first.trim().split(/\s+/);
  return { field: field || 'id', direction: dir?.toLowerCase() === 'desc' ? -1 : 1 };
}

function fieldValue(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * Storage for @labdigital/commercetools-mock that behaves like the real API at scale: results sorted by id
 * (or the requested `sort`), keyset pages found by binary search instead of a full scan, documents parsed only
 * for the page returned, O(1) key and container/key lookups.
 */
/** commercetools' maximum offset, which also bounds `total` when a query has a predicate. */
const MAX_PREDICATE_TOTAL = 10_000;

export class IndexedStorage extends AbstractStorage {
  private readonly projects = new Map<string, Project>();
  private readonly stores = new Map<string, Map<string, TypeStore>>();
  private readonly customObjectIndex = new Map<string, Map<string, string>>();
  /** Documents the predicate probe sees through `all()` while a page is filtered. */
  private probeWindow: unknown[] | undefined;

  constructor(private readonly options: { compress?: boolean } = {}) {
    super();
  }

  private store(projectKey: string, typeId: string): TypeStore {
    let byType = this.stores.get(projectKey);
    if (!byType) {
      byType = new Map();
      this.stores.set(projectKey, byType);
    }
    let s = byType.get(typeId);
    if (!s) {
      s = new TypeStore(this.options.compress === true);
      byType.set(typeId, s);
    }
    return s;
  }

  async clear(): Promise<void> {
    this.stores.clear();
    this.customObjectIndex.clear();
  }

  /** Synchronous insert used to load large datasets without per-record promises. */
  put(projectKey: string, typeId: string, stored: Stored): void {
    // commercetools keeps a customer's email as entered and a lower-cased copy to match on ("Email case
    // insensitivity"); the mock does not, so the stand-in adds it.
    const obj =
      typeId === 'customer' && typeof stored.email === 'string'
        ? { ...stored, lowercaseEmail: stored.email.toLowerCase() }
        : stored;
    const s = this.store(projectKey, typeId);
    const isNew = !s.has(obj.id);
    const oldKey = s.keyById.get(obj.id);
    if (oldKey !== undefined && oldKey !== obj.key) s.idByKey.delete(oldKey);
    s.setText(obj.id, JSON.stringify(obj));
    if (typeof obj.key === 'string') {
      s.keyById.set(obj.id, obj.key);
      s.idByKey.set(obj.key, obj.id);
    } else {
      s.keyById.delete(obj.id);
    }
    if (isNew) s.insertId(obj.id);
    if (typeId === 'key-value-document') {
      let idx = this.customObjectIndex.get(projectKey);
      if (!idx) {
        idx = new Map();
        this.customObjectIndex.set(projectKey, idx);
      }
      idx.set(`${obj.container}\0${obj.key}`, obj.id);
    }
  }

  sizeOf(projectKey: string, typeId: string): number {
    return this.store(projectKey, typeId).size;
  }

  async all(projectKey: string, typeId: ResourceType): Promise<never[]> {
    if (this.probeWindow) return this.probeWindow as never[];
    const s = this.store(projectKey, typeId);
    return s.sortedIds().map((id) => s.getParsed(id)) as never[];
  }

  async count(projectKey: string, typeId: ResourceType): Promise<number> {
    return this.store(projectKey, typeId).size;
  }

  async add(projectKey: string, typeId: ResourceType, obj: never, params: { expand?: string[] } = {}): Promise<never> {
    this.put(projectKey, typeId, obj as Stored);
    const copy = this.store(projectKey, typeId).getParsed((obj as Stored).id);
    return (await this.expand(projectKey, copy, params.expand)) as never;
  }

  async get(projectKey: string, typeId: ResourceType, id: string, params: { expand?: string[] } = {}): Promise<never> {
    const doc = this.store(projectKey, typeId).getParsed(id);
    if (doc === undefined) return null as never;
    return (await this.expand(projectKey, doc, params.expand)) as never;
  }

  async getByKey(
    projectKey: string,
    typeId: ResourceType,
    key: string,
    params: { expand?: string[] } = {},
  ): Promise<never> {
    const id = this.store(projectKey, typeId).idByKey.get(key);
    return (id === undefined ? null : await this.get(projectKey, typeId, id, params)) as never;
  }

  async delete(
    projectKey: string,
    typeId: ResourceType,
    id: string,
    params: { expand?: string[] } = {},
  ): Promise<never> {
    const s = this.store(projectKey, typeId);
    const obj = s.getParsed(id) as Stored | undefined;
    if (obj === undefined) return null as never;
    s.deleteDoc(id);
    s.removeId(id);
    const key = s.keyById.get(id);
    if (key !== undefined) {
      s.keyById.delete(id);
      s.idByKey.delete(key);
    }
    if (typeId === 'key-value-document') this.customObjectIndex.get(projectKey)?.delete(`${obj.container}\0${obj.key}`);
    return (await this.expand(projectKey, obj, params.expand)) as never;
  }

  async getByContainerAndKey(projectKey: string, container: string, key: string): Promise<CustomObject | null> {
    const id = this.customObjectIndex.get(projectKey)?.get(`${container}\0${key}`);
    return id ? ((await this.get(projectKey, 'key-value-document', id)) as unknown as CustomObject | null) : null;
  }

  async addProject(projectKey: string): Promise<Project> {
    let p = this.projects.get(projectKey);
    if (!p) {
      p = {
        key: projectKey,
        name: projectKey,
        countries: [],
        currencies: [],
        languages: [],
        createdAt: '2018-10-04T11:32:12.603Z',
        trialUntil: '2018-12',
        carts: {
          countryTaxRateFallbackEnabled: false,
          deleteDaysAfterLastModification: 90,
          priceRoundingMode: 'HalfEven',
          taxRoundingMode: 'HalfEven',
        },
        shoppingLists: { deleteDaysAfterLastModification: 360 },
        messages: { enabled: false, deleteDaysAfterCreation: 15 },
        searchIndexing: {
          products: { status: 'Deactivated' },
          productsSearch: { status: 'Deactivated' },
          orders: { status: 'Deactivated' },
          customers: { status: 'Deactivated' },
          businessUnits: { status: 'Deactivated' },
        },
        discounts: { discountCombinationMode: 'Stacking' },
        version: 1,
      } as unknown as Project;
      this.projects.set(projectKey, p);
    }
    return p;
  }

  async getProject(projectKey: string): Promise<Project> {
    return JSON.parse(JSON.stringify(await this.addProject(projectKey))) as Project;
  }

  async saveProject(project: Project): Promise<Project> {
    this.projects.set(project.key, JSON.parse(JSON.stringify(project)) as Project);
    return project;
  }

  /** Filters candidate documents with the mock's own predicate parser (through `search`). */
  private async filter(
    projectKey: string,
    typeId: ResourceType,
    where: string[],
    candidates: unknown[],
  ): Promise<unknown[]> {
    if (where.length === 0 || candidates.length === 0) return candidates;
    this.probeWindow = candidates;
    try {
      const r = await this.search(projectKey, typeId, { where, limit: candidates.length, offset: 0 });
      return r.results;
    } finally {
      this.probeWindow = undefined;
    }
  }

  async query(projectKey: string, typeId: ResourceType, params: QueryParams): Promise<never> {
    const s = this.store(projectKey, typeId);
    const rawWhere = params.where === undefined ? [] : Array.isArray(params.where) ? params.where : [params.where];
    const where = rawWhere.map((w) => substituteVariables(String(w), params as Record<string, unknown>));
    const offset = params.offset ?? 0;
    const limit = params.limit ?? 20;
    const isTotalWanted = (params.withTotal ?? queryContext.getStore()?.withTotal) !== false;
    const sort = sortSpec(params);
    let page: unknown[] = [];
    let total: number | undefined;

    const named = sort.field === 'id' ? idsNamedBy(where) : undefined;
    if (named) {
      // `id in ("…", …)` alone: the named documents, not a scan (commercetools answers it by primary key).
      const docs = [...new Set(named)]
        .sort()
        .map((id) => s.getParsed(id))
        .filter((d) => d !== undefined);
      const hits = await this.filter(projectKey, typeId, where, docs);
      if (sort.direction === -1) hits.reverse();
      page = hits.slice(offset, offset + limit);
      if (isTotalWanted) total = hits.length;
    } else if (sort.field === 'id') {
      const ids = s.sortedIds();
      const bound = sort.direction === 1 ? idLowerBound(where) : undefined;
      const start = bound ? (bound.isInclusive ? lowerBound(ids, bound.id) : upperBound(ids, bound.id)) : 0;
      const available = sort.direction === 1 ? ids.length - start : ids.length;
      const idAt = (k: number) => (sort.direction === 1 ? ids[start + k] : ids[ids.length - 1 - k]);
      const wanted = offset + limit;
      const matched: unknown[] = [];
      let matchedCount = 0;
      // A where that is only the id bound is already satisfied by the start position.
      const rest = bound && where.length === 1 && /^\s*id\s*>=?\s*"[^"]*"\s*$/.test(where[0]) ? [] : where;
      const chunk = rest.length === 0 ? wanted : Math.max(wanted * 2, 500);
      for (let k = 0; k < available; k += chunk) {
        if (matchedCount >= wanted && !(isTotalWanted && rest.length > 0)) break;
        const docs: unknown[] = [];
        for (let j = k; j < Math.min(k + chunk, available); j++) docs.push(s.getParsed(idAt(j)));
        const hits = await this.filter(projectKey, typeId, rest, docs);
        for (const h of hits) {
          if (matchedCount < wanted) matched.push(h);
          matchedCount++;
        }
      }
      page = matched.slice(offset, wanted);
      if (isTotalWanted) total = rest.length > 0 ? matchedCount : available;
    } else {
      const docs = await this.filter(
        projectKey,
        typeId,
        where,
        s.sortedIds().map((id) => s.getParsed(id)),
      );
      docs.sort((a, b) => {
        const va = fieldValue(a as Record<string, unknown>, sort.field);
        const vb = fieldValue(b as Record<string, unknown>, sort.field);
        if (va === vb) return 0;
        if (va === undefined) return 1;
        if (vb === undefined) return -1;
        return (String(va) < String(vb) ? -1 : 1) * sort.direction;
      });
      page = docs.slice(offset, offset + limit);
      if (isTotalWanted) total = docs.length;
    }

    if (params.expand !== undefined) {
      page = await Promise.all(page.map((r) => this.expand(projectKey, r, params.expand)));
    }
    const result: Record<string, unknown> = { limit, offset, count: page.length, results: page };
    // With a query predicate, `total` is limited to the maximum offset (docs: api/limits, "Queries").
    if (total !== undefined) result.total = where.length > 0 ? Math.min(total, MAX_PREDICATE_TOTAL) : total;
    return result as unknown as PagedResult as never;
  }
}
