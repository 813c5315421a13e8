/**
 * Decoding the request body into the Go types fails before any validation runs: a value of the
 * wrong JSON type, or a quantity that does not parse. The real server then answers 400 BadRequest
 * `<Kind> in version "<v>" cannot be handled as a <Kind>: <error>`
 * (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go transformDecodeError).
 *
 * Error texts are those of sigs.k8s.io/json (the API server's JSON decoder, a fork of
 * encoding/json): internal/golang/encoding/json/decode.go UnmarshalTypeError.Error
 * (`json: cannot unmarshal <value> into Go struct field <Struct>.<json.path> of type <type>`, the
 * first one kept, the path being the JSON field names without indices) and addErrorContext;
 * resource.Quantity.UnmarshalJSON (quantity.go) and intstr.IntOrString.UnmarshalJSON
 * (util/intstr/intstr.go, plain encoding/json, so no field context) stop decoding at once.
 *
 * Only the fields the simulator's validation reads are typed here; other fields are not checked.
 */

import type { Json } from '../json.ts';
import { isObject } from '../json.ts';
import type { ResourceType } from '../resources.ts';
import { badRequest, type KubeApiError } from '../status.ts';
import { parseQuantity } from './quantity.ts';

type GoType =
  | { readonly k: 'struct'; readonly go: string; readonly fields: () => Record<string, GoType> }
  | { readonly k: 'string'; readonly go: string }
  | { readonly k: 'int'; readonly go: 'int32' | 'int64' }
  | { readonly k: 'bool' }
  | { readonly k: 'list'; readonly go: string; readonly of: GoType }
  | { readonly k: 'map'; readonly go: string; readonly of: GoType }
  | { readonly k: 'quantity' }
  | { readonly k: 'intOrString' };

const S: GoType = { k: 'string', go: 'string' };
const named = (go: string): GoType => ({ k: 'string', go });
const I32: GoType = { k: 'int', go: 'int32' };
const I64: GoType = { k: 'int', go: 'int64' };
const B: GoType = { k: 'bool' };
const Q: GoType = { k: 'quantity' };
const IOS: GoType = { k: 'intOrString' };
const list = (of: GoType, go: string): GoType => ({ k: 'list', go, of });
const strings = list(S, '[]string');
const map = (of: GoType, go: string): GoType => ({ k: 'map', go, of });
const stringMap = map(S, 'map[string]string');
const struct = (go: string, fields: () => Record<string, GoType>): GoType => ({
  k: 'struct',
  go,
  fields,
});

