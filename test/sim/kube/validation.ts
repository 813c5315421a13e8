/**
 * The API server's checks of an object on create, update, patch and apply, in its order:
 * decoding into the Go type (400 BadRequest on a wrong JSON type or a bad quantity), defaulting,
 * then the kind's validation (422 Invalid with field causes). Rules and sources are in
 * validation/*.ts; README.md lists them.
 */
import { isObject, type JsonObject } from './json.ts';
import type { ResourceType } from './resources.ts';
import { decodeError } from './validation/decode.ts';
import { withDefaults } from './validation/defaults.ts';
import { type FieldError, invalidError } from './validation/field.ts';
import { VALIDATORS } from './validation/objects.ts';

export type { FieldError } from './validation/field.ts';

/**
 * The field errors of `obj` as a `rt.kind` stored in namespace `ns`, after defaulting (the
 * request's namespace is the object's, as the server sets it before validating). Throws the
 * 400 of a body that would not decode.
 */
export function fieldErrors(
  rt: ResourceType,
  obj: JsonObject,
  ns: string | undefined,
): FieldError[] {
  const bad = decodeError(rt, obj);
  if (bad) throw bad;
  const copy = withDefaults(rt.kind, obj);
  const meta = isObject(copy.metadata) ? copy.metadata : {};
  copy.metadata = meta;
  if (rt.namespaced && ns !== undefined) meta.namespace = ns;
  else if (!rt.namespaced) delete meta.namespace;
  return VALIDATORS[rt.kind]?.(copy) ?? [];
}

/** Throws the real server's 400 or 422 for an object it would refuse. */
export function validateObject(rt: ResourceType, obj: JsonObject, ns: string | undefined): void {
  const errs = fieldErrors(rt, obj, ns);
  if (errs.length === 0) return;
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  throw invalidError(rt.kind, rt.group, name, errs);
}
