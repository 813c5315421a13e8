import { describe, expect, it } from 'vitest';
import { ApiError } from '../core/errors.ts';
import { compileComputeFilter } from './filter.ts';

const rules = [
  {
    name: 'x',
    direction: 'INGRESS',
    priority: 1000,
    disabled: false,
    network: 'https://www.googleapis.com/compute/v1/projects/p/global/networks/vpc-a',
    sourceRanges: ['10.0.0.0/8', '192.168.0.0/16'],
    labels: { owner: 'me' },
  },
  {
    name: 'x-y',
    direction: 'EGRESS',
    priority: 900,
    disabled: true,
    network: 'https://www.googleapis.com/compute/v1/projects/p/global/networks/vpc-b',
    description: 'has "quotes" and (parens)',
  },
  { name: 'peerlink-a', direction: 'INGRESS', priority: 65534, disabled: false },
];

const names = (filter: string) =>
  rules
    .filter(compileComputeFilter(filter))
    .map((r) => r.name)
    .sort();

describe('Compute list filter', () => {
  // What gcloud sends for --filter: its rewriter (googlecloudsdk/api_lib/compute/filter_rewrite.py)
  // turns `name=x` into an anchored RE2 inside double quotes, and ANDs terms by parentheses.
  it.each([
    ['gcloud name=x', '(name eq ".*\\bx\\b.*")', ['x', 'x-y']],
    ['gcloud name~^x$ AND direction=INGRESS', '(name eq ".*(^x$).*")(direction eq INGRESS)', ['x']],
    ['gcloud, spaced', '(name eq ".*(^x$).*") (direction eq "INGRESS")', ['x']],
    ['gcloud priority=900', '(priority eq 900)', ['x-y']],
    ['gcloud disabled=true', '(disabled eq true)', ['x-y']],
    ['gcloud NOT name=x', '(name ne ".*\\bx\\b.*")', ['peerlink-a']],
    ['gcloud escapes - and space', '(name eq ".*\\bx\\-y\\b.*")', ['x-y']],
    ['regex with an escaped quote', 'description eq ".*\\"quotes\\".*"', ['x-y']],
    ['regex with parentheses inside quotes', 'description eq ".*\\(parens\\).*"', ['x-y']],
    ['unquoted regex to the end', 'name ne .*-a', ['x', 'x-y']],
    ['single-quoted regex', "name eq 'x.*'", ['x', 'x-y']],
    ['RE2 leading (?i) flag', 'name eq "(?i)PEERLINK-.*"', ['peerlink-a']],
    ['RE2 \\Q...\\E literal', 'name eq "\\Qx-y\\E"', ['x-y']],
    ['unquoted regex in parentheses', '(name eq x.*)(priority ne 1000)', ['x-y']],
    ['regex on a repeated field', 'sourceRanges eq "10\\..*"', ['x']],
  ])('%s: %s', (_label, filter, want) => {
    expect(names(filter)).toEqual(want);
  });

  // AIP-160 form (the `filter` field of every Compute list method).
  it.each([
    ['= string', 'name = "x"', ['x']],
    ['= bare', 'name = x-y', ['x-y']],
    ['!=', 'name != x', ['peerlink-a', 'x-y']],
    ['= wildcard', 'name = "peerlink-*"', ['peerlink-a']],
    ['> number', 'priority > 1000', ['peerlink-a']],
    ['< number', 'priority < 1000', ['x-y']],
    ['>= and <=', '(priority >= 900) (priority <= 1000)', ['x', 'x-y']],
    ['= boolean', 'disabled = false', ['peerlink-a', 'x']],
    ['nested field', 'labels.owner = me', ['x']],
    [':* presence', 'labels.owner:*', ['x']],
    [': on a repeated field', 'sourceRanges:"192.168.0.0/16"', ['x']],
    ['implicit AND', '(direction = INGRESS) (disabled = false)', ['peerlink-a', 'x']],
    ['explicit AND', '(direction = INGRESS) AND (priority = 1000)', ['x']],
    ['explicit OR', '(name = x) OR (name = x-y)', ['x', 'x-y']],
    // OR binds tighter than AND (https://google.aip.dev/160): (x OR x-y) AND INGRESS.
    ['OR before AND', '(name = x) OR (name = x-y) AND (direction = INGRESS)', ['x']],
    ['parentheses in a quoted value', 'description = "has \\"quotes\\" and (parens)"', ['x-y']],
    ['absent field', 'description = "nothing"', []],
  ])('%s: %s', (_label, filter, want) => {
    expect(names(filter)).toEqual(want);
  });

  it.each([
    ['unclosed parenthesis', '(name = '],
    ['unclosed quote', 'name eq "x'],
    ['no operator', 'name'],
    ['the two forms mixed', '(name eq x)(priority > 1)'],
    ['OR between regular expressions', '(name eq x) OR (name eq y)'],
    ['lookahead (not RE2)', 'name eq "(?=x).*"'],
    ['backreference (not RE2)', 'name eq "(x)\\1"'],
    ['invalid regular expression', 'name eq "x["'],
    ['trailing garbage', '(name = x))'],
  ])('refuses %s with 400 invalid', (_label, filter) => {
    let err: unknown;
    try {
      compileComputeFilter(filter);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
    expect((err as ApiError).reason).toBe('invalid');
  });

  it('matches everything when empty', () => {
    expect(names('')).toEqual(['peerlink-a', 'x', 'x-y']);
    expect(names('   ')).toEqual(['peerlink-a', 'x', 'x-y']);
  });
});
