import { randomInt } from 'node:crypto';
import { notFound } from '../jsonapi.ts';

export type OptInProcess = 'single_opt_in' | 'double_opt_in';

export interface KlaviyoList {
  id: string;
  name: string;
  opt_in_process: OptInProcess;
  created: string;
  updated: string;
  /** profile id → when it joined (`joined_group_at`), in join order. */
  members: Map<string, string>;
}

/** Klaviyo list ids are six characters, e.g. `Y6nRLr`. */
function listId(taken: Map<string, KlaviyoList>): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (;;) {
    let id = '';
    for (let i = 0; i < 6; i++) id += alphabet[randomInt(alphabet.length)];
    if (!taken.has(id)) return id;
  }
}

export class ListStore {
  readonly lists = new Map<string, KlaviyoList>();

  get size(): number {
    return this.lists.size;
  }

  /** Creates a list; `id` only for the lists an account starts with (the emulator's `lists` option). */
  create(name: string, optInProcess: OptInProcess, now: string, id?: string): KlaviyoList {
    const list: KlaviyoList = {
      id: id ?? listId(this.lists),
      name,
      opt_in_process: optInProcess,
      created: now,
      updated: now,
      members: new Map(),
    };
    this.lists.set(list.id, list);
    return list;
  }

  get(id: string): KlaviyoList | undefined {
    return this.lists.get(id);
  }

  require(id: string): KlaviyoList {
    const list = this.lists.get(id);
    if (!list) throw notFound(`A list with id '${id}' does not exist.`);
    return list;
  }

  add(list: KlaviyoList, profileId: string, now: string): void {
    if (!list.members.has(profileId)) list.members.set(profileId, now);
  }

  remove(list: KlaviyoList, profileId: string): boolean {
    return list.members.delete(profileId);
  }

  /** Takes a profile out of every list (a deletion). Returns the lists it left. */
  removeEverywhere(profileId: string): number {
    let n = 0;
    for (const list of this.lists.values()) if (list.members.delete(profileId)) n++;
    return n;
  }

  /**
   * A merge: the source's memberships become the destination's. Where both were members the destination keeps
   * its own `joined_group_at`; elsewhere it joins with the source's.
   */
  moveMemberships(fromProfileId: string, toProfileId: string): number {
    let n = 0;
    for (const list of this.lists.values()) {
      const joinedAt = list.members.get(fromProfileId);
      if (joinedAt === undefined) continue;
      list.members.delete(fromProfileId);
      if (!list.members.has(toProfileId)) list.members.set(toProfileId, joinedAt);
      n++;
    }
    return n;
  }

  /** Ids of the lists a profile belongs to. */
  listsOf(profileId: string): KlaviyoList[] {
    return [...this.lists.values()].filter((l) => l.members.has(profileId));
  }

  clear(): void {
    this.lists.clear();
  }
}
