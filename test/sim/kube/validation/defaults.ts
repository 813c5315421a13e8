/**
 * The defaults the real server applies while decoding, before validation, so that validation
 * sees what it sees there. Applied to a copy: the simulator stores objects without them, as it
 * always has. Sources (v1.32):
 * - pkg/apis/core/v1/defaults.go SetDefaults_Volume, SetDefaults_Container, SetDefaults_Service,
 *   SetDefaults_PodSpec, SetDefaults_Probe, SetDefaults_{Secret,ConfigMap,DownwardAPI,Projected}
 *   VolumeSource, SetDefaults_HTTPGetAction, SetDefaults_ObjectFieldSelector,
 *   SetDefaults_HostPathVolumeSource, SetDefaults_Secret, SetDefaults_ConfigMap.
 * - staging/src/k8s.io/api/core/v1/types.go `+default="TCP"` on ContainerPort.Protocol.
 * - pkg/apis/apps/v1/defaults.go SetDefaults_DaemonSet, SetDefaults_Deployment.
 * - pkg/util/parsers/parsers.go ParseImageName: no tag and no digest means tag "latest".
 * - pkg/registry/core/service/strategy.go NormalizeClusterIPs (clusterIP copied into clusterIPs).
 */
import { clone, ensureObject, isObject, type Json, type JsonObject } from '../json.ts';

const unset = (v: Json | undefined): boolean => v === undefined || v === null;

function each(v: Json | undefined, f: (o: JsonObject) => void): void {
  if (Array.isArray(v)) for (const x of v) if (isObject(x)) f(x);
}

// parsers.go ParseImageName's tag: after the last ':' of the last path component, if any.
function imageTag(image: string): string {
  const [name = '', digest] = image.split('@');
  const last = name.slice(name.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  const tag = colon >= 0 ? last.slice(colon + 1) : '';
  return tag === '' && digest === undefined ? 'latest' : tag;
}

function probe(p: Json | undefined): void {
  if (!isObject(p)) return;
  if (unset(p.timeoutSeconds) || p.timeoutSeconds === 0) p.timeoutSeconds = 1;
  if (unset(p.periodSeconds) || p.periodSeconds === 0) p.periodSeconds = 10;
  if (unset(p.successThreshold) || p.successThreshold === 0) p.successThreshold = 1;
  if (unset(p.failureThreshold) || p.failureThreshold === 0) p.failureThreshold = 3;
  if (isObject(p.httpGet)) {
    if (unset(p.httpGet.path) || p.httpGet.path === '') p.httpGet.path = '/';
    if (unset(p.httpGet.scheme) || p.httpGet.scheme === '') p.httpGet.scheme = 'HTTP';
  }
}

function container(c: JsonObject): void {
  if (unset(c.imagePullPolicy) || c.imagePullPolicy === '') {
    c.imagePullPolicy =
      imageTag(typeof c.image === 'string' ? c.image : '') === 'latest' ? 'Always' : 'IfNotPresent';
  }
  if (unset(c.terminationMessagePath) || c.terminationMessagePath === '') {
    c.terminationMessagePath = '/dev/termination-log';
  }
  if (unset(c.terminationMessagePolicy) || c.terminationMessagePolicy === '')
    c.terminationMessagePolicy = 'File';
  each(c.ports, (p) => {
    if (unset(p.protocol) || p.protocol === '') p.protocol = 'TCP';
  });
  each(c.env, (e) => {
    const fieldRef = isObject(e.valueFrom) ? e.valueFrom.fieldRef : undefined;
    if (isObject(fieldRef) && (unset(fieldRef.apiVersion) || fieldRef.apiVersion === ''))
      fieldRef.apiVersion = 'v1';
  });
  probe(c.livenessProbe);
  probe(c.readinessProbe);
  probe(c.startupProbe);
}

const VOLUME_SOURCE_KEYS = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

function volume(v: JsonObject): void {
  if (VOLUME_SOURCE_KEYS.every((k) => unset(v[k]))) v.emptyDir = {};
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const src = v[k];
    if (isObject(src) && unset(src.defaultMode)) src.defaultMode = 0o644;
  }
  if (isObject(v.hostPath) && unset(v.hostPath.type)) v.hostPath.type = '';
  if (isObject(v.downwardAPI)) {
    each(v.downwardAPI.items, (f) => {
      if (isObject(f.fieldRef) && (unset(f.fieldRef.apiVersion) || f.fieldRef.apiVersion === '')) {
        f.fieldRef.apiVersion = 'v1';
      }
    });
  }
}

