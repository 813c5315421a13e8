/**
 * Validation of each served kind, as its registry strategy calls it on create and update.
 * Sources (v1.32): pkg/apis/core/validation/validation.go ValidateConfigMap, ValidateSecret,
 * ValidateService + validateServicePort, ValidateServiceAccount, ValidateNamespace, ValidateNode;
 * pkg/apis/apps/validation/validation.go ValidateDaemonSet + ValidateDaemonSetSpec +
 * ValidateDaemonSetUpdateStrategy + ValidateRollingUpdateDaemonSet, ValidateDeployment +
 * ValidateDeploymentSpec + ValidateDeploymentStrategy + ValidateRollingUpdateDeployment +
 * ValidatePodTemplateSpecForReplicaSet, ValidatePositiveIntOrPercent, IsNotMoreThan100Percent.
 * Update-only rules (immutability, resourceVersion) are left to the store.
 */
import { isIP } from 'node:net';
import { isObject, type Json, type JsonObject } from '../json.ts';
import {
  duplicate,
  type FieldError,
  forbidden,
  invalid,
  notSupported,
  num,
  Path,
  raw,
  required,
  str,
  tooLong,
} from './field.ts';
import {
  goLabelSelector,
  selectorMatches,
  stringMap,
  validateLabelSelector,
  validateLabels,
  validateObjectMeta,
} from './meta.ts';
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidPercent,
  isValidPortNum,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
} from './names.ts';
import {
  goIntOrString,
  templateLabelsValue,
  validatePodTemplateSpec,
  validatePortNumOrName,
} from './pod.ts';

/** core.MaxSecretSize, also the ConfigMap limit: 1 MiB. */
export const MAX_SECRET_SIZE = 1024 * 1024;
const NEGATIVE_ERROR = 'must be greater than or equal to 0';

const obj = (v: Json | undefined): JsonObject | undefined => (isObject(v) ? v : undefined);
const arr = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);
const text = (v: Json | undefined): string => (typeof v === 'string' ? v : '');
const int = (v: Json | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
const meta = (o: JsonObject): JsonObject => obj(o.metadata) ?? {};
const root = (name: string): Path => Path.root(name);

function nonNegative(v: Json | undefined, path: Path): FieldError[] {
  const n = int(v);
  return n !== undefined && n < 0 ? [invalid(`${path}`, num(n), NEGATIVE_ERROR)] : [];
}

/** ValidateConfigMap: keys, binaryData clashes and the 1 MiB limit on data plus binaryData. */
function configMap(o: JsonObject): FieldError[] {
  const errs = validateObjectMeta(meta(o), true, nameIsDNSSubdomain, root('metadata'));
  let size = 0;
  const binary = obj(o.binaryData) ?? {};
  for (const [key, value] of stringMap(o.data)) {
    for (const m of isConfigMapKey(key))
      errs.push(invalid(`${root('data').key(key)}`, str(key), m));
    if (key in binary) {
      errs.push(
        invalid(`${root('data').key(key)}`, str(key), 'duplicate of key present in binaryData'),
      );
    }
    size += Buffer.byteLength(value);
  }
  for (const [key, value] of stringMap(binary)) {
    for (const m of isConfigMapKey(key))
      errs.push(invalid(`${root('binaryData').key(key)}`, str(key), m));
    size += Buffer.from(value, 'base64').length;
  }
  // The "" path ("[]") means the whole object.
  if (size > MAX_SECRET_SIZE) errs.push(tooLong(`${root('')}`, MAX_SECRET_SIZE));
  return errs;
}

const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

/** ValidateSecret (stringData already merged into data, as conversion does; JSON contents of docker configs are not parsed). */
function secret(o: JsonObject): FieldError[] {
  const m = meta(o);
  const errs = validateObjectMeta(m, true, nameIsDNSSubdomain, root('metadata'));
  const data = new Map<string, number>();
  for (const [k, v] of stringMap(o.data)) data.set(k, Buffer.from(v, 'base64').length);
  for (const [k, v] of stringMap(o.stringData)) data.set(k, Buffer.byteLength(v));
  let size = 0;
  for (const [key, len] of [...data].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const msg of isConfigMapKey(key))
      errs.push(invalid(`${root('data').key(key)}`, str(key), msg));
    size += len;
  }
  if (size > MAX_SECRET_SIZE) errs.push(tooLong(`${root('data')}`, MAX_SECRET_SIZE));
  const type = text(o.type);
  if (type === 'kubernetes.io/service-account-token') {
    if (!text(obj(m.annotations)?.['kubernetes.io/service-account.name'])) {
      errs.push(
        required(
          `${root('metadata').child('annotations').key('kubernetes.io/service-account.name')}`,
        ),
      );
    }
  } else if (type === 'kubernetes.io/basic-auth') {
    if (!data.has('username') && !data.has('password')) {
      errs.push(
        required(`${root('data').key('username')}`),
        required(`${root('data').key('password')}`),
      );
    }
  } else {
    for (const key of SECRET_REQUIRED_KEYS[type] ?? []) {
      if (!data.has(key) || (type === 'kubernetes.io/ssh-auth' && data.get(key) === 0)) {
        errs.push(required(`${root('data').key(key)}`));
      }
    }
  }
  return errs;
}

