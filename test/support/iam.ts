/**
 * Runs peerlink's functions as `npm run deploy` sets them up: each as its own service account,
 * bound to exactly the custom role deploy creates for it (infra/iam/permissions.ts), with the
 * simulator enforcing the roles (test/sim/core/iam.ts).
 */
import { SERVICE_ACCOUNTS, serviceAccountEmail } from '../../infra/deploy/config.ts';
import { BOOTSTRAP_ROLE, type CustomRole, REACTOR_ROLE } from '../../infra/iam/permissions.ts';
import type { IamView } from '../sim/core/iam.ts';

/** The service accounts deploy runs the functions as. */
export interface DeployPrincipals {
  /** onAuditLog and sweep. */
  readonly reactor: string;
  readonly bootstrap: string;
}

export function deployPrincipals(project: string): DeployPrincipals {
  return {
    reactor: serviceAccountEmail(SERVICE_ACCOUNTS.reactor.name, project),
    bootstrap: serviceAccountEmail(SERVICE_ACCOUNTS.bootstrap.name, project),
  };
}

async function post(simUrl: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${simUrl}/__sim/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`sim POST ${path}: ${res.status} ${await res.text()}`);
}

/** `projects/<project>/roles/<id>`, the name deploy's role gets. */
export function roleName(project: string, role: CustomRole): string {
  return `projects/${project}/roles/${role.id}`;
}

/**
 * Defines deploy's two custom roles in the simulator and binds each function's service account
 * to its own; returns the accounts. Everyone else stays an owner (people, the test's Actor).
 */
export async function bindDeployRoles(simUrl: string, project: string): Promise<DeployPrincipals> {
  const principals = deployPrincipals(project);
  for (const [principal, role] of [
    [principals.reactor, REACTOR_ROLE],
    [principals.bootstrap, BOOTSTRAP_ROLE],
  ] as const) {
    const name = roleName(project, role);
    await post(simUrl, 'iam/roles', { name, includedPermissions: role.permissions });
    await post(simUrl, 'iam', { principal, roles: [name] });
  }
  return principals;
}

/** The simulator's IAM record: bindings, and each principal's calls and checked permissions. */
export async function iamRecord(simUrl: string): Promise<IamView> {
  const res = await fetch(`${simUrl}/__sim/iam`);
  if (!res.ok) throw new Error(`sim GET iam: ${res.status} ${await res.text()}`);
  return (await res.json()) as IamView;
}

/** Permissions the simulator refused `principal`, sorted: empty when its role sufficed. */
export async function denied(simUrl: string, principal: string): Promise<string[]> {
  const perms = (await iamRecord(simUrl)).principals[principal]?.permissions ?? {};
  return Object.entries(perms)
    .filter(([, c]) => c.denied > 0)
    .map(([p]) => p)
    .sort();
}
