/**
 * Puts resources into a canonical form so that echoed fields, defaults and list order never
 * show up as differences. normalise(normalise(x)) equals normalise(x). Each kind's module says
 * what its canonical form is.
 */
import { kindFor, type Resource } from '../model/kinds.ts';

export { canonicalJson } from '../model/kind.ts';

export function normalise<R extends Resource>(r: R): R {
  return kindFor(r).normalise(r);
}
