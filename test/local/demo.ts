/**
 * The demo that `npm start` runs against the local stack. Every step changes the simulated
 * cloud as a person would; peerlink reacts only to the audit log flowing through the Pub/Sub
 * emulator to onAuditLog. Each step waits, bounded, for the change it expects.
 */
import { join } from 'node:path';
import { resourceName } from '../../functions/core/desire/names.ts';
import { CIDR_CONFIGMAP } from '../../functions/core/manifests/masquerade.ts';
import type { Topology } from '../../functions/core/topology/schema.ts';
import { waitFor } from '../support/process-group.ts';
import { Actor } from './actor.ts';
import type { Stack } from './stack.ts';

export interface StepResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly elapsedMs: number;
}

export const THIRD_VPC = { name: 'vpc-c', subnet: 'vpc-c-europe-west1', range: '10.77.0.0/16' };

export function kubeconfigOf(stack: Stack, t: Topology, cluster: string): string {
  const c = t.clusters.find((x) => x.name === cluster);
  return join(stack.kubeconfigDir, `gke_${t.project}_${c?.location}_${cluster}.yaml`);
}

/** The figures the demo shows, read straight from the simulator. */
export async function snapshot(stack: Stack, t: Topology) {
  const actor = new Actor(stack.sim.url, t.project);
  const svc = t.services[0];
  const provider = t.clusters.find((c) => c.name === svc?.cluster);
  const consumer = t.clusters.find((c) => c.name === svc?.consumers[0]);
  const cidrs = consumer
    ? await actor.configMap(kubeconfigOf(stack, t, consumer.name), 'kube-system', CIDR_CONFIGMAP)
    : null;
  return {
    backendGroups:
      svc && provider ? await actor.backendGroups(provider.region, resourceName(svc, 'bs')) : [],
    masqueradeCidrs: (cidrs?.cidrs ?? '').split('\n').filter((l) => l && !l.startsWith('#')),
    firewalls: await actor.firewallNames(),
  };
}

async function step(
  name: string,
  print: (line: string) => void,
  body: () => Promise<string>,
): Promise<StepResult> {
  const started = Date.now();
  print(`\n▶ ${name}`);
  try {
    const detail = await body();
    const r = { name, ok: true, detail, elapsedMs: Date.now() - started };
    print(`✔ ${name} (${r.elapsedMs} ms): ${detail}`);
    return r;
  } catch (e) {
    const r = {
      name,
      ok: false,
      detail: e instanceof Error ? e.message : String(e),
      elapsedMs: Date.now() - started,
    };
    print(`✘ ${name} (${r.elapsedMs} ms): ${r.detail}`);
    return r;
  }
}

/** POSTs to bootstrap and prints its NDJSON progress as it streams. */
export async function runBootstrap(
  stack: Stack,
  print: (line: string) => void,
): Promise<{ ok: boolean; steps: number }> {
  const res = await fetch(stack.urls.bootstrap, { method: 'POST' });
  if (!res.ok || !res.body)
    throw new Error(`bootstrap answered ${res.status}: ${await res.text()}`);
  let buffered = '';
  let report: { ok: boolean; steps: unknown[] } | undefined;
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      const msg = JSON.parse(line) as {
        step?: number;
        name?: string;
        status?: string;
        elapsedMs?: number;
        plan?: Record<string, number>;
        error?: string;
        report?: typeof report;
      };
      if (msg.report) report = msg.report;
      else
        print(
          `  ${msg.step}. ${msg.name}: ${msg.status} in ${msg.elapsedMs} ms (create ${msg.plan?.create}, update ${msg.plan?.update})${msg.error ? ` — ${msg.error}` : ''}`,
        );
    }
  }
  if (!report) throw new Error('bootstrap ended without a report');
  return { ok: report.ok, steps: report.steps.length };
}

export async function runDemo(
  stack: Stack,
  t: Topology,
  print: (line: string) => void,
  timeoutMs = 90_000,
): Promise<StepResult[]> {
  const actor = new Actor(stack.sim.url, t.project);
  const svc = t.services[0];
  const provider = t.clusters.find((c) => c.name === svc?.cluster);
  const consumer = t.clusters.find((c) => c.name === svc?.consumers[0]);
  if (!svc || !provider || !consumer)
    throw new Error('the demo needs a topology with a service and a consumer');
  const results: StepResult[] = [];

  results.push(
    await step('1. bootstrap the topology', print, async () => {
      const r = await runBootstrap(stack, print);
      if (!r.ok) throw new Error('bootstrap failed');
      const s = await snapshot(stack, t);
      return `${r.steps} steps done; ILB backends ${s.backendGroups.length}, masquerade ${s.masqueradeCidrs.join(', ')}`;
    }),
  );

  results.push(
    await step('2. a new node pool in the backend cluster joins the ILB', print, async () => {
      await actor.createNodePool(provider.location, provider.name, 'pool-2');
      const groups = await waitFor(
        "the node pool's instance groups",
        async () => {
          const g = await actor.nodePoolGroups(provider.location, provider.name, 'pool-2');
          return g.length > 0 ? g : undefined;
        },
        timeoutMs,
      );
      const names = groups.map((g) => g.split('/').pop());
      const backends = await waitFor(
        'the ILB to list the new instance groups',
        async () => {
          const b = await actor.backendGroups(provider.region, resourceName(svc, 'bs'));
          return names.every((n) => b.some((x) => x.endsWith(`/instanceGroups/${n}`)))
            ? b
            : undefined;
        },
        timeoutMs,
      );
      return `backend service now has ${backends.length} instance groups, including ${names.join(', ')}`;
    }),
  );

  results.push(
    await step(
      `3. a third VPC (${THIRD_VPC.range}) peered with ${consumer.network} grows the masquerade list`,
      print,
      async () => {
        await actor.peerNewNetwork({
          ...THIRD_VPC,
          region: consumer.region,
          peer: consumer.network,
        });
        const cidrs = await waitFor(
          `${consumer.name}'s masquerade CIDRs to include ${THIRD_VPC.range}`,
          async () => {
            const s = await snapshot(stack, t);
            return s.masqueradeCidrs.includes(THIRD_VPC.range) ? s.masqueradeCidrs : undefined;
          },
          timeoutMs,
        );
        return `${consumer.name} masquerades ${cidrs.join(', ')}`;
      },
    ),
  );

  results.push(
    await step('4. a deleted peerlink firewall rule comes back', print, async () => {
      const name = resourceName(svc, 'consumers');
      await actor.compute('DELETE', `global/firewalls/${name}`);
      await waitFor(
        `firewall rule ${name} to return`,
        async () => (await actor.get(`global/firewalls/${name}`)) !== null,
        timeoutMs,
      );
      return `${name} restored`;
    }),
  );
  return results;
}
