/** Re-renders BENCHMARKS.md from bench/results.json (after editing the report's text only). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Results, renderMarkdown } from './report.ts';

const root = join(import.meta.dirname, '..');
const results = JSON.parse(readFileSync(join(root, 'bench/results.json'), 'utf8')) as Results;
writeFileSync(join(root, 'BENCHMARKS.md'), renderMarkdown(results));