function validIP(ip: string): boolean {
  // netutils.ParseIPSloppy also takes IPv4 with leading zeros.
  return (
    isIP(ip) !== 0 ||
    (/^(\d{1,3})(\.\d{1,3}){3}$/.test(ip) && ip.split('.').every((p) => Number(p) <= 255))
  );
}

function validCIDR(cidr: string): boolean {
  const [ip = '', bits, ...rest] = cidr.split('/');
  if (bits === undefined || rest.length > 0 || !/^\d+$/.test(bits)) return false;
  return validIP(ip) && Number(bits) <= (ip.includes(':') ? 128 : 32);
}

/** %#v of the core.ServicePort key used for duplicate (protocol, port) pairs. */
function goServicePortKey(protocol: string, port: number): string {
  return `core.ServicePort{Name:"", Protocol:${JSON.stringify(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
}

/**
 * ValidateService. Cluster IP families and allocation (ValidateServiceClusterIPsRelatedFields)
 * are the allocator's (services.ts) business, as is healthCheckNodePort, which the simulator does
 * not allocate, so its "Required" rule is not applied.
 */
function service(o: JsonObject): FieldError[] {
  const m = meta(o);
  const errs = validateObjectMeta(m, true, nameIsDNS1035Label, root('metadata'));
  const spec = obj(o.spec) ?? {};
  const sp = root('spec');
  const type = text(spec.type);
  const ports = arr(spec.ports).filter(isObject);
  const clusterIPs = arr(spec.clusterIPs);
  const headless = clusterIPs.length === 1 && clusterIPs[0] === 'None';
  if (ports.length === 0 && !headless && type !== 'ExternalName')
    errs.push(required(`${sp.child('ports')}`));
  if ((type === 'LoadBalancer' || type === 'NodePort') && headless) {
    errs.push(
      invalid(
        `${sp.child('clusterIPs').index(0)}`,
        str('None'),
        `may not be set to 'None' for ${type} services`,
      ),
    );
  }
  if (type === 'ExternalName') {
    if (clusterIPs.length > 0)
      errs.push(forbidden(`${sp.child('clusterIPs')}`, 'may not be set for ExternalName services'));
    if (arr(spec.ipFamilies).length > 0)
      errs.push(forbidden(`${sp.child('ipFamilies')}`, 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) {
      errs.push(
        forbidden(`${sp.child('ipFamilyPolicy')}`, 'may not be set for ExternalName services'),
      );
    }
    const cname = text(spec.externalName).replace(/\.$/, '');
    if (cname)
      errs.push(
        ...isDNS1123Subdomain(cname).map((msg) =>
          invalid(`${sp.child('externalName')}`, str(cname), msg),
        ),
      );
    else errs.push(required(`${sp.child('externalName')}`));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pp = sp.child('ports').index(i);
    const name = text(p.name);
    if (ports.length > 1 && !name) errs.push(required(`${pp.child('name')}`));
    else if (name) {
      errs.push(
        ...isDNS1123Label(name).map((msg) => invalid(`${pp.child('name')}`, str(name), msg)),
      );
      if (names.has(name)) errs.push(duplicate(`${pp.child('name')}`, str(name)));
      else names.add(name);
    }
    const port = int(p.port) ?? 0;
    errs.push(...isValidPortNum(port).map((msg) => invalid(`${pp.child('port')}`, num(port), msg)));
    const proto = text(p.protocol);
    if (!proto) errs.push(required(`${pp.child('protocol')}`));
    else if (!['TCP', 'UDP', 'SCTP'].includes(proto)) {
      errs.push(notSupported(`${pp.child('protocol')}`, str(proto), ['SCTP', 'TCP', 'UDP']));
    }
    errs.push(...validatePortNumOrName(p.targetPort, pp.child('targetPort')));
    if (typeof p.appProtocol === 'string') {
      const ap = p.appProtocol;
      errs.push(
        ...isQualifiedName(ap).map((msg) => invalid(`${pp.child('appProtocol')}`, str(ap), msg)),
      );
    }
  });
  if (spec.selector !== undefined && spec.selector !== null)
    errs.push(...validateLabels(spec.selector, sp.child('selector')));
  const affinity = text(spec.sessionAffinity);
  if (!affinity) errs.push(required(`${sp.child('sessionAffinity')}`));
  else if (affinity !== 'ClientIP' && affinity !== 'None') {
    errs.push(notSupported(`${sp.child('sessionAffinity')}`, str(affinity), ['ClientIP', 'None']));
  }
  if (affinity === 'ClientIP') {
    const t = int(obj(obj(spec.sessionAffinityConfig)?.clientIP)?.timeoutSeconds);
    if (t !== undefined && (t <= 0 || t > 86400)) {
      errs.push(
        invalid(
          `${sp.child('sessionAffinityConfig', 'clientIP', 'timeoutSeconds')}`,
          num(t),
          'must be greater than 0 and less than 86400',
        ),
      );
    }
  } else if (
    affinity === 'None' &&
    spec.sessionAffinityConfig !== undefined &&
    spec.sessionAffinityConfig !== null
  ) {
    errs.push(
      forbidden(
        `${sp.child('sessionAffinityConfig')}`,
        'must not be set when session affinity is None',
      ),
    );
  }
  arr(spec.externalIPs).forEach((ip, i) => {
    if (typeof ip === 'string' && !validIP(ip)) {
      errs.push(
        invalid(
          `${sp.child('externalIPs').index(i)}`,
          str(ip),
          'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        ),
      );
    }
  });
  if (!type) errs.push(required(`${sp.child('type')}`));
  else if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(type)) {
    errs.push(
      notSupported(`${sp.child('type')}`, str(type), [
        'ClusterIP',
        'ExternalName',
        'LoadBalancer',
        'NodePort',
      ]),
    );
  }
  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if ((int(p.nodePort) ?? 0) !== 0) {
        errs.push(
          forbidden(
            `${sp.child('ports').index(i).child('nodePort')}`,
            "may not be used when `type` is 'ClusterIP'",
          ),
        );
      }
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const np = int(p.nodePort) ?? 0;
    if (np === 0) return;
    const key = `${text(p.protocol)}/${np}`;
    if (nodePorts.has(key))
      errs.push(duplicate(`${sp.child('ports').index(i).child('nodePort')}`, num(np)));
    nodePorts.add(key);
  });
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${text(p.protocol)}/${int(p.port) ?? 0}`;
    if (seen.has(key)) {
      errs.push(
        duplicate(
          `${sp.child('ports').index(i)}`,
          raw(goServicePortKey(text(p.protocol), int(p.port) ?? 0)),
        ),
      );
    }
    seen.add(key);
  });
  const ranges = arr(spec.loadBalancerSourceRanges);
  const annotation = obj(m.annotations)?.['service.beta.kubernetes.io/load-balancer-source-ranges'];
  if (ranges.length > 0) {
    const fp = sp.child('LoadBalancerSourceRanges');
    if (type !== 'LoadBalancer')
      errs.push(forbidden(`${fp}`, "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => {
      const v = text(r).trim();
      if (!validCIDR(v))
        errs.push(
          invalid(
            `${fp.index(i)}`,
            str(v),
            'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
          ),
        );
    });
  } else if (typeof annotation === 'string') {
    const fp = root('metadata')
      .child('annotations')
      .key('service.beta.kubernetes.io/load-balancer-source-ranges');
    if (type !== 'LoadBalancer')
      errs.push(forbidden(`${fp}`, "may only be used when `type` is 'LoadBalancer'"));
    const val = annotation.trim();
    if (val) {
      for (const c of val.split(',')) {
        const v = c.trim();
        if (!validCIDR(v))
          errs.push(
            invalid(
              `${fp}`,
              str(v),
              'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
            ),
          );
      }
    }
  }
  if (
    spec.allocateLoadBalancerNodePorts !== undefined &&
    spec.allocateLoadBalancerNodePorts !== null &&
    type !== 'LoadBalancer'
  ) {
    errs.push(
      forbidden(
        `${sp.child('allocateLoadBalancerNodePorts')}`,
        "may only be used when `type` is 'LoadBalancer'",
      ),
    );
  }
  if (
    type === 'LoadBalancer' &&
    (spec.allocateLoadBalancerNodePorts === undefined ||
      spec.allocateLoadBalancerNodePorts === null)
  ) {
    errs.push(required('allocateLoadBalancerNodePorts'));
  }
  if (typeof spec.loadBalancerClass === 'string') {
    const lbc = spec.loadBalancerClass;
    if (type === 'LoadBalancer') {
      errs.push(
        ...isQualifiedName(lbc).map((msg) =>
          invalid(`${sp.child('loadBalancerClass')}`, str(lbc), msg),
        ),
      );
    } else
      errs.push(
        forbidden(
          `${sp.child('loadBalancerClass')}`,
          "may only be used when `type` is 'LoadBalancer'",
        ),
      );
  }
  const external =
    type === 'LoadBalancer' ||
    type === 'NodePort' ||
    (type === 'ClusterIP' && arr(spec.externalIPs).length > 0);
  const etp = text(spec.externalTrafficPolicy);
  if (!external) {
    if (etp)
      errs.push(
        invalid(
          `${sp.child('externalTrafficPolicy')}`,
          str(etp),
          'may only be set for externally-accessible services',
        ),
      );
  } else if (!etp) errs.push(required(`${sp.child('externalTrafficPolicy')}`));
  else if (etp !== 'Cluster' && etp !== 'Local') {
    errs.push(notSupported(`${sp.child('externalTrafficPolicy')}`, str(etp), ['Cluster', 'Local']));
  }
  const hc = int(spec.healthCheckNodePort) ?? 0;
  const needsHealthCheck = type === 'LoadBalancer' && etp === 'Local';
  if (!needsHealthCheck && hc !== 0) {
    errs.push(
      invalid(
        `${sp.child('healthCheckNodePort')}`,
        num(hc),
        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ),
    );
  } else if (needsHealthCheck && hc !== 0) {
    errs.push(
      ...isValidPortNum(hc).map((msg) =>
        invalid(`${sp.child('healthCheckNodePort')}`, num(hc), msg),
      ),
    );
  }
  const itp = spec.internalTrafficPolicy;
  if (
    (itp === undefined || itp === null) &&
    ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(type)
  ) {
    errs.push(required(`${sp.child('internalTrafficPolicy')}`));
  }
  if (typeof itp === 'string' && itp !== 'Cluster' && itp !== 'Local') {
    errs.push(notSupported(`${sp.child('internalTrafficPolicy')}`, str(itp), ['Cluster', 'Local']));
  }
  if (typeof spec.trafficDistribution === 'string' && spec.trafficDistribution !== 'PreferClose') {
    errs.push(
      notSupported(`${sp.child('trafficDistribution')}`, str(spec.trafficDistribution), [
        'PreferClose',
      ]),
    );
  }
  return errs;
}

