/**
 * What reconcile does with masquerade configuration it must not write: an ip-masq-agent
 * ConfigMap in kube-system that peerlink does not own, and a list ip-masq-agent would refuse.
 * Both are conflicts in the plan, neither is written, and the report says what that leaves undone
 * at WARNING.
 */
import { describe, expect, it } from 'vitest';
import { ipMasqAgentConfigMap } from '../../functions/core/manifests/masquerade.ts';
import type { Facts } from '../../functions/core/model/facts.ts';
import { type KubeObject, keyOf } from '../../functions/core/model/resources.ts';
import { fullScope } from '../../functions/core/scope.ts';
import type { Topology } from '../../functions/core/topology/schema.ts';
import { reconcile, reportSeverity } from '../../functions/engine/reconcile.ts';
import { MemoryFacts } from '../support/memory-facts.ts';
import { MemoryPort } from '../support/memory-port.ts';
import { exampleFacts, exampleTopology } from '../support/topology.ts';

const fast = { seed: 'm', apply: { minBackoffMs: 1, maxBackoffMs: 4, retries: 3 } };
const base = exampleTopology();
const t: Topology = {
  ...base,
  clusters: base.clusters.map((c) =>
    c.name === 'frontend-cluster' ? { ...c, masquerade: 'ip-masq-agent' } : c,
  ),
};

function factsWith(imported: string[]): Facts {
  const f = exampleFacts(t);
  const net = f.networks['vpc-b'];
  if (!net) throw new Error('fixture');
  return { ...f, networks: { ...f.networks, 'vpc-b': { ...net, importedRanges: imported } } };
}

/** The cluster's own ip-masq-agent ConfigMap, made by someone else (no managed-by label). */
function foreignConfig(): KubeObject {
  const manifest = ipMasqAgentConfigMap(['10.0.0.0/8']);
  const metadata = { name: 'ip-masq-agent', namespace: 'kube-system' };
  return {
    kind: 'kube',
    cluster: 'frontend-cluster',
    apiVersion: 'v1',
    objectKind: 'ConfigMap',
    namespace: 'kube-system',
    name: 'ip-masq-agent',
    manifest: { ...manifest, metadata },
  };
}

describe('reconcile in ip-masq-agent mode', () => {
  it('writes the ConfigMap when kube-system has none, at NOTICE', async () => {
    const resources = new MemoryPort();
    const report = await reconcile(
      t,
      fullScope(t),
      { resources, facts: new MemoryFacts(factsWith(['10.193.0.0/16'])) },
      fast,
    );
    expect(report.outcome).toBe('converged');
    expect(report.warnings).toEqual([]);
    expect(reportSeverity(report)).toBe('NOTICE');
    const written = [...resources.state.values()].find(
      (o) => o.resource.kind === 'kube' && o.resource.name === 'ip-masq-agent',
    );
    expect(written?.owned).toBe(true);
  });

  it("reports someone else's ip-masq-agent ConfigMap as a conflict, leaves it as it was, and warns", async () => {
    const resources = new MemoryPort();
    const theirs = foreignConfig();
    resources.state.set(keyOf(theirs), { resource: theirs, owned: false, version: '7' });
    const report = await reconcile(
      t,
      fullScope(t),
      { resources, facts: new MemoryFacts(factsWith(['10.193.0.0/16'])) },
      fast,
    );
    expect(report.actions).toContainEqual(
      expect.objectContaining({
        op: 'conflict',
        key: keyOf(theirs),
        reason: expect.stringMatching(/not managed by peerlink/),
      }),
    );
    expect(resources.state.get(keyOf(theirs))).toEqual({
      resource: theirs,
      owned: false,
      version: '7',
    });
    expect(report.warnings).toEqual([
      expect.stringMatching(
        /^cluster frontend-cluster: ConfigMap kube-system\/ip-masq-agent: .*not managed by peerlink.*; traffic to 10\.193\.0\.0\/16 keeps its pod source$/,
      ),
    ]);
    expect(reportSeverity(report)).toBe('WARNING');
  });

  it('does not write a list ip-masq-agent would refuse, keeps the one it has, and warns', async () => {
    const resources = new MemoryPort();
    const first = await reconcile(
      t,
      fullScope(t),
      { resources, facts: new MemoryFacts(factsWith(['10.193.0.0/16'])) },
      fast,
    );
    expect(first.outcome).toBe('converged');
    const key = `kube/frontend-cluster/ConfigMap/kube-system/ip-masq-agent`;
    const before = resources.state.get(key);
    expect(before?.owned).toBe(true);
    // Every other /16 of 10.0.0.0/8: what is left between them does not aggregate below 64.
    const many = Array.from({ length: 60 }, (_, i) => `10.${2 * i + 1}.0.0/16`);
    const report = await reconcile(
      t,
      fullScope(t),
      { resources, facts: new MemoryFacts(factsWith(many)) },
      fast,
    );
    expect(report.actions).toContainEqual(
      expect.objectContaining({ op: 'conflict', key, reason: expect.stringMatching(/cidrLimit/) }),
    );
    expect(report.actions.some((a) => a.key === key && a.op !== 'conflict')).toBe(false);
    expect(resources.state.get(key)).toEqual(before);
    expect(report.warnings).toHaveLength(1);
    expect(reportSeverity(report)).toBe('WARNING');
  });

  it('a failed reconcile is ERROR whatever it warns', () => {
    expect(reportSeverity({ outcome: 'failed', warnings: ['x'] })).toBe('ERROR');
  });
});
