import type { EngineEvent, StudySummary } from '../../src-main/contract/dto.js';
import type { LiveApi } from '../api/live-api.js';
import { describeError } from '../ui/describe-error.js';
import { DEFAULT_FILTER, DEFAULT_SORT, visibleStudies, type WorklistFilter, type WorklistSort } from './worklist-model.js';

/**
 * The worklist's state: every study by id (kept out of Svelte's deep reactivity, since 10,000 proxied
 * rows would be slow), a version counter that marks changes, and the filter/sort the user chose.
 * Live events are applied in batches once per animation frame.
 */
export class WorklistStore {
  readonly #byId = new Map<number, StudySummary>();
  #pending: StudySummary[] = [];
  #removed: number[] = [];
  #frame = 0;

  version = $state(0);
  filter = $state<WorklistFilter>({ ...DEFAULT_FILTER });
  sort = $state<WorklistSort>({ ...DEFAULT_SORT });
  status = $state<'loading' | 'ready' | 'error'>('loading');
  error = $state<string | null>(null);
  selectedId = $state<number | null>(null);

  /** The filtered, ordered rows and how long computing them took (shown as a data attribute for benchmarks). */
  readonly #computed = $derived.by(() => {
    void this.version;
    const start = performance.now();
    const rows = visibleStudies(this.#byId.values(), $state.snapshot(this.filter), $state.snapshot(this.sort));
    return { rows, ms: performance.now() - start };
  });
  readonly visible = $derived(this.#computed.rows);
  readonly computeMs = $derived(this.#computed.ms);
  readonly total = $derived.by(() => {
    void this.version;
    return this.#byId.size;
  });

  readonly api: LiveApi;

  constructor(api: LiveApi) {
    this.api = api;
  }

  get(studyId: number): StudySummary | undefined {
    void this.version;
    return this.#byId.get(studyId);
  }

  async load(): Promise<void> {
    try {
      const studies = await this.api.listStudies({});
      this.#byId.clear();
      for (const study of studies) this.#byId.set(study.studyId, study);
      this.status = 'ready';
      this.error = null;
      this.version++;
    } catch (error) {
      this.status = 'error';
      this.error = describeError(error);
    }
  }

  apply(event: EngineEvent): void {
    if (event.type === 'study-updated') this.#pending.push(event.study);
    else if (event.type === 'study-removed') this.#removed.push(event.studyId);
    else return;
    if (!this.#frame) this.#frame = requestAnimationFrame(() => this.#flush());
  }

  #flush(): void {
    this.#frame = 0;
    for (const study of this.#pending) this.#byId.set(study.studyId, study);
    for (const id of this.#removed) this.#byId.delete(id);
    this.#pending = [];
    this.#removed = [];
    this.version++;
  }

  setSort(key: WorklistSort['key']): void {
    // A second click on the same column flips the direction; a new column starts high-to-low for scores.
    this.sort = this.sort.key === key ? { key, descending: !this.sort.descending } : { key, descending: !['patient', 'accession', 'description'].includes(key) };
  }

  /** The flagged study after (or before) `studyId` in the current order, for next/previous flagged. */
  neighbourFlagged(studyId: number, step: 1 | -1): StudySummary | null {
    const rows = this.visible;
    const at = rows.findIndex((study) => study.studyId === studyId);
    for (let i = at + step; i >= 0 && i < rows.length; i += step) {
      if (rows[i]!.flagged) return rows[i]!;
    }
    return null;
  }
}