/** ValidatePositiveIntOrPercent. */
function positiveIntOrPercent(v: Json | undefined, path: Path): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string')
    return isValidPercent(v).map((msg) => invalid(`${path}`, raw(goIntOrString(v)), msg));
  return nonNegative(v, path);
}

/** IsNotMoreThan100Percent. */
function notMoreThan100Percent(v: Json | undefined, path: Path): FieldError[] {
  if (typeof v !== 'string' || isValidPercent(v).length > 0 || Number(v.slice(0, -1)) <= 100)
    return [];
  return [invalid(`${path}`, raw(goIntOrString(v)), 'must not be greater than 100%')];
}

/** getIntOrPercentValue: the percentage of a valid percent string, else IntValue (Atoi, 0 on error). */
function intOrPercentValue(v: Json | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return 0;
  if (isValidPercent(v).length === 0) return Number(v.slice(0, -1));
  return /^[+-]?\d+$/.test(v) ? Number(v) : 0;
}

function workloadMeta(o: JsonObject): FieldError[] {
  return validateObjectMeta(meta(o), true, nameIsDNSSubdomain, root('metadata'));
}

/** ValidateDaemonSet (ValidateDaemonSetSpecUpdate's templateGeneration rules are not simulated). */
function daemonSet(o: JsonObject): FieldError[] {
  const errs = workloadMeta(o);
  const spec = obj(o.spec) ?? {};
  const sp = root('spec');
  const template = obj(spec.template) ?? {};
  const selector = obj(spec.selector);
  errs.push(...validateLabelSelector(selector, sp.child('selector')));
  // LabelSelectorAsSelector(nil) is labels.Nothing(): a missing selector matches nothing.
  const matches = selector ? selectorMatches(selector, obj(template.metadata)?.labels) : false;
  if (matches === false) {
    errs.push(
      invalid(
        `${sp.child('template', 'metadata', 'labels')}`,
        templateLabelsValue(template),
        '`selector` does not match template `labels`',
      ),
    );
  }
  if (
    selector &&
    stringMap(selector.matchLabels).length + arr(selector.matchExpressions).length === 0
  ) {
    errs.push(
      invalid(
        `${sp.child('selector')}`,
        raw(goLabelSelector(selector)),
        'empty selector is invalid for daemonset',
      ),
    );
  }
  const tp = sp.child('template');
  errs.push(...validatePodTemplateSpec(template, tp));
  const tspec = obj(template.spec) ?? {};
  const restart = text(tspec.restartPolicy);
  if (restart !== 'Always')
    errs.push(notSupported(`${tp.child('spec', 'restartPolicy')}`, str(restart), ['Always']));
  if (tspec.activeDeadlineSeconds !== undefined && tspec.activeDeadlineSeconds !== null) {
    errs.push(
      forbidden(
        `${tp.child('spec', 'activeDeadlineSeconds')}`,
        'activeDeadlineSeconds in DaemonSet is not Supported',
      ),
    );
  }
  errs.push(...nonNegative(spec.minReadySeconds, sp.child('minReadySeconds')));
  errs.push(...nonNegative(spec.templateGeneration, sp.child('templateGeneration')));
  const strategy = obj(spec.updateStrategy) ?? {};
  const up = sp.child('updateStrategy');
  const stype = text(strategy.type);
  if (stype === 'RollingUpdate') {
    const ru = obj(strategy.rollingUpdate);
    if (!ru) errs.push(required(`${up.child('rollingUpdate')}`));
    else {
      const rp = up.child('rollingUpdate');
      errs.push(...positiveIntOrPercent(ru.maxUnavailable, rp.child('maxUnavailable')));
      errs.push(...positiveIntOrPercent(ru.maxSurge, rp.child('maxSurge')));
      errs.push(...notMoreThan100Percent(ru.maxUnavailable, rp.child('maxUnavailable')));
      errs.push(...notMoreThan100Percent(ru.maxSurge, rp.child('maxSurge')));
      const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
      const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
      if (hasUnavailable && hasSurge) {
        errs.push(
          invalid(
            `${rp.child('maxSurge')}`,
            raw(goIntOrString(ru.maxSurge)),
            'may not be set when maxUnavailable is non-zero',
          ),
        );
      } else if (!hasUnavailable && !hasSurge) {
        errs.push(required(`${rp.child('maxUnavailable')}`, 'cannot be 0 when maxSurge is 0'));
      }
    }
  } else if (stype !== 'OnDelete') {
    const bad = `apps.DaemonSetUpdateStrategy{Type:${JSON.stringify(stype)}, RollingUpdate:(*apps.RollingUpdateDaemonSet)(${strategy.rollingUpdate ? '0xc000010000' : 'nil'})}`;
    errs.push(notSupported(`${up}`, raw(bad), ['RollingUpdate', 'OnDelete']));
  }
  errs.push(...nonNegative(spec.revisionHistoryLimit, sp.child('revisionHistoryLimit')));
  return errs;
}

