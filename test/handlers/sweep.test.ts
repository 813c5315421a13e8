/**
 * The sweep's log line takes the severity the engine gives its report: WARNING when a
 * masquerade object was left in conflict (here someone else's ip-masq-agent ConfigMap).
 */
import { describe, expect, it } from 'vitest';
import type { Observed } from '../../functions/core/model/resources.ts';
import { makeSweep } from '../../functions/handlers/sweep.ts';
import { testRuntime } from '../support/runtime.ts';

describe('sweep log severity', () => {
  it("logs at WARNING when kube-system holds an ip-masq-agent ConfigMap that is not peerlink's", async () => {
    const rt = testRuntime();
    const t = await rt.topology();
    rt.topologyResult = {
      ...t,
      clusters: t.clusters.map((c) =>
        c.name === 'frontend-cluster' ? { ...c, masquerade: 'ip-masq-agent' } : c,
      ),
    };
    const theirs: Observed = {
      owned: false,
      version: '1',
      resource: {
        kind: 'kube',
        cluster: 'frontend-cluster',
        apiVersion: 'v1',
        objectKind: 'ConfigMap',
        namespace: 'kube-system',
        name: 'ip-masq-agent',
        manifest: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'ip-masq-agent', namespace: 'kube-system' },
          data: { config: 'nonMasqueradeCIDRs: [10.0.0.0/8]\n' },
        },
      },
    };
    rt.resources.state.set('kube/frontend-cluster/ConfigMap/kube-system/ip-masq-agent', theirs);
    const report = await makeSweep(rt)({ id: 'w' });
    expect(report?.warnings).toHaveLength(1);
    expect(rt.lines.at(-1)).toMatchObject({ severity: 'WARNING', message: 'sweep converged' });
    expect(
      rt.resources.state.get('kube/frontend-cluster/ConfigMap/kube-system/ip-masq-agent'),
    ).toBe(theirs);
  });

  it('logs a clean sweep at NOTICE', async () => {
    const rt = testRuntime();
    await makeSweep(rt)({ id: 'n' });
    expect(rt.lines.at(-1)).toMatchObject({ severity: 'NOTICE' });
  });
});
