import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { putIfAbsent } from '../src/lake/commit/put-if-absent.js';

const root = mkdtempSync(join(tmpdir(), 'weir-lake-put-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('putIfAbsent', () => {
  it('exactly one of many concurrent writers creates the file, whose content is complete; no temp files remain', async () => {
    const target = join(root, '00000000000000000001.json');
    const bodies = Array.from({ length: 32 }, (_, i) => `${JSON.stringify({ writer: i, pad: 'x'.repeat(10_000) })}\n`);
    const results = await Promise.all(bodies.map((b) => putIfAbsent(target, b)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(readFileSync(target, 'utf8')).toBe(bodies[results.indexOf(true)]);
    expect(readdirSync(root)).toEqual(['00000000000000000001.json']);
  });

  it('never overwrites an existing file', async () => {
    const target = join(root, 'existing.json');
    expect(await putIfAbsent(target, 'first')).toBe(true);
    expect(await putIfAbsent(target, 'second')).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('first');
  });
});
