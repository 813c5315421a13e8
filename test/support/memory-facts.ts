/** A FactsPort over a mutable Facts object, for reconcile tests without the simulator. */

import type { ClusterFacts, Facts, NetworkFacts } from '../../functions/core/model/facts.ts';
import type { FactsPort } from '../../functions/core/ports.ts';

export class MemoryFacts implements FactsPort {
  facts: Facts;
  reads = 0;
  constructor(facts: Facts) {
    this.facts = facts;
  }
  async network(name: string): Promise<NetworkFacts | null> {
    this.reads += 1;
    return this.facts.networks[name] ?? null;
  }
  async cluster(_location: string, name: string): Promise<ClusterFacts | null> {
    this.reads += 1;
    return this.facts.clusters[name] ?? null;
  }
}
