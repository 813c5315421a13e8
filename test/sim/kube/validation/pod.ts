/**
 * Pod templates as workloads carry them. Each function follows the function of the same name in
 * pkg/apis/core/validation/validation.go (v1.32) in the order it reports errors; parts the
 * simulator does not check are named in the comments. Objects arrive defaulted (defaults.ts).
 */
import { isObject, type Json, type JsonObject } from '../json.ts';
import {
  duplicate,
  type FieldError,
  forbidden,
  type GoValue,
  invalid,
  notFound,
  notSupported,
  num,
  type Path,
  raw,
  required,
  str,
} from './field.ts';
import { goStringMap, validateAnnotations, validateLabelName, validateLabels } from './meta.ts';
import {
  inclusiveRangeError,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isHTTPHeaderName,
  isQualifiedName,
  isValidGroupID,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  isValidUserID,
} from './names.ts';
import {
  cmpQuantity,
  parseQuantity,
  type Quantity,
  quantityString,
  roundUpMilli,
} from './quantity.ts';

const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
const NEGATIVE_ERROR = 'must be greater than or equal to 0';
const MAX_INT32 = 2147483647;

const obj = (v: Json | undefined): JsonObject | undefined => (isObject(v) ? v : undefined);
const arr = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);
const text = (v: Json | undefined): string => (typeof v === 'string' ? v : '');
const int = (v: Json | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
const sorted = (xs: readonly string[]): string[] => [...xs].sort();

/** The Go %#v of a pointer field, with an invented address (the real server prints its heap). */
function goPointer(type: string, set: boolean, n: number): string {
  return set
    ? `(${type})(0xc000${(0x10000 + n * 8).toString(16).padStart(6, '0')})`
    : `(${type})(nil)`;
}

/** %#v of core.SecurityContext, the bad value of the allowPrivilegeEscalation rules. */
function goSecurityContext(sc: JsonObject): string {
  const fields: [string, string, string][] = [
    ['Capabilities', '*core.Capabilities', 'capabilities'],
    ['Privileged', '*bool', 'privileged'],
    ['SELinuxOptions', '*core.SELinuxOptions', 'seLinuxOptions'],
    ['WindowsOptions', '*core.WindowsSecurityContextOptions', 'windowsOptions'],
    ['RunAsUser', '*int64', 'runAsUser'],
    ['RunAsGroup', '*int64', 'runAsGroup'],
    ['RunAsNonRoot', '*bool', 'runAsNonRoot'],
    ['ReadOnlyRootFilesystem', '*bool', 'readOnlyRootFilesystem'],
    ['AllowPrivilegeEscalation', '*bool', 'allowPrivilegeEscalation'],
    ['ProcMount', '*core.ProcMountType', 'procMount'],
    ['SeccompProfile', '*core.SeccompProfile', 'seccompProfile'],
    ['AppArmorProfile', '*core.AppArmorProfile', 'appArmorProfile'],
  ];
  const parts = fields.map(
    ([go, type, json], i) =>
      `${go}:${goPointer(type, sc[json] !== undefined && sc[json] !== null, i)}`,
  );
  return `core.SecurityContext{${parts.join(', ')}}`;
}

/** %#v of intstr.IntOrString. */
export function goIntOrString(v: Json | undefined): string {
  if (typeof v === 'string')
    return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`;
  return `intstr.IntOrString{Type:0, IntVal:${typeof v === 'number' ? v : 0}, StrVal:""}`;
}

/** ValidatePortNumOrName. */
export function validatePortNumOrName(port: Json | undefined, path: Path): FieldError[] {
  if (typeof port === 'string')
    return isValidPortName(port).map((m) => invalid(`${path}`, str(port), m));
  const n = typeof port === 'number' ? port : 0;
  return isValidPortNum(n).map((m) => invalid(`${path}`, num(n), m));
}

// validatePathNoBacksteps / validateLocalDescendingPath / ValidateLocalNonReservedPath.
function noBacksteps(p: string, path: Path): FieldError[] {
  return p.split('/').includes('..') ? [invalid(`${path}`, str(p), "must not contain '..'")] : [];
}
function localDescending(p: string, path: Path): FieldError[] {
  const errs = p.startsWith('/') ? [invalid(`${path}`, str(p), 'must be a relative path')] : [];
  return [...errs, ...noBacksteps(p, path)];
}
function localNonReserved(p: string, path: Path): FieldError[] {
  const errs = localDescending(p, path);
  if (p.startsWith('..') && !p.startsWith('../'))
    errs.push(invalid(`${path}`, str(p), "must not start with '..'"));
  return errs;
}

function fileMode(v: Json | undefined, path: Path): FieldError[] {
  const m = int(v);
  return m !== undefined && (m > 0o777 || m < 0)
    ? [invalid(`${path}`, num(m), FILE_MODE_ERROR)]
    : [];
}

// validateKeyToPath.
function keyToPath(kp: JsonObject, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  if (!text(kp.key)) errs.push(required(`${path.child('key')}`));
  if (!text(kp.path)) errs.push(required(`${path.child('path')}`));
  errs.push(...localNonReserved(text(kp.path), path.child('path')));
  errs.push(...fileMode(kp.mode, path.child('mode')));
  return errs;
}

const DOWNWARD_VOLUME_FIELDS = new Set([
  'metadata.name',
  'metadata.namespace',
  'metadata.labels',
  'metadata.annotations',
  'metadata.uid',
]);

// validateDownwardAPIVolumeFile (resourceFieldRef is accepted without checking its resource).
function downwardFile(file: JsonObject, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const p = text(file.path);
  if (!p) errs.push(required(`${path.child('path')}`));
  errs.push(...localNonReserved(p, path.child('path')));
  const fieldRef = obj(file.fieldRef);
  if (fieldRef) {
    const fp = text(fieldRef.fieldPath);
    const fr = path.child('fieldRef');
    if (!text(fieldRef.apiVersion)) errs.push(required(`${fr.child('apiVersion')}`));
    else if (!fp) errs.push(required(`${fr.child('fieldPath')}`));
    else {
      const m = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fp);
      if (m) {
        const key = m[1] === 'metadata.annotations' ? (m[2] ?? '').toLowerCase() : (m[2] ?? '');
        errs.push(...isQualifiedName(key).map((msg) => invalid(`${fr}`, str(key), msg)));
      } else if (!DOWNWARD_VOLUME_FIELDS.has(fp)) {
        errs.push(
          notSupported(`${fr.child('fieldPath')}`, str(fp), sorted([...DOWNWARD_VOLUME_FIELDS])),
        );
      }
    }
    if (file.resourceFieldRef !== undefined) {
      errs.push(
        invalid(
          `${path}`,
          str('resource'),
          'fieldRef and resourceFieldRef can not be specified simultaneously',
        ),
      );
    }
  } else if (file.resourceFieldRef === undefined) {
    errs.push(required(`${path}`, 'one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...fileMode(file.mode, path.child('mode')));
  return errs;
}

const HOST_PATH_TYPES = [
  '',
  'DirectoryOrCreate',
  'Directory',
  'FileOrCreate',
  'File',
  'Socket',
  'CharDevice',
  'BlockDevice',
];

// validateProjectionSources (clusterTrustBundle sources are counted, not checked).
function projectionSources(src: JsonObject, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  const note = (p: string, bad: GoValue): void => {
    if (paths.has(p)) errs.push(invalid(`${path}`, bad, 'conflicting duplicate paths'));
    else paths.add(p);
  };
  arr(src.sources).forEach((s, i) => {
    if (!isObject(s)) return;
    let n = 0;
    const sp = path.child('sources').index(i);
    for (const kind of ['secret', 'configMap'] as const) {
      const ref = obj(s[kind]);
      if (!ref) continue;
      n++;
      const pp = sp.child(kind);
      if (!text(ref.name)) errs.push(required(`${pp.child('name')}`));
      arr(ref.items).forEach((kp, j) => {
        if (!isObject(kp)) return;
        errs.push(...keyToPath(kp, pp.child('items').index(j)));
        if (text(kp.path)) note(text(kp.path), str(text(ref.name)));
      });
    }
    const dw = obj(s.downwardAPI);
    if (dw) {
      n++;
      for (const f of arr(dw.items)) {
        if (!isObject(f)) continue;
        errs.push(...downwardFile(f, sp.child('downwardAPI')));
        if (text(f.path)) note(text(f.path), str(text(f.path)));
      }
    }
    const token = obj(s.serviceAccountToken);
    if (token) {
      n++;
      const tp = sp.child('serviceAccountToken');
      const exp = int(token.expirationSeconds) ?? 3600;
      if (exp < 600) {
        errs.push(
          invalid(
            `${tp.child('expirationSeconds')}`,
            num(exp),
            'may not specify a duration less than 10 minutes',
          ),
        );
      }
      if (exp > 2 ** 32) {
        errs.push(
          invalid(
            `${tp.child('expirationSeconds')}`,
            num(exp),
            'may not specify a duration larger than 2^32 seconds',
          ),
        );
      }
      if (!text(token.path)) errs.push(required(`${path.child('path')}`));
      else errs.push(...localNonReserved(text(token.path), path.child('path')));
    }
    if (s.clusterTrustBundle !== undefined) n++;
    if (n > 1) errs.push(forbidden(`${sp}`, 'may not specify more than 1 volume type per source'));
  });
  return errs;
}

// Volume source fields in validateVolumeSource's order, with the child name its "more than 1
// volume type" error uses (Go's spelling, typos included).
const VOLUME_SOURCES: [string, string][] = [
  ['emptyDir', 'emptyDir'],
  ['hostPath', 'hostPath'],
  ['gitRepo', 'gitRepo'],
  ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['secret', 'secret'],
  ['nfs', 'nfs'],
  ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'],
  ['flocker', 'flocker'],
  ['persistentVolumeClaim', 'persistentVolumeClaim'],
  ['rbd', 'rbd'],
  ['cinder', 'cinder'],
  ['cephfs', 'cephFS'],
  ['quobyte', 'quobyte'],
  ['downwardAPI', 'downwarAPI'],
  ['fc', 'fc'],
  ['flexVolume', 'flexVolume'],
  ['configMap', 'configMap'],
  ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'],
  ['azureDisk', 'azureDisk'],
  ['storageos', 'storageos'],
  ['projected', 'projected'],
  ['scaleIO', 'scaleIO'],
  ['csi', 'csi'],
  ['ephemeral', 'ephemeral'],
  ['image', 'image'],
];

// validateVolumeSource: the sources peerlink-like workloads use are checked in full; the others
// (cloud disks, NFS, iSCSI, CSI, ephemeral, image...) count towards "one volume type" only.
function volumeSource(vol: JsonObject, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const [key, child] of VOLUME_SOURCES) {
    const src = vol[key];
    if (src === undefined || src === null) continue;
    if (n > 0) {
      errs.push(forbidden(`${path.child(child)}`, 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    const s = obj(src) ?? {};
    const p = path.child(key);
    switch (key) {
      case 'emptyDir': {
        const limit = quantityOf(s.sizeLimit);
        if (limit && limit.nanos < 0n) {
          errs.push(
            forbidden(
              `${p.child('sizeLimit')}`,
              'SizeLimit field must be a valid resource quantity',
            ),
          );
        }
        break;
      }
      case 'hostPath': {
        if (!text(s.path)) {
          errs.push(required(`${p.child('path')}`));
          break;
        }
        errs.push(...noBacksteps(text(s.path), p.child('path')));
        if (typeof s.type === 'string' && !HOST_PATH_TYPES.includes(s.type)) {
          errs.push(notSupported(`${p.child('type')}`, str(s.type), sorted(HOST_PATH_TYPES)));
        }
        break;
      }
      case 'secret':
      case 'configMap': {
        const nameField = key === 'secret' ? 'secretName' : 'name';
        if (!text(s[nameField])) errs.push(required(`${p.child(nameField)}`));
        errs.push(...fileMode(s.defaultMode, p.child('defaultMode')));
        arr(s.items).forEach((kp, i) => {
          if (isObject(kp)) errs.push(...keyToPath(kp, p.child('items').index(i)));
        });
        break;
      }
      case 'downwardAPI':
        errs.push(...fileMode(s.defaultMode, p.child('defaultMode')));
        for (const f of arr(s.items)) if (isObject(f)) errs.push(...downwardFile(f, p));
        break;
      case 'projected':
        errs.push(...fileMode(s.defaultMode, p.child('defaultMode')));
        errs.push(...projectionSources(s, p));
        break;
      case 'persistentVolumeClaim':
        if (!text(s.claimName)) errs.push(required(`${p.child('claimName')}`));
        break;
    }
  }
  if (n === 0) errs.push(required(`${path}`, 'must specify a volume type'));
  return errs;
}

/** ValidateVolumes: the names of the valid volumes (for volumeMounts) and the errors. */
function validateVolumes(volumes: Json | undefined, path: Path): [Set<string>, FieldError[]] {
  const names = new Set<string>();
  const errs: FieldError[] = [];
  arr(volumes).forEach((v, i) => {
    if (!isObject(v)) return;
    const p = path.index(i);
    const name = text(v.name);
    const el = volumeSource(v, p);
    if (!name) el.push(required(`${p.child('name')}`));
    else el.push(...isDNS1123Label(name).map((m) => invalid(`${p.child('name')}`, str(name), m)));
    if (names.has(name)) el.push(duplicate(`${p.child('name')}`, str(name)));
    if (el.length === 0) names.add(name);
    else errs.push(...el);
  });
  return [names, errs];
}

// validateContainerPorts.
function containerPorts(ports: Json | undefined, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(ports).forEach((port, i) => {
    if (!isObject(port)) return;
    const p = path.index(i);
    const name = text(port.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length > 0)
        errs.push(...msgs.map((m) => invalid(`${p.child('name')}`, str(name), m)));
      else if (names.has(name)) errs.push(duplicate(`${p.child('name')}`, str(name)));
      else names.add(name);
    }
    const cp = int(port.containerPort) ?? 0;
    if (cp === 0) errs.push(required(`${p.child('containerPort')}`));
    else
      errs.push(
        ...isValidPortNum(cp).map((m) => invalid(`${p.child('containerPort')}`, num(cp), m)),
      );
    const hp = int(port.hostPort) ?? 0;
    if (hp !== 0)
      errs.push(...isValidPortNum(hp).map((m) => invalid(`${p.child('hostPort')}`, num(hp), m)));
    const proto = text(port.protocol);
    if (!proto) errs.push(required(`${p.child('protocol')}`));
    else if (!['TCP', 'UDP', 'SCTP'].includes(proto)) {
      errs.push(notSupported(`${p.child('protocol')}`, str(proto), ['SCTP', 'TCP', 'UDP']));
    }
  });
  return errs;
}

const RELAXED_ENV_ERROR =
  "a valid environment variable name must consist only of printable ASCII characters other than '='";

// ValidateEnv. v1.32 enables the RelaxedEnvironmentVariableValidation feature gate by default
// (pkg/features/kube_features.go: beta, default true, from 1.32), so names are checked with
// IsRelaxedEnvVarName rather than IsEnvVarName. valueFrom sources are checked for count only.
function validateEnv(env: Json | undefined, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  arr(env).forEach((ev, i) => {
    if (!isObject(ev)) return;
    const p = path.index(i);
    const name = text(ev.name);
    if (!name) errs.push(required(`${p.child('name')}`));
    else if ([...name].some((c) => c < ' ' || c > '~' || c === '=')) {
      errs.push(invalid(`${p.child('name')}`, str(name), RELAXED_ENV_ERROR));
    }
    const from = obj(ev.valueFrom);
    if (from) {
      const vp = p.child('valueFrom');
      const n = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter(
        (k) => from[k] !== undefined && from[k] !== null,
      ).length;
      if (n === 0) {
        errs.push(
          invalid(
            `${vp}`,
            str(''),
            'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
          ),
        );
      } else if (text(ev.value)) {
        errs.push(invalid(`${vp}`, str(''), 'may not be specified when `value` is not empty'));
      } else if (n > 1) {
        errs.push(
          invalid(`${vp}`, str(''), 'may not have more than one field specified at a time'),
        );
      }
      for (const k of ['configMapKeyRef', 'secretKeyRef']) {
        const ref = obj(from[k]);
        if (!ref) continue;
        const rp = vp.child(k);
        const key = text(ref.key);
        if (!key) errs.push(required(`${rp.child('key')}`));
        else
          errs.push(...isConfigMapKey(key).map((m) => invalid(`${rp.child('key')}`, str(key), m)));
      }
    }
  });
  return errs;
}

// ValidateVolumeMounts (volumeDevices are not simulated).
function volumeMounts(
  mounts: Json | undefined,
  volumes: Set<string>,
  privileged: boolean,
  path: Path,
): FieldError[] {
  const errs: FieldError[] = [];
  const points = new Set<string>();
  arr(mounts).forEach((mnt, i) => {
    if (!isObject(mnt)) return;
    const p = path.index(i);
    const name = text(mnt.name);
    const mountPath = text(mnt.mountPath);
    if (!name) errs.push(required(`${p.child('name')}`));
    if (!volumes.has(name)) errs.push(notFound(`${p.child('name')}`, str(name)));
    if (!mountPath) errs.push(required(`${p.child('mountPath')}`));
    if (points.has(mountPath))
      errs.push(invalid(`${p.child('mountPath')}`, str(mountPath), 'must be unique'));
    points.add(mountPath);
    // Go reports these two under the list's path, not the item's.
    if (text(mnt.subPath)) errs.push(...localDescending(text(mnt.subPath), path.child('subPath')));
    if (text(mnt.subPathExpr)) {
      if (text(mnt.subPath)) {
        errs.push(
          invalid(
            `${p.child('subPathExpr')}`,
            str(text(mnt.subPathExpr)),
            'subPathExpr and subPath are mutually exclusive',
          ),
        );
      }
      errs.push(...localDescending(text(mnt.subPathExpr), path.child('subPathExpr')));
    }
    const prop = mnt.mountPropagation;
    if (typeof prop === 'string') {
      const mp = path.child('mountPropagation');
      if (!['Bidirectional', 'HostToContainer', 'None'].includes(prop)) {
        errs.push(notSupported(`${mp}`, str(prop), ['Bidirectional', 'HostToContainer', 'None']));
      }
      if (prop === 'Bidirectional' && !privileged) {
        errs.push(
          forbidden(
            `${mp}`,
            'Bidirectional mount propagation is available only to privileged containers',
          ),
        );
      }
    }
    const rro = mnt.recursiveReadOnly;
    if (typeof rro === 'string' && rro !== 'Disabled') {
      const rp = path.child('recursiveReadOnly');
      if (rro === 'Enabled' || rro === 'IfPossible') {
        if (mnt.readOnly !== true)
          errs.push(forbidden(`${rp}`, 'may only be specified when readOnly is true'));
        if (typeof prop === 'string' && prop !== 'None') {
          errs.push(
            forbidden(
              `${rp}`,
              'may only be specified when mountPropagation is None or not specified',
            ),
          );
        }
      } else errs.push(notSupported(`${rp}`, str(rro), ['Disabled', 'Enabled', 'IfPossible']));
    }
  });
  return errs;
}

/** A quantity from JSON, as Quantity.UnmarshalJSON reads it, rounded up to milli (SetDefaults_ResourceList). */
export function quantityOf(v: Json | undefined): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return roundUpMilli(parseQuantity(typeof v === 'string' ? v.trim() : String(v)));
  } catch {
    return undefined;
  }
}

// pkg/apis/core/helper/helpers.go: standardResources, standardContainerResources,
// IsNativeResource, IsHugePageResourceName, IsOvercommitAllowed, IsExtendedResourceName,
// IsIntegerResourceName, IsQuotaHugePageResourceName.
const STANDARD_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
]);
const INTEGER_RESOURCES = new Set([
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);
const isHugePages = (n: string): boolean => n.startsWith('hugepages-');
const isNative = (n: string): boolean => !n.includes('/') || n.includes('kubernetes.io/');
const isExtended = (n: string): boolean =>
  !isNative(n) && !n.startsWith('requests.') && isQualifiedName(`requests.${n}`).length === 0;
const overcommitAllowed = (n: string): boolean => isNative(n) && !isHugePages(n);

// validateResourceName + validateContainerResourceName.
function containerResourceName(name: string, path: Path): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(`${path}`, str(name), m));
  if (errs.length === 0 && !name.includes('/')) {
    if (
      !STANDARD_RESOURCES.has(name) &&
      !isHugePages(name) &&
      !name.startsWith('requests.hugepages-')
    ) {
      errs.push(
        invalid(`${path}`, str(name), 'must be a standard resource type or fully qualified'),
      );
    }
  }
  if (!name.includes('/')) {
    if (!['cpu', 'memory', 'ephemeral-storage'].includes(name) && !isHugePages(name)) {
      errs.push(invalid(`${path}`, str(name), 'must be a standard resource for containers'));
    }
  } else if (!isNative(name) && !isExtended(name)) {
    errs.push(invalid(`${path}`, str(name), "doesn't follow extended resource name standard"));
  }
  return errs;
}

// ValidateResourceQuantityValue. The "must be an integer" value is Go's %#v of a Quantity struct;
// the simulator prints its String() form there.
function quantityValue(name: string, q: Quantity, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  if (q.nanos < 0n) errs.push(invalid(`${path}`, str(quantityString(q)), NEGATIVE_ERROR));
  if ((INTEGER_RESOURCES.has(name) || isExtended(name)) && q.nanos % 1_000_000_000n !== 0n) {
    errs.push(invalid(`${path}`, raw(quantityString(q)), 'must be an integer'));
  }
  return errs;
}

/** validateResourceRequirements for a container (resource claims are not simulated). */
function resourceRequirements(res: JsonObject | undefined, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const limPath = path.child('limits');
  const reqPath = path.child('requests');
  const limits = new Map<string, Quantity>();
  let cpuOrMemory = false;
  let hugePages = false;
  const entries = (v: Json | undefined): [string, Json][] =>
    isObject(v) ? Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
  for (const [name, v] of entries(res?.limits)) {
    const p = limPath.key(name);
    errs.push(...containerResourceName(name, p));
    const q = quantityOf(v);
    if (!q) continue;
    limits.set(name, q);
    errs.push(...quantityValue(name, q, p));
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  for (const [name, v] of entries(res?.requests)) {
    const p = reqPath.key(name);
    errs.push(...containerResourceName(name, p));
    const q = quantityOf(v);
    if (!q) continue;
    errs.push(...quantityValue(name, q, p));
    const limit = limits.get(name);
    if (limit) {
      if (cmpQuantity(q, limit) !== 0 && !overcommitAllowed(name)) {
        errs.push(
          invalid(
            `${reqPath}`,
            str(quantityString(q)),
            `must be equal to ${name} limit of ${quantityString(limit)}`,
          ),
        );
      } else if (cmpQuantity(q, limit) > 0) {
        errs.push(
          invalid(
            `${reqPath}`,
            str(quantityString(q)),
            `must be less than or equal to ${name} limit of ${quantityString(limit)}`,
          ),
        );
      }
    } else if (!overcommitAllowed(name)) {
      errs.push(required(`${limPath}`, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  if (!cpuOrMemory && hugePages) errs.push(forbidden(`${path}`, 'HugePages require cpu or memory'));
  return errs;
}

// validateSeccompProfileField.
function seccompProfile(sp: JsonObject | undefined, path: Path): FieldError[] {
  if (!sp) return [];
  const errs: FieldError[] = [];
  const type = text(sp.type);
  if (!type)
    errs.push(required(`${path.child('type')}`, 'type is required when seccompProfile is set'));
  else if (!['Localhost', 'RuntimeDefault', 'Unconfined'].includes(type)) {
    errs.push(
      notSupported(`${path.child('type')}`, str(type), [
        'Localhost',
        'RuntimeDefault',
        'Unconfined',
      ]),
    );
  }
  if (type === 'Localhost') {
    if (typeof sp.localhostProfile !== 'string') {
      errs.push(
        required(`${path.child('localhostProfile')}`, 'must be set when seccomp type is Localhost'),
      );
    } else errs.push(...localDescending(sp.localhostProfile, path.child('localhostProfile')));
  } else if (sp.localhostProfile !== undefined && sp.localhostProfile !== null) {
    const bad = `core.SeccompProfile{Type:${JSON.stringify(type)}, LocalhostProfile:${goPointer('*string', true, 0)}}`;
    errs.push(
      invalid(
        `${path.child('localhostProfile')}`,
        raw(bad),
        'can only be set when seccomp type is Localhost',
      ),
    );
  }
  return errs;
}

// ValidateAppArmorProfileField.
function appArmorProfile(ap: JsonObject | undefined, path: Path): FieldError[] {
  if (!ap) return [];
  const type = text(ap.type);
  const lp = ap.localhostProfile;
  if (type === 'Localhost') {
    if (typeof lp !== 'string')
      return [
        required(
          `${path.child('localhostProfile')}`,
          'must be set when AppArmor type is Localhost',
        ),
      ];
    if (lp.trim() !== lp)
      return [
        invalid(`${path.child('localhostProfile')}`, str(lp), 'must not be padded with whitespace'),
      ];
    if (lp === '')
      return [
        required(
          `${path.child('localhostProfile')}`,
          'must be set when AppArmor type is Localhost',
        ),
      ];
    return [];
  }
  if (type === 'RuntimeDefault' || type === 'Unconfined') {
    return typeof lp === 'string'
      ? [
          invalid(
            `${path.child('localhostProfile')}`,
            str(lp),
            'can only be set when AppArmor type is Localhost',
          ),
        ]
      : [];
  }
  if (!type)
    return [required(`${path.child('type')}`, 'type is required when appArmorProfile is set')];
  return [
    notSupported(`${path.child('type')}`, str(type), ['Localhost', 'RuntimeDefault', 'Unconfined']),
  ];
}

/**
 * ValidateSecurityContext. `privileged: true` is allowed (GKE runs kube-apiserver with
 * --allow-privileged); Windows options are not simulated.
 */
export function securityContext(
  sc: JsonObject | undefined,
  path: Path,
  hostUsers: boolean,
): FieldError[] {
  if (!sc) return [];
  const errs: FieldError[] = [];
  const uid = int(sc.runAsUser);
  if (uid !== undefined)
    errs.push(...isValidUserID(uid).map((m) => invalid(`${path.child('runAsUser')}`, num(uid), m)));
  const gid = int(sc.runAsGroup);
  if (gid !== undefined)
    errs.push(
      ...isValidGroupID(gid).map((m) => invalid(`${path.child('runAsGroup')}`, num(gid), m)),
    );
  if (typeof sc.procMount === 'string') {
    if (!['Default', 'Unmasked'].includes(sc.procMount)) {
      errs.push(
        notSupported(`${path.child('procMount')}`, str(sc.procMount), ['Default', 'Unmasked']),
      );
    }
    if (hostUsers && sc.procMount === 'Unmasked') {
      errs.push(
        invalid(
          `${path.child('procMount')}`,
          str(sc.procMount),
          '`hostUsers` must be false to use `Unmasked`',
        ),
      );
    }
  }
  errs.push(...seccompProfile(obj(sc.seccompProfile), path.child('seccompProfile')));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) {
      errs.push(
        invalid(
          `${path}`,
          raw(goSecurityContext(sc)),
          'cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
        ),
      );
    }
    for (const cap of arr(obj(sc.capabilities)?.add)) {
      if (cap === 'CAP_SYS_ADMIN') {
        errs.push(
          invalid(
            `${path}`,
            raw(goSecurityContext(sc)),
            'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN',
          ),
        );
      }
    }
  }
  errs.push(...appArmorProfile(obj(sc.appArmorProfile), path.child('appArmorProfile')));
  return errs;
}

// validateHandler for probes (grpc counts as a handler; its port is a number).
function probeHandler(probe: JsonObject, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const kind of ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const) {
    const h = obj(probe[kind]);
    if (!h) continue;
    if (n > 0) {
      errs.push(forbidden(`${path.child(kind)}`, 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    const p = path.child(kind);
    if (kind === 'exec' && arr(h.command).length === 0)
      errs.push(required(`${p.child('command')}`));
    if (kind === 'httpGet') {
      if (!text(h.path)) errs.push(required(`${p.child('path')}`));
      errs.push(...validatePortNumOrName(h.port, p.child('port')));
      const scheme = text(h.scheme);
      if (scheme !== 'HTTP' && scheme !== 'HTTPS')
        errs.push(notSupported(`${p.child('scheme')}`, str(scheme), ['HTTP', 'HTTPS']));
      for (const header of arr(h.httpHeaders)) {
        const name = isObject(header) ? text(header.name) : '';
        errs.push(
          ...isHTTPHeaderName(name).map((m) => invalid(`${p.child('httpHeaders')}`, str(name), m)),
        );
      }
    }
    if (kind === 'tcpSocket') errs.push(...validatePortNumOrName(h.port, p.child('port')));
    if (kind === 'grpc') errs.push(...validatePortNumOrName(int(h.port) ?? 0, p.child('port')));
  }
  if (n === 0) errs.push(required(`${path}`, 'must specify a handler type'));
  return errs;
}

// validateProbe, then validateLivenessProbe / validateReadinessProbe / validateStartupProbe.
function validateProbe(
  probe: Json | undefined,
  kind: 'liveness' | 'readiness' | 'startup',
  path: Path,
): FieldError[] {
  if (!isObject(probe)) return [];
  const errs = probeHandler(probe, path);
  for (const f of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ]) {
    const v = int(probe[f]) ?? 0;
    if (v < 0) errs.push(invalid(`${path.child(f)}`, num(v), NEGATIVE_ERROR));
  }
  const grace = int(probe.terminationGracePeriodSeconds);
  if (grace !== undefined && grace <= 0) {
    errs.push(
      invalid(
        `${path.child('terminationGracePeriodSeconds')}`,
        num(grace),
        'must be greater than 0',
      ),
    );
  }
  if (kind !== 'readiness' && (int(probe.successThreshold) ?? 0) !== 1) {
    errs.push(
      invalid(
        `${path.child('successThreshold')}`,
        num(int(probe.successThreshold) ?? 0),
        'must be 1',
      ),
    );
  }
  if (kind === 'readiness' && grace !== undefined) {
    errs.push(
      invalid(
        `${path.child('terminationGracePeriodSeconds')}`,
        num(grace),
        'must not be set for readinessProbes',
      ),
    );
  }
  return errs;
}

// validateContainerCommon (env sources, volume devices and resize policies are not simulated).
function containerCommon(
  c: JsonObject,
  volumes: Set<string>,
  path: Path,
  hostUsers: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  const name = text(c.name);
  if (!name) errs.push(required(`${path.child('name')}`));
  else
    errs.push(...isDNS1123Label(name).map((m) => invalid(`${path.child('name')}`, str(name), m)));
  if (!text(c.image)) errs.push(required(`${path.child('image')}`));
  const tmp = text(c.terminationMessagePolicy);
  if (!tmp) errs.push(required(`${path.child('terminationMessagePolicy')}`));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    errs.push(
      notSupported(`${path.child('terminationMessagePolicy')}`, str(tmp), [
        'File',
        'FallbackToLogsOnError',
      ]),
    );
  }
  errs.push(...containerPorts(c.ports, path.child('ports')));
  errs.push(...validateEnv(c.env, path.child('env')));
  const sc = obj(c.securityContext);
  errs.push(
    ...volumeMounts(c.volumeMounts, volumes, sc?.privileged === true, path.child('volumeMounts')),
  );
  const pull = text(c.imagePullPolicy);
  if (!pull) errs.push(required(`${path.child('imagePullPolicy')}`));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pull)) {
    errs.push(
      notSupported(`${path.child('imagePullPolicy')}`, str(pull), [
        'Always',
        'IfNotPresent',
        'Never',
      ]),
    );
  }
  errs.push(...resourceRequirements(obj(c.resources), path.child('resources')));
  errs.push(...securityContext(sc, path.child('securityContext'), hostUsers));
  return errs;
}

// AccumulateUniqueHostPorts / checkHostPortConflicts.
function hostPortConflicts(containers: JsonObject[], path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    arr(c.ports).forEach((port, pi) => {
      if (!isObject(port)) return;
      const hp = int(port.hostPort) ?? 0;
      if (hp === 0) return;
      const key = `${text(port.protocol)}/${text(port.hostIP)}/${hp}`;
      if (seen.has(key))
        errs.push(
          duplicate(`${path.index(ci).child('ports').index(pi).child('hostPort')}`, str(key)),
        );
      else seen.add(key);
    });
  });
  return errs;
}

// validateContainers.
function validateContainers(
  list: JsonObject[],
  volumes: Set<string>,
  path: Path,
  hostUsers: boolean,
): FieldError[] {
  if (list.length === 0) return [required(`${path}`)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((c, i) => {
    const p = path.index(i);
    errs.push(...containerCommon(c, volumes, p, hostUsers));
    const name = text(c.name);
    if (names.has(name)) errs.push(duplicate(`${p.child('name')}`, str(name)));
    else names.add(name);
    errs.push(...validateProbe(c.livenessProbe, 'liveness', p.child('livenessProbe')));
    errs.push(...validateProbe(c.readinessProbe, 'readiness', p.child('readinessProbe')));
    errs.push(...validateProbe(c.startupProbe, 'startup', p.child('startupProbe')));
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      errs.push(forbidden(`${p.child('restartPolicy')}`, 'may not be set for non-init containers'));
    }
  });
  return [...errs, ...hostPortConflicts(list, path)];
}

// validateInitContainers.
function validateInitContainers(
  list: JsonObject[],
  regular: JsonObject[],
  volumes: Set<string>,
  path: Path,
  hostUsers: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(regular.map((c) => text(c.name)));
  list.forEach((c, i) => {
    const p = path.index(i);
    errs.push(...containerCommon(c, volumes, p, hostUsers));
    let always = false;
    if (typeof c.restartPolicy === 'string') {
      if (c.restartPolicy !== 'Always')
        errs.push(notSupported(`${p.child('restartPolicy')}`, str(c.restartPolicy), ['Always']));
      always = c.restartPolicy === 'Always';
    }
    const name = text(c.name);
    if (names.has(name)) errs.push(duplicate(`${p.child('name')}`, str(name)));
    else if (name) names.add(name);
    errs.push(...hostPortConflicts([c], path));
    if (always) {
      errs.push(...validateProbe(c.livenessProbe, 'liveness', p.child('livenessProbe')));
      errs.push(...validateProbe(c.readinessProbe, 'readiness', p.child('readinessProbe')));
      errs.push(...validateProbe(c.startupProbe, 'startup', p.child('startupProbe')));
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[f] !== undefined && c[f] !== null) {
          errs.push(
            forbidden(
              `${p.child(f)}`,
              'may not be set for init containers without restartPolicy=Always',
            ),
          );
        }
      }
    }
  });
  return errs;
}

// ValidateTolerations.
function tolerations(list: Json | undefined, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  arr(list).forEach((t, i) => {
    if (!isObject(t)) return;
    const p = path.index(i);
    const key = text(t.key);
    const op = text(t.operator);
    const value = text(t.value);
    const effect = text(t.effect);
    if (key) errs.push(...validateLabelName(key, p.child('key')));
    if (!key && op !== 'Exists') {
      errs.push(
        invalid(
          `${p.child('operator')}`,
          str(op),
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (
      t.tolerationSeconds !== undefined &&
      t.tolerationSeconds !== null &&
      effect !== 'NoExecute'
    ) {
      errs.push(
        invalid(
          `${p.child('effect')}`,
          str(effect),
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    }
    if (op === 'Equal' || op === '') {
      const msgs = isValidLabelValue(value);
      if (msgs.length > 0) errs.push(invalid(`${p.child('operator')}`, str(value), msgs.join(';')));
    } else if (op === 'Exists') {
      if (value)
        errs.push(
          invalid(
            `${p.child('operator')}`,
            str(value),
            "value must be empty when `operator` is 'Exists'",
          ),
        );
    } else errs.push(notSupported(`${p.child('operator')}`, str(op), ['Equal', 'Exists']));
    if (effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)) {
      errs.push(
        notSupported(`${p.child('effect')}`, str(effect), [
          'NoSchedule',
          'PreferNoSchedule',
          'NoExecute',
        ]),
      );
    }
  });
  return errs;
}

// validatePodSpecSecurityContext (sysctls, Windows and SELinux change policies are not simulated).
function podSecurityContext(sc: JsonObject | undefined, path: Path): FieldError[] {
  if (!sc) return [];
  const errs: FieldError[] = [];
  const fs = int(sc.fsGroup);
  if (fs !== undefined)
    errs.push(...isValidGroupID(fs).map((m) => invalid(`${path.child('fsGroup')}`, num(fs), m)));
  const uid = int(sc.runAsUser);
  if (uid !== undefined)
    errs.push(...isValidUserID(uid).map((m) => invalid(`${path.child('runAsUser')}`, num(uid), m)));
  const gid = int(sc.runAsGroup);
  if (gid !== undefined)
    errs.push(
      ...isValidGroupID(gid).map((m) => invalid(`${path.child('runAsGroup')}`, num(gid), m)),
    );
  arr(sc.supplementalGroups).forEach((g, i) => {
    if (typeof g === 'number') {
      errs.push(
        ...isValidGroupID(g).map((m) =>
          invalid(`${path.child('supplementalGroups').index(i)}`, num(g), m),
        ),
      );
    }
  });
  errs.push(...seccompProfile(obj(sc.seccompProfile), path.child('seccompProfile')));
  errs.push(...appArmorProfile(obj(sc.appArmorProfile), path.child('appArmorProfile')));
  return errs;
}

/**
 * ValidatePodSpec for a template (affinity, DNS config, topology spread, scheduling and
 * readiness gates, host aliases, overhead, OS and resource claims are not simulated).
 */
function validatePodSpec(spec: JsonObject, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  if (
    spec.terminationGracePeriodSeconds === undefined ||
    spec.terminationGracePeriodSeconds === null
  ) {
    errs.push(required(`${path.child('terminationGracePeriodSeconds')}`));
  }
  const psc = obj(spec.securityContext);
  const hostUsers = psc?.hostUsers !== false;
  const [volumes, vErrs] = validateVolumes(spec.volumes, path.child('volumes'));
  errs.push(...vErrs);
  const containers = arr(spec.containers).filter(isObject);
  const inits = arr(spec.initContainers).filter(isObject);
  errs.push(...validateContainers(containers, volumes, path.child('containers'), hostUsers));
  errs.push(
    ...validateInitContainers(inits, containers, volumes, path.child('initContainers'), hostUsers),
  );
  // validatePodHostNetworkDeps: in a template, hostPort may be 0 or equal containerPort.
  if (spec.hostNetwork === true) {
    containers.forEach((c, i) => {
      arr(c.ports).forEach((port, j) => {
        if (!isObject(port)) return;
        const hp = int(port.hostPort) ?? 0;
        if (hp !== 0 && hp !== (int(port.containerPort) ?? 0)) {
          errs.push(
            invalid(
              `${path.child('containers').index(i).child('ports').index(j).child('hostPort')}`,
              num(hp),
              'must match `containerPort` when `hostNetwork` is true',
            ),
          );
        }
      });
    });
  }
  const restart = text(spec.restartPolicy);
  if (!restart) errs.push(required(`${path.child('restartPolicy')}`));
  else if (!['Always', 'OnFailure', 'Never'].includes(restart)) {
    errs.push(
      notSupported(`${path.child('restartPolicy')}`, str(restart), [
        'Always',
        'OnFailure',
        'Never',
      ]),
    );
  }
  const dns = text(spec.dnsPolicy);
  if (!dns) errs.push(required(`${path.child('dnsPolicy')}`));
  else if (!['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(dns)) {
    errs.push(
      notSupported(`${path.child('dnsPolicy')}`, str(dns), [
        'ClusterFirstWithHostNet',
        'ClusterFirst',
        'Default',
        'None',
      ]),
    );
  }
  errs.push(...validateLabels(spec.nodeSelector, path.child('nodeSelector')));
  errs.push(...podSecurityContext(psc, path.child('securityContext')));
  if (dns === 'None' && spec.dnsConfig === undefined) {
    errs.push(
      required(`${path.child('dnsConfig')}`, 'must provide `dnsConfig` when `dnsPolicy` is None'),
    );
  }
  for (const [field, check] of [
    ['serviceAccountName', isDNS1123Subdomain],
    ['nodeName', isDNS1123Subdomain],
  ] as const) {
    const v = text(spec[field]);
    if (v) errs.push(...check(v).map((m) => invalid(`${path.child(field)}`, str(v), m)));
  }
  const deadline = int(spec.activeDeadlineSeconds);
  if (deadline !== undefined && (deadline < 1 || deadline > MAX_INT32)) {
    errs.push(
      invalid(
        `${path.child('activeDeadlineSeconds')}`,
        num(deadline),
        inclusiveRangeError(1, MAX_INT32),
      ),
    );
  }
  for (const field of ['hostname', 'subdomain']) {
    const v = text(spec[field]);
    if (v) errs.push(...isDNS1123Label(v).map((m) => invalid(`${path.child(field)}`, str(v), m)));
  }
  errs.push(...tolerations(spec.tolerations, path.child('tolerations')));
  const pc = text(spec.priorityClassName);
  if (pc)
    errs.push(
      ...isDNS1123Subdomain(pc).map((m) =>
        invalid(`${path.child('priorityClassName')}`, str(pc), m),
      ),
    );
  return errs;
}

/**
 * ValidatePodTemplateSpec (pod-specific annotations such as seccomp, AppArmor and
 * pod-deletion-cost are not checked). Note the paths: `<template>.labels`, not `.metadata.labels`.
 */
export function validatePodTemplateSpec(template: JsonObject, path: Path): FieldError[] {
  const meta = obj(template.metadata) ?? {};
  const spec = obj(template.spec) ?? {};
  const errs = [
    ...validateLabels(meta.labels, path.child('labels')),
    ...validateAnnotations(meta.annotations, path.child('annotations')),
    ...validatePodSpec(spec, path.child('spec')),
  ];
  if (arr(spec.ephemeralContainers).length > 0) {
    errs.push(
      forbidden(
        `${path.child('spec', 'ephemeralContainers')}`,
        'ephemeral containers not allowed in pod template',
      ),
    );
  }
  return errs;
}

/** The template's labels as the `selector does not match` error prints them. */
export function templateLabelsValue(template: JsonObject): GoValue {
  return raw(goStringMap(obj(template.metadata)?.labels));
}
