/**
 * Object metadata, labels, annotations and label selectors.
 * Sources (v1.32):
 * - staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go ValidateObjectMetaAccessor,
 *   ValidateAnnotations (keys as qualified names, lower-cased; TotalAnnotationSizeLimitB 256 KiB
 *   of keys plus values), ValidateFinalizers, ValidateFinalizerName.
 * - staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go ValidateLabels,
 *   ValidateLabelName, ValidateLabelSelector, ValidateLabelSelectorRequirement.
 * - pkg/apis/core/validation/validation.go ValidateObjectMeta (adds validateKubeFinalizerName),
 *   validateKubeFinalizerName; pkg/apis/core/helper/helpers.go IsStandardFinalizerName.
 * Go iterates maps in random order; the simulator reports keys in sorted order.
 */
import { isObject, type Json, type JsonObject } from '../json.ts';
import {
  type FieldError,
  forbidden,
  invalid,
  num,
  type Path,
  raw,
  required,
  str,
  tooLong,
} from './field.ts';
import { isQualifiedName, isValidLabelValue, type NameFn, nameIsDNSLabel } from './names.ts';

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** String-valued entries of a map field, sorted by key. */
export function stringMap(v: Json | undefined): [string, string][] {
  if (!isObject(v)) return [];
  return Object.entries(v)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function validateLabelName(name: string, path: Path): FieldError[] {
  return isQualifiedName(name).map((m) => invalid(path.toString(), str(name), m));
}

export function validateLabels(labels: Json | undefined, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of stringMap(labels)) {
    errs.push(...validateLabelName(k, path));
    for (const m of isValidLabelValue(v)) errs.push(invalid(path.toString(), str(v), m));
  }
  return errs;
}

export function validateAnnotations(annotations: Json | undefined, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of stringMap(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase()))
      errs.push(invalid(path.toString(), str(k), m));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT)
    errs.push(tooLong(path.toString(), TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

function validateFinalizers(finalizers: Json | undefined, path: Path): FieldError[] {
  const errs: FieldError[] = [];
  const list = Array.isArray(finalizers) ? finalizers.filter((f) => typeof f === 'string') : [];
  for (const f of list) {
    for (const m of isQualifiedName(f)) errs.push(invalid(path.toString(), str(f), m));
  }
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(
      invalid(
        path.toString(),
        raw(`[]string{${list.map((f) => JSON.stringify(f)).join(', ')}}`),
        'finalizer orphan and foregroundDeletion cannot be both set',
      ),
    );
  }
  // core ValidateObjectMeta: an unqualified finalizer must be a standard one.
  list.forEach((f, i) => {
    if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      errs.push(
        invalid(
          path.index(i).toString(),
          str(f),
          'name is neither a standard finalizer name nor is it fully qualified',
        ),
      );
    }
  });
  return errs;
}

/** objectmeta.go ValidateObjectMetaAccessor plus core's finalizer check. */
export function validateObjectMeta(
  meta: JsonObject,
  requiresNamespace: boolean,
  nameFn: NameFn,
  path: Path,
): FieldError[] {
  const errs: FieldError[] = [];
  const generateName = typeof meta.generateName === 'string' ? meta.generateName : '';
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
  if (generateName) {
    for (const m of nameFn(generateName, true)) {
      errs.push(invalid(path.child('generateName').toString(), str(generateName), m));
    }
  }
  if (!name) errs.push(required(path.child('name').toString(), 'name or generateName is required'));
  else
    for (const m of nameFn(name, false))
      errs.push(invalid(path.child('name').toString(), str(name), m));
  if (requiresNamespace) {
    if (!namespace) errs.push(required(path.child('namespace').toString()));
    else {
      for (const m of nameIsDNSLabel(namespace, false)) {
        errs.push(invalid(path.child('namespace').toString(), str(namespace), m));
      }
    }
  } else if (namespace) {
    errs.push(forbidden(path.child('namespace').toString(), 'not allowed on this type'));
  }
  if (typeof meta.generation === 'number' && meta.generation < 0) {
    errs.push(
      invalid(
        path.child('generation').toString(),
        num(meta.generation),
        'must be greater than or equal to 0',
      ),
    );
  }
  errs.push(...validateLabels(meta.labels, path.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, path.child('annotations')));
  errs.push(...validateFinalizers(meta.finalizers, path.child('finalizers')));
  return errs;
}

/** Go's %#v of a map[string]string (keys sorted by fmt). */
export function goStringMap(v: Json | undefined): string {
  if (!isObject(v)) return 'map[string]string(nil)';
  const entries = stringMap(v).map(([k, val]) => `${JSON.stringify(k)}:${JSON.stringify(val)}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** Go's %#v of a metav1.LabelSelector (what `&spec.Selector` prints as a bad value in v1.32). */
export function goLabelSelector(sel: JsonObject): string {
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : undefined;
  const exprText = exprs
    ? `[]v1.LabelSelectorRequirement{${exprs
        .filter(isObject)
        .map((e) => {
          const values = Array.isArray(e.values)
            ? `[]string{${e.values.map((x) => JSON.stringify(x)).join(', ')}}`
            : '[]string(nil)';
          return `v1.LabelSelectorRequirement{Key:${JSON.stringify(e.key ?? '')}, Operator:${JSON.stringify(e.operator ?? '')}, Values:${values}}`;
        })
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels)}, MatchExpressions:${exprText}}`;
}

/** meta/v1/validation ValidateLabelSelector (strict label values, no unknown operators). */
export function validateLabelSelector(sel: Json | undefined, path: Path): FieldError[] {
  if (!isObject(sel)) return [];
  const errs = validateLabels(sel.matchLabels, path.child('matchLabels'));
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  exprs.forEach((e, i) => {
    if (!isObject(e)) return;
    const p = path.child('matchExpressions').index(i);
    const op = typeof e.operator === 'string' ? e.operator : '';
    const values = Array.isArray(e.values) ? e.values.filter((v) => typeof v === 'string') : [];
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) {
        errs.push(
          required(
            p.child('values').toString(),
            "must be specified when `operator` is 'In' or 'NotIn'",
          ),
        );
      }
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) {
        errs.push(
          forbidden(
            p.child('values').toString(),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          ),
        );
      }
    } else {
      errs.push(invalid(p.child('operator').toString(), str(op), 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(typeof e.key === 'string' ? e.key : '', p.child('key')));
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(v))
        errs.push(invalid(p.child('values').index(j).toString(), str(v), m));
    });
  });
  return errs;
}

/** metav1.LabelSelectorAsSelector(...).Matches(labels); undefined when the selector does not convert. */
export function selectorMatches(sel: JsonObject, labels: Json | undefined): boolean | undefined {
  const l = Object.fromEntries(stringMap(labels));
  for (const [k, v] of stringMap(sel.matchLabels)) if (l[k] !== v) return false;
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  for (const e of exprs) {
    if (!isObject(e) || typeof e.key !== 'string') return undefined;
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    const has = e.key in l;
    const val = l[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(val ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(val ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return undefined;
    }
  }
  return true;
}