/** ValidateDeployment (rollbackTo is not simulated). */
function deployment(o: JsonObject): FieldError[] {
  const errs = workloadMeta(o);
  const spec = obj(o.spec) ?? {};
  const sp = root('spec');
  errs.push(...nonNegative(spec.replicas, sp.child('replicas')));
  const selector = obj(spec.selector);
  if (!selector) errs.push(required(`${sp.child('selector')}`));
  else {
    errs.push(...validateLabelSelector(selector, sp.child('selector')));
    if (stringMap(selector.matchLabels).length + arr(selector.matchExpressions).length === 0) {
      errs.push(
        invalid(
          `${sp.child('selector')}`,
          raw(goLabelSelector(selector)),
          'empty selector is invalid for deployment',
        ),
      );
    }
  }
  const template = obj(spec.template) ?? {};
  const tp = sp.child('template');
  const matches = selector ? selectorMatches(selector, obj(template.metadata)?.labels) : false;
  if (matches === undefined && selector) {
    errs.push(
      invalid(`${sp.child('selector')}`, raw(goLabelSelector(selector)), 'invalid label selector'),
    );
  } else {
    // ValidatePodTemplateSpecForReplicaSet: an empty selector (everything) is not matched.
    const empty =
      selector &&
      stringMap(selector.matchLabels).length + arr(selector.matchExpressions).length === 0;
    if (!empty && matches === false) {
      errs.push(
        invalid(
          `${tp.child('metadata', 'labels')}`,
          templateLabelsValue(template),
          '`selector` does not match template `labels`',
        ),
      );
    }
    errs.push(...validatePodTemplateSpec(template, tp));
    const tspec = obj(template.spec) ?? {};
    const restart = text(tspec.restartPolicy);
    if (restart !== 'Always')
      errs.push(notSupported(`${tp.child('spec', 'restartPolicy')}`, str(restart), ['Always']));
    if (tspec.activeDeadlineSeconds !== undefined && tspec.activeDeadlineSeconds !== null) {
      errs.push(
        forbidden(
          `${tp.child('spec', 'activeDeadlineSeconds')}`,
          'activeDeadlineSeconds in ReplicaSet is not Supported',
        ),
      );
    }
  }
  const strategy = obj(spec.strategy) ?? {};
  const stp = sp.child('strategy');
  const stype = text(strategy.type);
  if (stype === 'Recreate') {
    if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
      errs.push(
        forbidden(
          `${stp.child('rollingUpdate')}`,
          "may not be specified when strategy `type` is 'Recreate'",
        ),
      );
    }
  } else if (stype === 'RollingUpdate') {
    const ru = obj(strategy.rollingUpdate);
    if (!ru)
      errs.push(
        required(`${stp.child('rollingUpdate')}`, 'this should be defaulted and never be nil'),
      );
    else {
      const rp = stp.child('rollingUpdate');
      errs.push(...positiveIntOrPercent(ru.maxUnavailable, rp.child('maxUnavailable')));
      errs.push(...positiveIntOrPercent(ru.maxSurge, rp.child('maxSurge')));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(
          invalid(
            `${rp.child('maxUnavailable')}`,
            raw(goIntOrString(ru.maxUnavailable)),
            'may not be 0 when `maxSurge` is 0',
          ),
        );
      }
      errs.push(...notMoreThan100Percent(ru.maxUnavailable, rp.child('maxUnavailable')));
    }
  } else {
    const bad = `apps.DeploymentStrategy{Type:${JSON.stringify(stype)}, RollingUpdate:(*apps.RollingUpdateDeployment)(${strategy.rollingUpdate ? '0xc000010000' : 'nil'})}`;
    errs.push(notSupported(`${stp}`, raw(bad), ['Recreate', 'RollingUpdate']));
  }
  errs.push(...nonNegative(spec.minReadySeconds, sp.child('minReadySeconds')));
  errs.push(...nonNegative(spec.revisionHistoryLimit, sp.child('revisionHistoryLimit')));
  const pds = int(spec.progressDeadlineSeconds);
  if (pds !== undefined) {
    errs.push(...nonNegative(pds, sp.child('progressDeadlineSeconds')));
    if (pds <= (int(spec.minReadySeconds) ?? 0)) {
      errs.push(
        invalid(
          `${sp.child('progressDeadlineSeconds')}`,
          num(pds),
          'must be greater than minReadySeconds',
        ),
      );
    }
  }
  return errs;
}

