import { readFileSync } from 'node:fs';
import {
  ApiException,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
// Product code, imported by this test only (the simulator itself never imports it): the objects
// peerlink sends must pass the simulated server's validation.
import { desire } from '../../../functions/core/desire/desire.ts';
import { agentManifests } from '../../../functions/core/manifests/agent.ts';
import { AGENT_FILES } from '../../../functions/core/manifests/agent-files.ts';
import { backendService } from '../../../functions/core/manifests/backend.ts';
import { ipMasqAgentConfigMap } from '../../../functions/core/manifests/masquerade.ts';
import type { Facts } from '../../../functions/core/model/facts.ts';
import type { Topology } from '../../../functions/core/topology/schema.ts';
import { createKube } from '../../../functions/gcp/kube.ts';
import { exampleFacts, exampleTopology, repoRoot } from '../../support/topology.ts';
import type { JsonObject } from './json.ts';
import { RESOURCE_TYPES, type ResourceType } from './resources.ts';
import { type KubeApi, startKubeApi } from './server.ts';
import type { KubeApiError } from './status.ts';
import { errorBody, errorText } from './validation/field.ts';
import { fieldErrors, validateObject } from './validation.ts';

const type = (kind: string): ResourceType => {
  const rt = RESOURCE_TYPES.find((r) => r.kind === kind);
  if (!rt) throw new Error(kind);
  return rt;
};

/** The field errors as `field: body` lines. */
function errors(kind: string, obj: JsonObject, ns: string | undefined = 'default'): string[] {
  return fieldErrors(type(kind), obj, ns).map(errorText);
}

/** The error validateObject throws. */
function refusal(kind: string, obj: JsonObject, ns: string | undefined = 'default'): KubeApiError {
  try {
    validateObject(type(kind), obj, ns);
  } catch (e) {
    return e as KubeApiError;
  }
  throw new Error('expected a refusal');
}

const agentDaemonSet = (): JsonObject => structuredClone(AGENT_FILES.daemonSet) as JsonObject;
// The agent's pod spec and first container, for editing copies.
const podSpec = (ds: JsonObject): JsonObject =>
  ((ds.spec as JsonObject).template as JsonObject).spec as JsonObject;
const agentContainer = (ds: JsonObject): JsonObject =>
  (podSpec(ds).containers as JsonObject[])[0] as JsonObject;
const volumes = (ds: JsonObject): JsonObject[] => podSpec(ds).volumes as JsonObject[];

const cm = (name: string, data: Record<string, string>): JsonObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data,
});

