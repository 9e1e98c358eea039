import { ulid } from 'ulid';
import { invalid, KB } from '../jsonapi.ts';

export interface StoredEvent {
  id: string;
  metricId: string;
  metricName: string;
  profileId: string;
  time: string;
  datetime: string;
  value?: number;
  value_currency?: string;
  unique_id?: string;
  properties: Record<string, unknown>;
  backfill: boolean;
}

export interface EventAttributesInput {
  properties?: Record<string, unknown>;
  time?: string;
  value?: number;
  value_currency?: string;
  unique_id?: string;
  backfill?: boolean;
  metric?: { data?: { attributes?: { name?: string } } };
}

const MAX_STRING_BYTES = 100 * KB;
const MAX_PROPERTIES = 400;
const MIN_TIME = Date.parse('1990-01-01T00:00:00Z');
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * Klaviyo's ingestion limits ("Rate limits, status codes, and errors", Ingestion limits): stricter than the
 * spec's own rules (400 properties, time after 1990), so they are checked separately.
 */
export const INGESTION_LIMITS = {
  maxProperties: 300,
  maxArrayItems: 4000,
  maxDepth: 10,
  minTime: Date.parse('2000-01-01T00:00:00Z'),
};

/** The deepest nesting of objects and arrays in a value: a flat object is 1. */
function depthOf(value: unknown): number {
  if (!value || typeof value !== 'object') return 0;
  let deepest = 0;
  for (const v of Object.values(value)) deepest = Math.max(deepest, depthOf(v));
  return deepest + 1;
}

