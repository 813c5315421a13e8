/**
 * The agent's ConfigMaps: the embedded script is byte-for-byte agent.sh, the CIDR ConfigMap has
 * the name, key and label the DaemonSet and peerlink expect, and the script's own validator
 * (run under /bin/sh, no root needed) accepts exactly the strict IPv4 CIDRs that
 * functions/core/net/cidr.ts accepts.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import {
  agentManifests,
  agentScriptConfigMap,
  renderAgentConfigMapYaml,
} from '../../functions/core/manifests/agent.ts';
import { AGENT_FILES } from '../../functions/core/manifests/agent-files.ts';
import { masqueradeConfigMap } from '../../functions/core/manifests/masquerade.ts';
import { cidrProblem } from '../../functions/core/net/cidr.ts';
import {
  AGENT_CONFIGMAP_PATH,
  AGENT_FILES_MODULE_PATH,
  AGENT_SCRIPT_PATH,
  readAgentFiles,
  renderAgentFilesModule,
} from '../../manifests/generate.ts';
import { cidrArb } from '../support/arbitraries.ts';

const script = readFileSync(AGENT_SCRIPT_PATH, 'utf8');
const cidrConfigMapPath = join(AGENT_SCRIPT_PATH, '..', 'configmap.yaml');

const work = mkdtempSync(join(tmpdir(), 'peerlink-agent-validate-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `agent.sh --validate` on a CIDR file with `content`; no iptables is touched. */
function validate(content: string): { code: number | null; stderr: string } {
  const file = join(work, 'cidrs');
  writeFileSync(file, content);
  const r = spawnSync('/bin/sh', [AGENT_SCRIPT_PATH, '--validate'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CIDR_FILE: file },
    timeout: 10_000,
  });
  return { code: r.status, stderr: r.stderr };
}

describe('agent script ConfigMap', () => {
  test('agent-configmap.yaml is generated from agent.sh (regenerate: node manifests/generate.ts)', () => {
    expect(readFileSync(AGENT_CONFIGMAP_PATH, 'utf8')).toBe(renderAgentConfigMapYaml(script));
  });

  test('its embedded script equals agent.sh byte for byte', () => {
    const cm = parse(readFileSync(AGENT_CONFIGMAP_PATH, 'utf8'));
    expect(cm).toEqual(agentScriptConfigMap(script));
    expect(cm.data['agent.sh']).toBe(script);
    expect(cm.metadata).toMatchObject({
      name: 'peerlink-masquerade-agent',
      namespace: 'kube-system',
      labels: { 'app.kubernetes.io/managed-by': 'peerlink' },
    });
    expect(agentManifests(AGENT_FILES)).toContainEqual(cm);
  });

  test('agent-files.ts, what the build ships, is generated from agent.sh and daemonset.yaml (regenerate: node manifests/generate.ts)', () => {
    expect(readFileSync(AGENT_FILES_MODULE_PATH, 'utf8')).toBe(
      renderAgentFilesModule(readAgentFiles()),
    );
    expect(AGENT_FILES).toEqual(readAgentFiles());
    expect(AGENT_FILES.script).toBe(script);
  });

  test('the script is valid POSIX sh syntax for dash', () => {
    const r = spawnSync('/bin/sh', ['-n', AGENT_SCRIPT_PATH], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('the script never evaluates text', () => {
    const code = script
      .split('\n')
      .filter((l) => !l.trimStart().startsWith('#'))
      .join('\n');
    expect(code).not.toMatch(/\beval\b/);
  });
});

describe('CIDR ConfigMap', () => {
  const cm = parse(readFileSync(cidrConfigMapPath, 'utf8'));

  test('has the name, namespace, key and label the DaemonSet mounts and peerlink owns', () => {
    expect(cm).toMatchObject({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'peerlink-masquerade-cidrs',
        namespace: 'kube-system',
        labels: { 'app.kubernetes.io/managed-by': 'peerlink' },
      },
    });
    expect(typeof cm.data.cidrs).toBe('string');
  });

  test('holds what peerlink renders for the example topology, and the agent accepts it', () => {
    expect(cm).toEqual(masqueradeConfigMap(['10.193.0.0/16'])[0]);
    expect(validate(cm.data.cidrs).code).toBe(0);
  });
});

describe('agent.sh --validate', () => {
  test.each([
    ['blank lines, comments and surrounding blanks', '# peers\n\n  10.193.0.0/16 \t\r\n#x\n', 0],
    ['no trailing newline', '10.193.0.0/16', 0],
    ['an empty list', '# nothing to masquerade\n', 0],
    ['the default route', '0.0.0.0/0\n', 0],
    ['a host', '10.1.2.3/32\n', 0],
    ['a shell command after a CIDR', '10.0.0.0/8; reboot\n', 1],
    ['a command substitution', '$(reboot)\n', 1],
    ['a prefix over 32', '10.193.0.0/33\n', 1],
    ['host bits', '10.193.0.1/16\n', 1],
    ['a leading zero in an octet', '10.193.00.0/16\n', 1],
    ['a leading zero in the prefix', '10.193.0.0/016\n', 1],
    ['an octet over 255', '10.256.0.0/16\n', 1],
    ['an inline comment', '10.193.0.0/16 # peer\n', 1],
    ['IPv6', 'fd00::/8\n', 1],
    ['a good line before a bad one', '10.193.0.0/16\n10.0.0.0/8;\n', 1],
  ])('%s -> exit %i', (_name, content, code) => {
    expect(validate(content).code).toBe(code);
  });

  test('names the first bad line and its value', () => {
    const r = validate('10.193.0.0/16\n\n10.193.0.1/16\n$(reboot)\n');
    const log = JSON.parse(r.stderr.trim().split('\n')[0] ?? '{}');
    expect(log).toMatchObject({ severity: 'ERROR', line: '3', value: '10.193.0.1/16' });
    expect(log.message).toContain('host bits set (the network is 10.193.0.0/16)');
  });

  test('a missing file is an error', () => {
    const r = spawnSync('/bin/sh', [AGENT_SCRIPT_PATH, '--validate'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CIDR_FILE: join(work, 'absent') },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cannot read CIDR file');
  });

  test('accepts exactly the entries functions/core/net/cidr.ts accepts (property)', () => {
    const octet = fc.oneof(
      fc.integer({ min: 0, max: 255 }).map(String),
      fc.constantFrom('256', '300', '00', '01', '007', '', '1a'),
    );
    const prefix = fc.oneof(
      fc.integer({ min: 0, max: 32 }).map(String),
      fc.constantFrom('33', '64', '08', '', '-1', '3 2'),
    );
    const nearCidr = fc
      .tuple(
        fc.array(octet, { minLength: 3, maxLength: 5 }),
        fc.constantFrom('/', '//', ''),
        prefix,
      )
      .map(([os, slash, p]) => `${os.join('.')}${slash}${p}`);
    const junk = fc.string({
      unit: fc.constantFrom(...'0123456789./;$()` &|\\"\'x'),
      maxLength: 24,
    });
    const entry = fc
      .oneof(cidrArb, nearCidr, junk)
      .filter((s) => s.trim() === s && s !== '' && !s.startsWith('#'));
    fc.assert(
      fc.property(entry, (s) => {
        const accepted = validate(`${s}\n`).code === 0;
        expect(accepted).toBe(cidrProblem(s) === null);
      }),
      { numRuns: 300 },
    );
  });
});
