import { describe, expect, it } from 'vitest';
import {
  BOOTSTRAP_EXTRAS,
  BOOTSTRAP_METHODS,
  BOOTSTRAP_ROLE,
  METHOD_PERMISSIONS,
  permissionsFor,
  REACTOR_EXTRAS,
  REACTOR_METHODS,
  REACTOR_ROLE,
  UnknownMethodError,
} from '../../../infra/iam/permissions.ts';

// This file checks that the table and the roles derived from it are well formed; the table is
// held against the simulator's in agreement.test.ts, the roles against the runs in
// roles-from-runs.test.ts.
describe('IAM permission table', () => {
  it.each(Object.entries(METHOD_PERMISSIONS))(
    '%s maps to well-formed permissions',
    (method, perms) => {
      expect(method).toMatch(/^(compute|container|kubernetes)\.[a-zA-Z]+\.[a-zA-Z]+$/);
      expect(perms.length).toBeGreaterThan(0);
      for (const p of perms) expect(p).toMatch(/^[a-z]+\.[a-zA-Z]+\.[a-zA-Z]+$/);
    },
  );

  it.each([
    ['reactor', REACTOR_ROLE, REACTOR_METHODS, REACTOR_EXTRAS],
    ['bootstrap', BOOTSTRAP_ROLE, BOOTSTRAP_METHODS, BOOTSTRAP_EXTRAS],
  ] as const)(
    'the %s role is exactly its methods’ permissions plus its extras',
    (_n, role, methods, extras) => {
      const fromMethods = new Set(methods.flatMap((m) => METHOD_PERMISSIONS[m] ?? []));
      const fromExtras = new Set(extras.map((e) => e.permission));
      expect(new Set(role.permissions)).toEqual(new Set([...fromMethods, ...fromExtras]));
      expect([...role.permissions]).toEqual([...new Set(role.permissions)].sort());
      for (const e of extras) expect(e.reason.length).toBeGreaterThan(40);
      // Extras are for what the table cannot show, not a second way to grant the same thing.
      for (const e of extras) expect(fromMethods.has(e.permission)).toBe(false);
      expect(role.id).toMatch(/^peerlink[A-Za-z]+$/);
      expect(role.description).toMatch(/^managed-by=peerlink\./);
    },
  );

  it('the reactor cannot create or delete networks, subnets, peerings or clusters', () => {
    for (const p of REACTOR_ROLE.permissions) {
      expect(p).not.toMatch(
        /^compute\.(networks\.(create|delete|addPeering|removePeering)|subnetworks\.(create|delete))$|^container\.clusters\.(create|delete)$/,
      );
    }
  });

  it('refuses a method the table does not know', () => {
    expect(() => permissionsFor(['compute.instances.insert'], [])).toThrow(UnknownMethodError);
  });
});
