/**
 * The doctor's diagnosis as a person reads it in one look: the path with its addresses as they
 * change, a line per hop (✔ ok, ✘ fail, ! warn, ? unknown), then the verdict and its fix.
 */
import type { Diagnosis, Hop } from './doctor.ts';

const MARK: Readonly<Record<Hop['status'], string>> = {
  ok: '✔',
  fail: '✘',
  warn: '!',
  unknown: '?',
};

/** The path's short label for a hop, or undefined for hops that change nothing on the way. */
function step(h: Hop, pools: readonly string[], provider: string): string | undefined {
  switch (h.hop) {
    case 'source address':
      return h.summary;
    case 'peering': {
      const m = /^peering (\S+) ACTIVE$/.exec(h.summary);
      return m ? `peering ${m[1]?.replace('↔', '→')}` : undefined;
    }
    case 'provider ingress firewall': {
      const m = /(tcp:\d+) .* (?:allowed|denied) by (\S+)/.exec(h.summary);
      return m ? `firewall ${m[2]} (${m[1]})` : undefined;
    }
    case 'load balancer':
      return h.summary.startsWith('ILB ') ? h.summary : undefined;
    case 'kubernetes':
      return pools.length > 0 ? `${provider} pools ${pools.join(', ')}` : undefined;
    default:
      return undefined;
  }
}

export interface RenderContext {
  /** The provider cluster and its node pools' names, for the path's last step. */
  readonly provider: string;
  readonly pools: readonly string[];
}

export function renderDiagnosis(d: Diagnosis, ctx: RenderContext): string {
  const steps = d.hops.flatMap((h) => {
    const s = step(h, ctx.pools, ctx.provider);
    if (h.status === 'fail') return [`✘ ${h.hop}`];
    return s === undefined ? [] : [s];
  });
  // The path stops at the first failing hop: nothing after it is reached.
  const cut = steps.findIndex((s) => s.startsWith('✘ '));
  const path = (cut < 0 ? steps : steps.slice(0, cut + 1)).join(' → ');
  const width = Math.max(...d.hops.map((h) => h.hop.length));
  const lines = [`${d.from} → ${d.to}`, path, ''];
  for (const h of d.hops) {
    lines.push(`${MARK[h.status]} ${h.hop.padEnd(width)}  ${h.summary}`);
    if (h.status !== 'ok')
      for (const e of h.evidence)
        lines.push(`    ${e.resource} ${e.field}: ${JSON.stringify(e.value)}`);
  }
  lines.push('');
  if (d.verdict === null) lines.push('verdict: reachable');
  else {
    lines.push(`verdict: unreachable at ${d.verdict.hop}: ${d.verdict.summary}`);
    if (d.verdict.fix) lines.push(`fix: ${d.verdict.fix}`);
  }
  return `${lines.join('\n')}\n`;
}
