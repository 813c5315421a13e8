/**
 * The deploy's method → permission table (infra/iam/permissions.ts) and the simulator's
 * (test/sim/core/iam.ts) are written apart, each from Google's pages; they must agree, so that a
 * role derived from one is what the other enforces. Every disagreement is named.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { METHOD_PERMISSIONS } from '../../../infra/iam/permissions.ts';
import { containerModule } from '../../sim/container/index.ts';
import { kubePermission, METHOD_IAM } from '../../sim/core/iam.ts';
import { startSim } from '../../sim/server.ts';

/** The simulator's permissions for a method name, or undefined when it has no row. */
function simulator(method: string): readonly string[] | undefined {
  const kube = /^kubernetes\.([a-z]+)\.([a-z]+)$/.exec(method);
  if (kube) {
    const p = kubePermission(kube[2] ?? '', kube[1] ?? '');
    return p === undefined ? undefined : [p];
  }
  return METHOD_IAM[method]?.permissions;
}

/** One line per method the two tables do not map alike. */
function disagreements(deploy: Readonly<Record<string, readonly string[]>>): string[] {
  const sorted = (p: readonly string[]) => [...p].sort().join(', ');
  const out: string[] = [];
  const methods = new Set([...Object.keys(deploy), ...Object.keys(METHOD_IAM)]);
  for (const m of [...methods].sort()) {
    const d = deploy[m];
    const s = simulator(m);
    if (d === undefined) {
      // A method that needs no permission needs no row in a role's table.
      if (s && s.length > 0) out.push(`${m}: simulator [${sorted(s)}], deploy has no row`);
    } else if (s === undefined) out.push(`${m}: deploy [${sorted(d)}], simulator has no row`);
    else if (sorted(d) !== sorted(s))
      out.push(`${m}: deploy [${sorted(d)}] ≠ simulator [${sorted(s)}]`);
  }
  return out;
}

describe('the deploy and simulator permission tables', () => {
  it('map every method alike', () => {
    expect(disagreements(METHOD_PERMISSIONS)).toEqual([]);
  });

  it('name a disagreement', () => {
    expect(
      disagreements({
        ...METHOD_PERMISSIONS,
        'compute.firewalls.patch': ['compute.firewalls.update'],
        'compute.madeUp.call': ['compute.madeUp.call'],
      }),
    ).toEqual([
      'compute.firewalls.patch: deploy [compute.firewalls.update] ≠ simulator [compute.firewalls.get, compute.firewalls.update, compute.networks.updatePolicy]',
      'compute.madeUp.call: deploy [compute.madeUp.call], simulator has no row',
    ]);
  });

  it('cover every API method the simulator serves, so any run can be mapped', async () => {
    const kubeconfigDir = mkdtempSync(path.join(tmpdir(), 'peerlink-iam-'));
    const sim = await startSim({ port: 0, modules: [containerModule({ kubeconfigDir })] });
    try {
      const res = await fetch(`${sim.url}/__sim/routes`);
      const { routes } = (await res.json()) as { routes: { name: string; kind: string }[] };
      const served = [...new Set(routes.filter((r) => r.kind !== 'control').map((r) => r.name))];
      expect(served.length).toBeGreaterThan(50);
      const needing = served.filter((m) => (METHOD_IAM[m]?.permissions.length ?? 1) > 0);
      expect(needing.filter((m) => METHOD_PERMISSIONS[m] === undefined)).toEqual([]);
    } finally {
      await sim.close();
      rmSync(kubeconfigDir, { recursive: true, force: true });
    }
  });
});