/** ValidateNamespace: DNS-1123 label name, qualified or standard finalizers. */
function namespace(o: JsonObject): FieldError[] {
  const errs = validateObjectMeta(meta(o), false, nameIsDNSLabel, root('metadata'));
  const fp = root('spec').child('finalizers');
  for (const f of arr(obj(o.spec)?.finalizers)) {
    if (typeof f !== 'string') continue;
    errs.push(...isQualifiedName(f).map((msg) => invalid(`${fp}`, str(f), msg)));
    if (!f.includes('/') && !['kubernetes', 'orphan', 'foregroundDeletion'].includes(f)) {
      errs.push(
        invalid(
          `${fp}`,
          str(f),
          'name is neither a standard finalizer name nor is it fully qualified',
        ),
      );
    }
  }
  return errs;
}

/** Validation functions by kind. */
export const VALIDATORS: Record<string, (o: JsonObject) => FieldError[]> = {
  ConfigMap: configMap,
  Secret: secret,
  Service: service,
  ServiceAccount: (o) => validateObjectMeta(meta(o), true, nameIsDNSSubdomain, root('metadata')),
  Namespace: namespace,
  // ValidateNode: metadata only here (taints, pod CIDRs and resources are the GKE part's).
  Node: (o) => validateObjectMeta(meta(o), false, nameIsDNSSubdomain, root('metadata')),
  DaemonSet: daemonSet,
  Deployment: deployment,
};
