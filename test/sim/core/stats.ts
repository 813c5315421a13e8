import type { RouteKind } from './router.ts';

/** Call counts as `GET /__sim/stats` returns them. */
export interface StatsView {
  reads: number;
  writes: number;
  methods: Record<string, { reads: number; writes: number }>;
}

/** Counts API calls per method, reads and writes apart. Control calls are not counted. */
export class Stats {
  #view: StatsView = { reads: 0, writes: 0, methods: {} };

  count(method: string, kind: RouteKind): void {
    if (kind === 'control') return;
    const m = this.#view.methods[method] ?? { reads: 0, writes: 0 };
    this.#view.methods[method] = m;
    if (kind === 'read') {
      m.reads += 1;
      this.#view.reads += 1;
    } else {
      m.writes += 1;
      this.#view.writes += 1;
    }
  }

  view(): StatsView {
    return structuredClone(this.#view);
  }

  reset(): void {
    this.#view = { reads: 0, writes: 0, methods: {} };
  }
}