const RFC1123_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('validation rules, with the API server messages', () => {
  it('refuses a volume defaultMode or item mode outside 0..0777', () => {
    const ds = agentDaemonSet();
    const agent = volumes(ds)[1]?.configMap as JsonObject;
    agent.defaultMode = 555;
    (agent.items as JsonObject[])[0] = { key: 'agent.sh', path: 'agent.sh', mode: 512 };
    volumes(ds).push(
      { name: 'secret', secret: { secretName: 's', defaultMode: -1 } },
      { name: 'proj', projected: { defaultMode: 1000, sources: [] } },
      { name: 'down', downwardAPI: { defaultMode: 0o1000 } },
    );
    const msg = 'must be a number between 0 and 0777 (octal), both inclusive';
    expect(errors('DaemonSet', ds, 'kube-system')).toEqual([
      `spec.template.spec.volumes[1].configMap.defaultMode: Invalid value: 555: ${msg}`,
      `spec.template.spec.volumes[1].configMap.items[0].mode: Invalid value: 512: ${msg}`,
      `spec.template.spec.volumes[3].secret.defaultMode: Invalid value: -1: ${msg}`,
      `spec.template.spec.volumes[4].projected.defaultMode: Invalid value: 1000: ${msg}`,
      `spec.template.spec.volumes[5].downwardAPI.defaultMode: Invalid value: 512: ${msg}`,
      // A volume with errors is left out of the pod's volumes, so its mount is not found.
      'spec.template.spec.containers[0].volumeMounts[1].name: Not found: "agent"',
    ]);
    agent.defaultMode = 511;
    (agent.items as JsonObject[])[0] = { key: 'agent.sh', path: 'agent.sh', mode: 0 };
    volumes(ds).splice(3);
    expect(errors('DaemonSet', ds, 'kube-system')).toEqual([]);
  });

  it('answers 422 with a Status in NewInvalid form', () => {
    const ds = agentDaemonSet();
    (volumes(ds)[1]?.configMap as JsonObject).defaultMode = 555;
    const err = refusal('DaemonSet', ds, 'kube-system');
    expect(err.code).toBe(422);
    expect(err.toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'DaemonSet.apps "peerlink-masquerade-agent" is invalid: [spec.template.spec.volumes[1].configMap.defaultMode: Invalid value: 555: must be a number between 0 and 0777 (octal), both inclusive, spec.template.spec.containers[0].volumeMounts[1].name: Not found: "agent"]',
      reason: 'Invalid',
      details: {
        name: 'peerlink-masquerade-agent',
        group: 'apps',
        kind: 'DaemonSet',
        causes: [
          {
            reason: 'FieldValueInvalid',
            message:
              'Invalid value: 555: must be a number between 0 and 0777 (octal), both inclusive',
            field: 'spec.template.spec.volumes[1].configMap.defaultMode',
          },
          {
            reason: 'FieldValueNotFound',
            message: 'Not found: "agent"',
            field: 'spec.template.spec.containers[0].volumeMounts[1].name',
          },
        ],
      },
      code: 422,
    });
    // One error: no brackets; the core group has no group suffix or details.group.
    const one = refusal('ConfigMap', cm('Bad', {}));
    expect(one.message).toBe(
      `ConfigMap "Bad" is invalid: metadata.name: Invalid value: "Bad": ${RFC1123_SUBDOMAIN}`,
    );
    expect(one.details).toEqual({
      name: 'Bad',
      kind: 'ConfigMap',
      causes: [
        {
          reason: 'FieldValueInvalid',
          message: `Invalid value: "Bad": ${RFC1123_SUBDOMAIN}`,
          field: 'metadata.name',
        },
      ],
    });
  });

  it('checks names: DNS-1123 subdomains, DNS-1035 labels for Services, DNS-1123 labels for namespaces', () => {
    expect(errors('ServiceAccount', { metadata: { name: 'Agent_SA' } })).toEqual([
      `metadata.name: Invalid value: "Agent_SA": ${RFC1123_SUBDOMAIN}`,
    ]);
    expect(errors('ConfigMap', cm('a'.repeat(254), {}))).toEqual([
      `metadata.name: Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`,
    ]);
    expect(errors('ConfigMap', { metadata: {} })).toEqual([
      'metadata.name: Required value: name or generateName is required',
    ]);
    const svc = (name: string): JsonObject => ({
      metadata: { name },
      spec: { ports: [{ port: 80 }] },
    });
    expect(errors('Service', svc('9lives'))).toEqual([
      `metadata.name: Invalid value: "9lives": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    ]);
    // A name that is a subdomain but not a label.
    expect(errors('Service', svc('a.b'))).toHaveLength(1);
    expect(errors('Namespace', { metadata: { name: 'team.a' } }, undefined)).toEqual([
      'metadata.name: Invalid value: "team.a": must not contain dots',
    ]);
    expect(errors('Namespace', { metadata: { name: 'Team' } }, undefined)).toEqual([
      `metadata.name: Invalid value: "Team": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ]);
    // Containers are DNS-1123 labels, unique in the pod.
    const ds = agentDaemonSet();
    const c = agentContainer(ds);
    (podSpec(ds).containers as JsonObject[]).push(
      { ...c, name: 'agent' },
      { ...c, name: 'Agent.1' },
    );
    expect(errors('DaemonSet', ds, 'kube-system')).toEqual([
      'spec.template.spec.containers[1].name: Duplicate value: "agent"',
      `spec.template.spec.containers[2].name: Invalid value: "Agent.1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ]);
  });

  it('checks label keys and values, annotation keys and the 256 KiB annotation limit', () => {
    const ds = agentDaemonSet();
    const meta = ds.metadata as JsonObject;
    meta.labels = { 'bad key': 'v', 'example.com/ok': 'x'.repeat(64), '-x/y': 'ok' };
    meta.annotations = { 'a/b/c': 'v', big: 'x'.repeat(256 * 1024) };
    expect(errors('DaemonSet', ds, 'kube-system')).toEqual([
      `metadata.labels: Invalid value: "-x/y": prefix part ${RFC1123_SUBDOMAIN}`,
      `metadata.labels: Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      `metadata.labels: Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters`,
      `metadata.annotations: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ]);
  });

  it('requires the DaemonSet selector to match the template labels', () => {
    const ds = agentDaemonSet();
    (((ds.spec as JsonObject).selector as JsonObject).matchLabels as JsonObject).app = 'other';
    const err = refusal('DaemonSet', ds, 'kube-system');
    expect(err.details?.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        message:
          'Invalid value: map[string]string{"app.kubernetes.io/component":"masquerade-agent", "app.kubernetes.io/managed-by":"peerlink", "app.kubernetes.io/name":"peerlink-masquerade-agent"}: `selector` does not match template `labels`',
        field: 'spec.template.metadata.labels',
      },
    ]);
    (ds.spec as JsonObject).selector = { matchLabels: {} };
    expect(errors('DaemonSet', ds, 'kube-system')).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset',
    ]);
  });

  it('checks container resources: names, quantities, requests not above limits', () => {
    const ds = agentDaemonSet();
    const res = agentContainer(ds).resources as JsonObject;
    res.requests = { cpu: '200m', memory: '16Mi', pods: '1' };
    res.limits = { cpu: '0.1', memory: '-64Mi' };
    expect(errors('DaemonSet', ds, 'kube-system')).toEqual([
      'spec.template.spec.containers[0].resources.limits[memory]: Invalid value: "-64Mi": must be greater than or equal to 0',
      'spec.template.spec.containers[0].resources.requests: Invalid value: "200m": must be less than or equal to cpu limit of 100m',
      'spec.template.spec.containers[0].resources.requests: Invalid value: "16Mi": must be less than or equal to memory limit of -64Mi',
      'spec.template.spec.containers[0].resources.requests[pods]: Invalid value: "pods": must be a standard resource for containers',
    ]);
  });

  it('refuses, as a 400 decode error, quantities that do not parse and values of the wrong JSON type', () => {
    const ds = agentDaemonSet();
    (agentContainer(ds).resources as JsonObject).limits = { cpu: '100mcpu', memory: '64Mi' };
    const bad = refusal('DaemonSet', ds, 'kube-system');
    expect(bad.code).toBe(400);
    expect(bad.reason).toBe('BadRequest');
    expect(bad.message).toBe(
      `DaemonSet in version "v1" cannot be handled as a DaemonSet: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
    const caps = agentDaemonSet();
    ((agentContainer(caps).securityContext as JsonObject).capabilities as JsonObject).add = [12];
    expect(refusal('DaemonSet', caps, 'kube-system').message).toBe(
      'DaemonSet in version "v1" cannot be handled as a DaemonSet: json: cannot unmarshal number into Go struct field Capabilities.spec.template.spec.containers.securityContext.capabilities.add of type v1.Capability',
    );
    const mode = agentDaemonSet();
    (volumes(mode)[1]?.configMap as JsonObject).defaultMode = '0555';
    expect(refusal('DaemonSet', mode, 'kube-system').message).toBe(
      'DaemonSet in version "v1" cannot be handled as a DaemonSet: json: cannot unmarshal string into Go struct field ConfigMapVolumeSource.spec.template.spec.volumes.configMap.defaultMode of type int32',
    );
    expect(
      refusal('ConfigMap', cm('n', { k: 1 } as unknown as Record<string, string>)).message,
    ).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string',
    );
  });

  it('checks the container securityContext', () => {
    const ds = agentDaemonSet();
    const sc = agentContainer(ds).securityContext as JsonObject;
    sc.privileged = true;
    const err = refusal('DaemonSet', ds, 'kube-system');
    expect(err.details?.causes?.map((c) => [c.field, c.reason])).toEqual([
      ['spec.template.spec.containers[0].securityContext', 'FieldValueInvalid'],
    ]);
    expect(err.details?.causes?.[0]?.message).toMatch(
      /^Invalid value: core\.SecurityContext\{Capabilities:\(\*core\.Capabilities\)\(0x[0-9a-f]+\), Privileged:\(\*bool\)\(0x[0-9a-f]+\), SELinuxOptions:\(\*core\.SELinuxOptions\)\(nil\), .*\}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true$/,
    );
    sc.privileged = false;
    sc.runAsUser = -1;
    sc.capabilities = { add: ['CAP_SYS_ADMIN'] };
    sc.seccompProfile = { type: 'Custom' };
    expect(
      errors('DaemonSet', ds, 'kube-system').map((e) =>
        e.replace(/core\.SecurityContext\{.*\}/, '…'),
      ),
    ).toEqual([
      'spec.template.spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive',
      'spec.template.spec.containers[0].securityContext.seccompProfile.type: Unsupported value: "Custom": supported values: "Localhost", "RuntimeDefault", "Unconfined"',
      'spec.template.spec.containers[0].securityContext: Invalid value: …: cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN',
    ]);
  });

  it('checks container ports, env names, volumes, mounts and probes', () => {
    const ds = agentDaemonSet();
    const c = agentContainer(ds);
    c.ports = [
      { name: 'metrics-endpoint-port', containerPort: 0 },
      { name: 'http', containerPort: 70000, protocol: 'ICMP' },
    ];
    (c.env as JsonObject[]).push({ name: 'A=B', value: 'x' });
    (c.volumeMounts as JsonObject[]).push({ name: 'missing', mountPath: '/etc/peerlink' });
    (c.readinessProbe as JsonObject).timeoutSeconds = -1;
    c.livenessProbe = { exec: { command: ['true'] }, successThreshold: 2 };
    volumes(ds).push({ name: 'cidrs', emptyDir: {} }, { name: 'Bad_Vol', emptyDir: {} });
    expect(errors('DaemonSet', ds, 'kube-system')).toEqual([
      'spec.template.spec.volumes[3].name: Duplicate value: "cidrs"',
      `spec.template.spec.volumes[4].name: Invalid value: "Bad_Vol": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      'spec.template.spec.containers[0].ports[0].name: Invalid value: "metrics-endpoint-port": must be no more than 15 characters',
      'spec.template.spec.containers[0].ports[0].containerPort: Required value',
      'spec.template.spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.template.spec.containers[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
      `spec.template.spec.containers[0].env[2].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
      'spec.template.spec.containers[0].volumeMounts[3].name: Not found: "missing"',
      'spec.template.spec.containers[0].volumeMounts[3].mountPath: Invalid value: "/etc/peerlink": must be unique',
      'spec.template.spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
      'spec.template.spec.containers[0].readinessProbe.timeoutSeconds: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('checks ConfigMap keys and the 1 MiB limit', () => {
    expect(errors('ConfigMap', cm('keys', { 'agent sh': 'x', '..data': 'y' }))).toEqual([
      `data[..data]: Invalid value: "..data": must not start with '..'`,
      `data[agent sh]: Invalid value: "agent sh": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    ]);
    const big = refusal('ConfigMap', cm('big', { a: 'x'.repeat(1024 * 1024), b: 'y' }));
    expect(big.message).toBe(
      'ConfigMap "big" is invalid: []: Too long: may not be more than 1048576 bytes',
    );
    expect(big.details?.causes).toEqual([
      {
        reason: 'FieldValueTooLong',
        message: 'Too long: may not be more than 1048576 bytes',
        field: '[]',
      },
    ]);
    expect(errors('ConfigMap', cm('fits', { a: 'x'.repeat(1024 * 1024) }))).toEqual([]);
  });

  it('checks Service ports and types', () => {
    expect(
      errors('Service', {
        metadata: { name: 'web' },
        spec: {
          type: 'Internal',
          ports: [{ port: 80 }, { name: 'http', port: 80, targetPort: 'metrics-endpoint-port' }],
        },
      }),
    ).toEqual([
      'spec.ports[0].name: Required value',
      'spec.ports[1].targetPort: Invalid value: "metrics-endpoint-port": must be no more than 15 characters',
      'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
    ]);
    const err = errors('Service', {
      metadata: { name: 'web' },
      spec: { type: 'ClusterIP', ports: [{ port: 80, nodePort: 30080 }] },
    });
    expect(err).toEqual([
      "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ]);
  });

  it('uses errorBody for the causes and Error for the message', () => {
    const e = fieldErrors(type('ConfigMap'), cm('x', { 'a b': '' }), 'default')[0];
    expect(e && errorBody(e)).toMatch(/^Invalid value: "a b": a valid config key/);
    expect(e && errorText(e)).toMatch(/^data\[a b\]: Invalid value: "a b"/);
  });
});

// What peerlink sends, rendered by the product's own builders for the example topology and its
// variants (internal LB by GKE, global access, GKE's ip-masq-agent), and the kubectl manifests.
function productObjects(): JsonObject[] {
  const t = exampleTopology();
  const facts = exampleFacts(t);
  const kube = (tt: Topology, f: Facts): JsonObject[] =>
    desire(tt, f).resources.flatMap((r) => (r.kind === 'kube' ? [r.manifest as JsonObject] : []));
  const gke: Topology = { ...t, services: t.services.map((s) => ({ ...s, ilb: 'gke' as const })) };
  const ipMasq: Facts = {
    ...facts,
    clusters: Object.fromEntries(
      Object.entries(facts.clusters).map(([k, c]) => [k, { ...c, runsIpMasqAgent: true }]),
    ),
  };
  const service = t.services[0];
  if (!service) throw new Error('the example has no service');
  const files = ['daemonset.yaml', 'configmap.yaml', 'agent-configmap.yaml'].map(
    // kubectl reads YAML 1.1 (sigs.k8s.io/yaml), as the server's apply does.
    (f) =>
      parseYaml(readFileSync(`${repoRoot}manifests/masquerade-agent/${f}`, 'utf8'), {
        version: '1.1',
      }) as JsonObject,
  );
  const all = [
    ...kube(t, facts),
    ...kube(gke, facts),
    ...kube(t, ipMasq),
    backendService({ ...service, ilb: 'gke' }, 32191, true) as JsonObject,
    ipMasqAgentConfigMap(['10.0.0.0/8']) as JsonObject,
    ...(agentManifests(AGENT_FILES) as JsonObject[]),
    ...files,
  ];
  // The same object rendered twice is checked once.
  return [...new Map(all.map((o) => [JSON.stringify(o), o])).values()];
}

describe('the objects peerlink sends', () => {
  const objects = productObjects();
  const nsOf = (o: JsonObject): string => String((o.metadata as JsonObject).namespace ?? 'default');

  it('renders every kind peerlink manages', () => {
    const kinds = new Set(objects.map((o) => String(o.kind)));
    expect([...kinds].sort()).toEqual(['ConfigMap', 'DaemonSet', 'Deployment', 'Service']);
    const types = new Set(
      objects.filter((o) => o.kind === 'Service').map((o) => String((o.spec as JsonObject).type)),
    );
    expect([...types].sort()).toEqual(['LoadBalancer', 'NodePort']);
  });

  it.each(objects.map((o) => [`${String(o.kind)} ${String((o.metadata as JsonObject).name)}`, o]))(
    '%s passes validation',
    (_name, o) => {
      expect(errors(String(o.kind), o as JsonObject, nsOf(o as JsonObject))).toEqual([]);
    },
  );

  describe('over HTTP', () => {
    let api: KubeApi;
    let objectsApi: KubernetesObjectApi;

    beforeAll(async () => {
      api = await startKubeApi({ token: 'validation-token' });
      const kc = new KubeConfig();
      kc.loadFromClusterAndUser(
        { name: 'sim', server: api.url, caData: api.caBase64, skipTLSVerify: false },
        { name: 'sim-user', token: api.token },
      );
      objectsApi = KubernetesObjectApi.makeApiClient(kc);
    });
    afterAll(async () => {
      await api.stop();
    });

    const post = (o: JsonObject, namespace: string, rt: ResourceType): Promise<number> => {
      const base = rt.group ? `/apis/${rt.group}/v1` : '/api/v1';
      return fetchStatus(
        api,
        'POST',
        `${base}/namespaces/${namespace}/${rt.plural}`,
        JSON.stringify(o),
      );
    };

    it('creates each with 201, then applies each as peerlink does', async () => {
      const seen = new Set<string>();
      for (const o of objects) {
        const rt = type(String(o.kind));
        const ns = nsOf(o);
        const key = `${rt.plural}/${ns}/${String((o.metadata as JsonObject).name)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        expect(await post(o, ns, rt), key).toBe(201);
      }
      const kube = createKube({
        token: async () => api.token,
        access: async () => ({ endpoint: `127.0.0.1:${api.port}`, caBase64: api.caBase64 }),
      });
      for (const o of objects)
        await expect(kube.apply('sim', o, true)).resolves.toMatchObject({ kind: o.kind });
    });

    it('refuses a DaemonSet with defaultMode 555 (decimal, the old bug) with 422, created or applied', async () => {
      const ds = agentDaemonSet();
      (ds.metadata as JsonObject).name = 'agent-555';
      (volumes(ds)[1]?.configMap as JsonObject).defaultMode = 555;
      const expectInvalid = async (p: Promise<unknown>): Promise<void> => {
        const e = await p.then(
          () => undefined,
          (x: unknown) => x,
        );
        expect(e).toBeInstanceOf(ApiException);
        const ex = e as ApiException<unknown>;
        expect(ex.code).toBe(422);
        const status = JSON.parse(
          typeof ex.body === 'string' ? ex.body : JSON.stringify(ex.body),
        ) as {
          reason: string;
          message: string;
          details: { causes: { field: string; message: string }[] };
        };
        expect(status.reason).toBe('Invalid');
        expect(status.message).toMatch(
          /^DaemonSet\.apps "agent-555" is invalid: \[spec\.template\.spec\.volumes\[1\]\.configMap\.defaultMode: Invalid value: 555: must be a number between 0 and 0777 \(octal\), both inclusive, /,
        );
        expect(status.details.causes[0]).toEqual({
          reason: 'FieldValueInvalid',
          message:
            'Invalid value: 555: must be a number between 0 and 0777 (octal), both inclusive',
          field: 'spec.template.spec.volumes[1].configMap.defaultMode',
        });
      };
      await expectInvalid(objectsApi.create(ds as KubernetesObject));
      await expectInvalid(
        objectsApi.patch(
          ds as KubernetesObject,
          undefined,
          undefined,
          'peerlink',
          true,
          PatchStrategy.ServerSideApply,
        ),
      );
      // The product's adapter turns the refusal into a terminal error carrying the message.
      const kube = createKube({
        token: async () => api.token,
        access: async () => ({ endpoint: `127.0.0.1:${api.port}`, caBase64: api.caBase64 }),
      });
      await expect(kube.apply('sim', ds, true)).rejects.toMatchObject({
        name: 'TerminalError',
        message: expect.stringContaining('422 Invalid: DaemonSet.apps "agent-555" is invalid'),
      });
    });

    it('validates the merged object of a patch, and reads apply YAML as YAML 1.1', async () => {
      const base = '/apis/apps/v1/namespaces/kube-system/daemonsets/peerlink-masquerade-agent';
      const patch = JSON.stringify({
        spec: {
          template: { spec: { volumes: [{ name: 'agent', configMap: { defaultMode: 555 } }] } },
        },
      });
      expect(
        await fetchStatus(api, 'PATCH', base, patch, 'application/strategic-merge-patch+json'),
      ).toBe(422);
      const yaml = [
        'apiVersion: apps/v1',
        'kind: DaemonSet',
        'metadata: {name: peerlink-masquerade-agent, namespace: kube-system}',
        'spec:',
        '  template:',
        '    spec:',
        '      volumes:',
        '        - name: agent',
        '          configMap: {name: peerlink-masquerade-agent, defaultMode: 0555}',
      ].join('\n');
      expect(
        await fetchStatus(
          api,
          'PATCH',
          `${base}?fieldManager=kubectl&force=true`,
          yaml,
          'application/apply-patch+yaml',
        ),
      ).toBe(200);
      const stored = api.store.get(type('DaemonSet'), 'kube-system', 'peerlink-masquerade-agent');
      const agent = volumes(stored).find((v) => v.name === 'agent');
      expect((agent?.configMap as JsonObject | undefined)?.defaultMode).toBe(0o555);
    });
  });
});

/** One request over HTTPS; resolves to the status code. */
async function fetchStatus(
  api: KubeApi,
  method: string,
  path: string,
  body: string,
  contentType = 'application/json',
): Promise<number> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(
      `${api.url}${path}`,
      {
        method,
        ca: api.caPem,
        agent: false,
        headers: { authorization: `Bearer ${api.token}`, 'content-type': contentType },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