function podSpec(spec: JsonObject): void {
  if (unset(spec.dnsPolicy) || spec.dnsPolicy === '') spec.dnsPolicy = 'ClusterFirst';
  if (unset(spec.restartPolicy) || spec.restartPolicy === '') spec.restartPolicy = 'Always';
  if (unset(spec.securityContext)) spec.securityContext = {};
  if (unset(spec.terminationGracePeriodSeconds)) spec.terminationGracePeriodSeconds = 30;
  if (unset(spec.schedulerName) || spec.schedulerName === '')
    spec.schedulerName = 'default-scheduler';
  each(spec.volumes, volume);
  each(spec.containers, container);
  each(spec.initContainers, container);
}

function template(spec: JsonObject): void {
  if (isObject(spec.template) && isObject(spec.template.spec)) podSpec(spec.template.spec);
}

function service(svc: JsonObject): void {
  const spec = ensureObject(svc, 'spec');
  if (unset(spec.sessionAffinity) || spec.sessionAffinity === '') spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = isObject(spec.sessionAffinityConfig) ? spec.sessionAffinityConfig : undefined;
    const ip = cfg && isObject(cfg.clientIP) ? cfg.clientIP : undefined;
    if (!ip || unset(ip.timeoutSeconds))
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  if (unset(spec.type) || spec.type === '') spec.type = 'ClusterIP';
  each(spec.ports, (p) => {
    if (unset(p.protocol) || p.protocol === '') p.protocol = 'TCP';
    if (unset(p.targetPort) || p.targetPort === 0 || p.targetPort === '')
      p.targetPort = p.port ?? 0;
  });
  // pkg/api/v1/service ExternallyAccessible: LoadBalancer, NodePort, or ClusterIP with externalIPs.
  const external =
    spec.type === 'LoadBalancer' ||
    spec.type === 'NodePort' ||
    (spec.type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
  if (external && (unset(spec.externalTrafficPolicy) || spec.externalTrafficPolicy === '')) {
    spec.externalTrafficPolicy = 'Cluster';
  }
  if (
    unset(spec.internalTrafficPolicy) &&
    ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(String(spec.type))
  ) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer' && unset(spec.allocateLoadBalancerNodePorts)) {
    spec.allocateLoadBalancerNodePorts = true;
  }
  if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && unset(spec.clusterIPs)) {
    spec.clusterIPs = [spec.clusterIP];
  }
}

/** A copy of `obj` with the defaults of its kind applied. */
export function withDefaults(kind: string, obj: JsonObject): JsonObject {
  const out = clone(obj);
  switch (kind) {
    case 'DaemonSet': {
      const s = ensureObject(out, 'spec');
      const strategy = ensureObject(s, 'updateStrategy');
      if (unset(strategy.type) || strategy.type === '') strategy.type = 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const ru = ensureObject(strategy, 'rollingUpdate');
        if (unset(ru.maxUnavailable)) ru.maxUnavailable = 1;
        if (unset(ru.maxSurge)) ru.maxSurge = 0;
      }
      if (unset(s.revisionHistoryLimit)) s.revisionHistoryLimit = 10;
      template(s);
      break;
    }
    case 'Deployment': {
      const s = ensureObject(out, 'spec');
      if (unset(s.replicas)) s.replicas = 1;
      const strategy = ensureObject(s, 'strategy');
      if (unset(strategy.type) || strategy.type === '') strategy.type = 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const ru = ensureObject(strategy, 'rollingUpdate');
        if (unset(ru.maxUnavailable)) ru.maxUnavailable = '25%';
        if (unset(ru.maxSurge)) ru.maxSurge = '25%';
      }
      if (unset(s.revisionHistoryLimit)) s.revisionHistoryLimit = 10;
      if (unset(s.progressDeadlineSeconds)) s.progressDeadlineSeconds = 600;
      template(s);
      break;
    }
    case 'Service':
      service(out);
      break;
    case 'Secret':
      if (unset(out.type) || out.type === '') out.type = 'Opaque';
      break;
    case 'ConfigMap':
      if (unset(out.data)) out.data = {};
      break;
  }
  return out;
}
