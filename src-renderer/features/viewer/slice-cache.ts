/**
 * A small LRU of in-flight or loaded slices (pixels or CAMs) keyed by study/series/index, so
 * scrolling back and forth does not refetch. A failed load is forgotten, so it can be retried.
 */
export class SliceCache<T> {
  readonly #entries = new Map<string, Promise<T>>();

  constructor(readonly capacity: number) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const pending = load();
    this.#entries.set(key, pending);
    pending.catch(() => this.#entries.delete(key));
    while (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    return pending;
  }
}
