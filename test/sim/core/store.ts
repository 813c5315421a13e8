/** A JSON value (what the store and snapshots hold). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** The store's serialisable content. */
export interface StoreData {
  /** collection -> key -> object; keys are resource paths like `projects/p/global/networks/n`. */
  collections: Record<string, Record<string, JsonObject>>;
  /** Counter behind {@link Store.nextId}. */
  seq: number;
}

/**
 * In-memory state: plain JSON objects in named collections, keyed by resource path.
 * Objects are returned by reference; callers mutate through {@link Store.put} or in place
 * (in place is fine: everything runs on one thread and snapshots deep-copy).
 */
export class Store {
  #data: StoreData = { collections: {}, seq: 0 };

  /** The object at `key`, or undefined. */
  get<T extends object = JsonObject>(collection: string, key: string): T | undefined {
    return this.#data.collections[collection]?.[key] as T | undefined;
  }

  /** Stores `value` at `key` (insert or replace). */
  put<T extends object>(collection: string, key: string, value: T): T {
    let c = this.#data.collections[collection];
    if (!c) {
      c = {};
      this.#data.collections[collection] = c;
    }
    c[key] = value as unknown as JsonObject;
    return value;
  }

  /** Removes `key`; true when it existed. */
  delete(collection: string, key: string): boolean {
    const c = this.#data.collections[collection];
    if (!c || !(key in c)) return false;
    delete c[key];
    return true;
  }

  /** Objects in a collection in insertion order, optionally only keys starting with `prefix`. */
  list<T extends object = JsonObject>(collection: string, prefix = ''): T[] {
    const c = this.#data.collections[collection] ?? {};
    return Object.entries(c)
      .filter(([k]) => k.startsWith(prefix))
      .map(([, v]) => v as unknown as T);
  }

  /** [key, object] pairs of a collection. */
  entries<T extends object = JsonObject>(collection: string, prefix = ''): [string, T][] {
    const c = this.#data.collections[collection] ?? {};
    return Object.entries(c)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k, v as unknown as T]);
  }

  /**
   * A fresh numeric id as a decimal string, like Compute's uint64 ids. Unique within the store
   * (a counter mixed into a large base so ids look like GCP's 19-digit ones).
   */
  nextId(): string {
    this.#data.seq += 1;
    return (1_000_000_000_000_000_000n + BigInt(this.#data.seq) * 7_919n).toString();
  }

  /** A deep copy of the content. */
  save(): StoreData {
    return structuredClone(this.#data);
  }

  /** Replaces the content with a deep copy of `data`. */
  load(data: StoreData): void {
    this.#data = structuredClone({ collections: data.collections ?? {}, seq: data.seq ?? 0 });
  }

  /** Empties the store. */
  reset(): void {
    this.#data = { collections: {}, seq: 0 };
  }
}
