/**
 * Kinds one API server serves beyond the built-in ones, as a CustomResourceDefinition installed
 * in that cluster would serve them: in discovery, OpenAPI, and every verb, validated by the CRD's
 * schema and the admission that comes with them. A server without the CRD answers 404 for the
 * kind, as a real one does (no such resource).
 * https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/
 */
import type { JsonObject } from './json.ts';
import { RESOURCE_TYPES, type ResourceType } from './resources.ts';
import type { FieldError } from './validation/field.ts';

/** The writes admission sees (k8s.io/apiserver admission.Operation). */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/** One custom kind of one server. */
export interface CustomResource {
  readonly type: ResourceType;
  /** Objects that exist when the server starts (their controller creates them with the cluster). */
  readonly seed?: readonly JsonObject[];
  /**
   * The CRD schema's field errors for an object as it would be stored (after merging), which the
   * server answers with 422 Invalid.
   */
  readonly validate?: (obj: JsonObject) => FieldError[];
  /**
   * Admission of a write or delete, before it is stored: throws a KubeApiError to refuse it.
   * `current` is the stored object (UPDATE, DELETE), `next` the one to store (CREATE, UPDATE).
   */
  readonly admit?: (
    operation: AdmissionOperation,
    name: string,
    current: JsonObject | undefined,
    next: JsonObject | undefined,
  ) => void;
}

/** The types a server with these custom kinds serves: the built-in ones, then the custom ones. */
export function servedTypes(custom: readonly CustomResource[]): readonly ResourceType[] {
  return [...RESOURCE_TYPES, ...custom.map((c) => c.type)];
}