// Type names as reflect prints them: package name of k8s.io/api/<group>/v1 is "v1".
const objectMeta = struct('v1.ObjectMeta', () => ({
  name: S,
  generateName: S,
  namespace: S,
  labels: stringMap,
  annotations: stringMap,
  finalizers: strings,
}));
const labelSelector = struct('v1.LabelSelector', () => ({
  matchLabels: stringMap,
  matchExpressions: list(
    struct('v1.LabelSelectorRequirement', () => ({
      key: S,
      operator: named('v1.LabelSelectorOperator'),
      values: strings,
    })),
    '[]v1.LabelSelectorRequirement',
  ),
}));
const keyToPath = list(
  struct('v1.KeyToPath', () => ({ key: S, path: S, mode: I32 })),
  '[]v1.KeyToPath',
);
const volume = struct('v1.Volume', () => ({
  name: S,
  hostPath: struct('v1.HostPathVolumeSource', () => ({ path: S, type: named('v1.HostPathType') })),
  emptyDir: struct('v1.EmptyDirVolumeSource', () => ({
    medium: named('v1.StorageMedium'),
    sizeLimit: Q,
  })),
  secret: struct('v1.SecretVolumeSource', () => ({
    secretName: S,
    items: keyToPath,
    defaultMode: I32,
    optional: B,
  })),
  configMap: struct('v1.ConfigMapVolumeSource', () => ({
    name: S,
    items: keyToPath,
    defaultMode: I32,
    optional: B,
  })),
  downwardAPI: struct('v1.DownwardAPIVolumeSource', () => ({
    items: list(
      struct('v1.DownwardAPIVolumeFile', () => ({ path: S, mode: I32 })),
      '[]v1.DownwardAPIVolumeFile',
    ),
    defaultMode: I32,
  })),
  projected: struct('v1.ProjectedVolumeSource', () => ({ defaultMode: I32 })),
}));
const probe = struct('v1.Probe', () => ({
  exec: struct('v1.ExecAction', () => ({ command: strings })),
  httpGet: struct('v1.HTTPGetAction', () => ({
    path: S,
    port: IOS,
    host: S,
    scheme: named('v1.URIScheme'),
  })),
  tcpSocket: struct('v1.TCPSocketAction', () => ({ port: IOS, host: S })),
  initialDelaySeconds: I32,
  timeoutSeconds: I32,
  periodSeconds: I32,
  successThreshold: I32,
  failureThreshold: I32,
  terminationGracePeriodSeconds: I64,
}));
const resourceList = map(Q, 'v1.ResourceList');
const container = struct('v1.Container', () => ({
  name: S,
  image: S,
  command: strings,
  args: strings,
  workingDir: S,
  ports: list(
    struct('v1.ContainerPort', () => ({
      name: S,
      hostPort: I32,
      containerPort: I32,
      protocol: named('v1.Protocol'),
      hostIP: S,
    })),
    '[]v1.ContainerPort',
  ),
  env: list(
    struct('v1.EnvVar', () => ({ name: S, value: S })),
    '[]v1.EnvVar',
  ),
  resources: struct('v1.ResourceRequirements', () => ({
    limits: resourceList,
    requests: resourceList,
  })),
  volumeMounts: list(
    struct('v1.VolumeMount', () => ({
      name: S,
      readOnly: B,
      mountPath: S,
      subPath: S,
      mountPropagation: named('v1.MountPropagationMode'),
      subPathExpr: S,
    })),
    '[]v1.VolumeMount',
  ),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  terminationMessagePath: S,
  terminationMessagePolicy: named('v1.TerminationMessagePolicy'),
  imagePullPolicy: named('v1.PullPolicy'),
  securityContext: struct('v1.SecurityContext', () => ({
    capabilities: struct('v1.Capabilities', () => ({
      add: list(named('v1.Capability'), '[]v1.Capability'),
      drop: list(named('v1.Capability'), '[]v1.Capability'),
    })),
    privileged: B,
    runAsUser: I64,
    runAsGroup: I64,
    runAsNonRoot: B,
    readOnlyRootFilesystem: B,
    allowPrivilegeEscalation: B,
    procMount: named('v1.ProcMountType'),
    seccompProfile: struct('v1.SeccompProfile', () => ({
      type: named('v1.SeccompProfileType'),
      localhostProfile: S,
    })),
  })),
  stdin: B,
  tty: B,
}));
const podSpec = struct('v1.PodSpec', () => ({
  volumes: list(volume, '[]v1.Volume'),
  initContainers: list(container, '[]v1.Container'),
  containers: list(container, '[]v1.Container'),
  restartPolicy: named('v1.RestartPolicy'),
  terminationGracePeriodSeconds: I64,
  activeDeadlineSeconds: I64,
  dnsPolicy: named('v1.DNSPolicy'),
  nodeSelector: stringMap,
  serviceAccountName: S,
  automountServiceAccountToken: B,
  nodeName: S,
  hostNetwork: B,
  hostPID: B,
  hostIPC: B,
  securityContext: struct('v1.PodSecurityContext', () => ({
    runAsUser: I64,
    runAsGroup: I64,
    runAsNonRoot: B,
    fsGroup: I64,
    supplementalGroups: list(I64, '[]int64'),
  })),
  hostname: S,
  subdomain: S,
  tolerations: list(
    struct('v1.Toleration', () => ({
      key: S,
      operator: named('v1.TolerationOperator'),
      value: S,
      effect: named('v1.TaintEffect'),
      tolerationSeconds: I64,
    })),
    '[]v1.Toleration',
  ),
  priorityClassName: S,
  enableServiceLinks: B,
}));
const podTemplate = struct('v1.PodTemplateSpec', () => ({ metadata: objectMeta, spec: podSpec }));

const TOP: Record<string, Record<string, GoType>> = {
  ConfigMap: { metadata: objectMeta, data: stringMap, binaryData: map(S, 'map[string][]uint8') },
  Secret: {
    metadata: objectMeta,
    data: map(S, 'map[string][]uint8'),
    stringData: stringMap,
    type: named('v1.SecretType'),
  },
  Service: {
    metadata: objectMeta,
    spec: struct('v1.ServiceSpec', () => ({
      ports: list(
        struct('v1.ServicePort', () => ({
          name: S,
          protocol: named('v1.Protocol'),
          appProtocol: S,
          port: I32,
          targetPort: IOS,
          nodePort: I32,
        })),
        '[]v1.ServicePort',
      ),
      selector: stringMap,
      clusterIP: S,
      type: named('v1.ServiceType'),
      externalIPs: strings,
      sessionAffinity: named('v1.ServiceAffinity'),
      loadBalancerIP: S,
      loadBalancerSourceRanges: strings,
      externalName: S,
      externalTrafficPolicy: named('v1.ServiceExternalTrafficPolicy'),
      healthCheckNodePort: I32,
      allocateLoadBalancerNodePorts: B,
      loadBalancerClass: S,
    })),
  },
  ServiceAccount: { metadata: objectMeta },
  Namespace: { metadata: objectMeta },
  Node: { metadata: objectMeta },
  DaemonSet: {
    metadata: objectMeta,
    spec: struct('v1.DaemonSetSpec', () => ({
      selector: labelSelector,
      template: podTemplate,
      updateStrategy: struct('v1.DaemonSetUpdateStrategy', () => ({
        type: named('v1.DaemonSetUpdateStrategyType'),
        rollingUpdate: struct('v1.RollingUpdateDaemonSet', () => ({
          maxUnavailable: IOS,
          maxSurge: IOS,
        })),
      })),
      minReadySeconds: I32,
      revisionHistoryLimit: I32,
    })),
  },
  Deployment: {
    metadata: objectMeta,
    spec: struct('v1.DeploymentSpec', () => ({
      replicas: I32,
      selector: labelSelector,
      template: podTemplate,
      strategy: struct('v1.DeploymentStrategy', () => ({
        type: named('v1.DeploymentStrategyType'),
        rollingUpdate: struct('v1.RollingUpdateDeployment', () => ({
          maxUnavailable: IOS,
          maxSurge: IOS,
        })),
      })),
      minReadySeconds: I32,
      revisionHistoryLimit: I32,
      paused: B,
      progressDeadlineSeconds: I32,
    })),
  },
};