/** The first array longer than the limit inside a value, as a JSON pointer suffix. */
function findLongArray(value: unknown, path = ''): string | undefined {
  if (Array.isArray(value) && value.length > INGESTION_LIMITS.maxArrayItems) return path;
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const hit = findLongArray(v, `${path}/${k}`);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

/** Why an event breaks Klaviyo's ingestion limits, if it does: `create_event` refuses it; a bulk request drops it. */
export function ingestionProblem(
  a: EventAttributesInput,
  pointer: string,
  now: number,
): { detail: string; pointer: string } | undefined {
  const props = a.properties ?? {};
  if (Object.keys(props).length > INGESTION_LIMITS.maxProperties)
    return {
      detail: `Events can have at most ${INGESTION_LIMITS.maxProperties} properties.`,
      pointer: `${pointer}/properties`,
    };
  const long = findLongArray(props);
  if (long !== undefined)
    return {
      detail: `Arrays can have at most ${INGESTION_LIMITS.maxArrayItems} items.`,
      pointer: `${pointer}/properties${long}`,
    };
  if (depthOf(props) > INGESTION_LIMITS.maxDepth)
    return {
      detail: `Objects can be nested at most ${INGESTION_LIMITS.maxDepth} levels deep.`,
      pointer: `${pointer}/properties`,
    };
  const t = a.time === undefined ? now : Date.parse(a.time);
  if (t < INGESTION_LIMITS.minTime || t > now + ONE_YEAR_MS)
    return { detail: "An event's time must be between 2000 and one year from now.", pointer: `${pointer}/time` };
  return undefined;
}

/** Finds the first string over 100 KB inside a value; returns its JSON pointer suffix. */
export function findOversizedString(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8') > MAX_STRING_BYTES ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findOversizedString(value[i], `${path}/${i}`);
      if (hit !== undefined) return hit;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const hit = findOversizedString(v, `${path}/${k}`);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

/** Klaviyo's event-level rules. `pointer` is where the event's attributes sit in the request body. */
export function checkEventInput(a: EventAttributesInput, pointer: string, now: number): void {
  const name = a.metric?.data?.attributes?.name;
  if (typeof name !== 'string' || name.length === 0)
    throw invalid("'name' is a required field for the metric.", { pointer: `${pointer}/metric/data/attributes/name` });
  if (name.length >= 128)
    throw invalid('Metric names must be shorter than 128 characters.', {
      pointer: `${pointer}/metric/data/attributes/name`,
    });
  const props = a.properties ?? {};
  if (Object.keys(props).length > MAX_PROPERTIES)
    throw invalid(`Events can have at most ${MAX_PROPERTIES} properties.`, { pointer: `${pointer}/properties` });
  const big = findOversizedString(a, '');
  if (big !== undefined) throw invalid('String values must be at most 100 KB.', { pointer: `${pointer}${big}` });
  if (a.time !== undefined) {
    const t = Date.parse(a.time);
    if (Number.isNaN(t)) throw invalid("'time' must be an ISO 8601 date-time.", { pointer: `${pointer}/time` });
    if (t < MIN_TIME || t > now + ONE_YEAR_MS)
      throw invalid("'time' must be after 1990 and at most one year in the future.", { pointer: `${pointer}/time` });
  }
  if (a.value_currency !== undefined && !/^[A-Z]{3}$/.test(a.value_currency)) {
    throw invalid("'value_currency' must be an ISO 4217 currency code.", { pointer: `${pointer}/value_currency` });
  }
}

export class EventStore {
  readonly events: StoredEvent[] = [];
  /** Events a bulk request carried that Klaviyo's ingestion limits dropped after accepting the request. */
  readonly dropped: Array<{ metric: string; unique_id?: string; reason: string; at: string }> = [];
  readonly metrics = new Map<string, string>();
  private readonly seen = new Set<string>();
  readonly countByMetric = new Map<string, number>();

  metricId(name: string): string {
    let id = this.metrics.get(name);
    if (!id) {
      // Klaviyo metric ids are six characters; the ULID's random tail, not its time prefix.
      do id = ulid().slice(-6);
      while ([...this.metrics.values()].includes(id));
      this.metrics.set(name, id);
    }
    return id;
  }

  /**
   * Records an event unless one with the same unique_id (or, without one, the same second) already exists for
   * this profile and metric; Klaviyo keeps the first. Returns whether it was stored.
   */
  add(profileId: string, a: EventAttributesInput, now: string): boolean {
    const metricName = a.metric?.data?.attributes?.name as string;
    const metricId = this.metricId(metricName);
    const time = new Date(a.time ? Date.parse(a.time) : Date.parse(now));
    time.setUTCMilliseconds(0);
    const iso = time.toISOString();
    const dedupKey = eventKey(profileId, metricId, a.unique_id, iso);
    if (this.seen.has(dedupKey)) return false;
    this.seen.add(dedupKey);
    this.events.push({
      id: ulid(),
      metricId,
      metricName,
      profileId,
      time: iso,
      datetime: iso,
      value: a.value,
      value_currency: a.value_currency,
      unique_id: a.unique_id,
      properties: a.properties ?? {},
      backfill: a.backfill === true,
    });
    this.countByMetric.set(metricName, (this.countByMetric.get(metricName) ?? 0) + 1);
    return true;
  }

  /**
   * Gives a profile's events to another (a merge): each keeps its metric, time and unique_id, and a later event
   * with the same unique_id for the destination is deduplicated against them. Returns how many moved.
   */
  reassign(fromProfileId: string, toProfileId: string): number {
    let moved = 0;
    for (const e of this.events) {
      if (e.profileId !== fromProfileId) continue;
      this.seen.delete(eventKey(fromProfileId, e.metricId, e.unique_id, e.time));
      e.profileId = toProfileId;
      this.seen.add(eventKey(toProfileId, e.metricId, e.unique_id, e.time));
      moved++;
    }
    return moved;
  }

  /** Removes every event of a profile (a deletion), compacting the list in place. Returns how many went. */
  removeFor(profileId: string): number {
    let kept = 0;
    for (const e of this.events) {
      if (e.profileId !== profileId) {
        this.events[kept++] = e;
        continue;
      }
      this.seen.delete(eventKey(profileId, e.metricId, e.unique_id, e.time));
      const left = (this.countByMetric.get(e.metricName) ?? 1) - 1;
      if (left > 0) this.countByMetric.set(e.metricName, left);
      else this.countByMetric.delete(e.metricName);
    }
    const removed = this.events.length - kept;
    this.events.length = kept;
    return removed;
  }

  clear(): void {
    this.events.length = 0;
    this.dropped.length = 0;
    this.metrics.clear();
    this.seen.clear();
    this.countByMetric.clear();
  }
}

/** What makes two events the same for Klaviyo: profile and metric, then unique_id, or else the second. */
function eventKey(profileId: string, metricId: string, uniqueId: string | undefined, isoSecond: string): string {
  return uniqueId !== undefined ? `${profileId}|${metricId}|u:${uniqueId}` : `${profileId}|${metricId}|t:${isoSecond}`;
}

export function eventResource(e: StoredEvent, baseUrl: string): Record<string, unknown> {
  return {
    type: 'event',
    id: e.id,
    attributes: {
      timestamp: Math.floor(Date.parse(e.time) / 1000),
      event_properties: e.properties,
      datetime: e.datetime,
      uuid: e.id,
    },
    relationships: {
      profile: { data: { type: 'profile', id: e.profileId } },
      metric: { data: { type: 'metric', id: e.metricId } },
    },
    links: { self: `${baseUrl}/api/events/${e.id}` },
  };
}