class Abort extends Error {}

/** How Go names a JSON value in UnmarshalTypeError.Value. */
function jsonKind(v: Json): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return 'number';
}

const INT_RANGE = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [-(2 ** 63), 2 ** 63 - 1] } as const;

/**
 * The decode error the real server would give for `obj` as a `rt.kind`, or undefined. Keys are
 * visited in the body's order, as the decoder reads them.
 */
export function decodeError(rt: ResourceType, obj: Json): KubeApiError | undefined {
  const fields = TOP[rt.kind];
  if (!fields || !isObject(obj)) return undefined;
  let saved: string | undefined;
  const typeError = (value: string, go: string, struct: string, stack: readonly string[]): void => {
    saved ??= `json: cannot unmarshal ${value} into Go struct field ${struct}.${stack.join('.')} of type ${go}`;
  };
  const walk = (t: GoType, v: Json, struct: string, stack: readonly string[]): void => {
    if (v === null) return; // null leaves a Go value at its zero value
    switch (t.k) {
      case 'quantity':
      case 'intOrString': {
        if (t.k === 'quantity') {
          // Quantity.UnmarshalJSON gets the raw literal (a string without its quotes).
          const text = typeof v === 'string' ? v.trim() : JSON.stringify(v);
          try {
            parseQuantity(text);
          } catch (e) {
            throw new Abort((e as Error).message);
          }
          return;
        }
        if (typeof v === 'string') return;
        if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return;
        const what = typeof v === 'number' ? `number ${JSON.stringify(v)}` : jsonKind(v);
        throw new Abort(`json: cannot unmarshal ${what} into Go value of type int32`);
      }
      case 'string':
        if (typeof v !== 'string') typeError(jsonKind(v), t.go, struct, stack);
        return;
      case 'bool':
        if (typeof v !== 'boolean') typeError(jsonKind(v), 'bool', struct, stack);
        return;
      case 'int': {
        if (typeof v !== 'number') {
          typeError(jsonKind(v), t.go, struct, stack);
          return;
        }
        const [lo, hi] = INT_RANGE[t.go];
        if (!Number.isInteger(v) || v < lo || v > hi) {
          typeError(`number ${JSON.stringify(v)}`, t.go, struct, stack);
        }
        return;
      }
      case 'list':
        if (!Array.isArray(v)) {
          typeError(jsonKind(v), t.go, struct, stack);
          return;
        }
        for (const item of v) walk(t.of, item, struct, stack);
        return;
      case 'map':
        if (!isObject(v)) {
          typeError(jsonKind(v), t.go, struct, stack);
          return;
        }
        for (const item of Object.values(v)) walk(t.of, item, struct, stack);
        return;
      case 'struct': {
        if (!isObject(v)) {
          typeError(jsonKind(v), t.go, struct, stack);
          return;
        }
        const inner = t.go.slice(t.go.indexOf('.') + 1);
        const fs = t.fields();
        for (const [k, item] of Object.entries(v)) {
          const ft = fs[k];
          if (ft) walk(ft, item, inner, [...stack, k]);
        }
        return;
      }
    }
  };
  try {
    for (const [k, v] of Object.entries(obj)) {
      const ft = fields[k];
      if (ft) walk(ft, v, rt.kind, [k]);
    }
  } catch (e) {
    if (!(e instanceof Abort)) throw e;
    return cannotHandle(rt, e.message);
  }
  return saved === undefined ? undefined : cannotHandle(rt, saved);
}

function cannotHandle(rt: ResourceType, err: string): KubeApiError {
  return badRequest(
    `${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: ${err}`,
  );
}
