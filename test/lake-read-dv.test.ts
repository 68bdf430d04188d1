/**
 * Deletion vectors: Z85, the RoaringBitmapArray layout (array, run and bitmap containers, several high keys),
 * inline / relative (`u`, with a prefix directory) / absolute (`p`) storage, size and CRC checks, and scans that
 * drop exactly the deleted rows. Bitmaps are serialised here by a small test-side encoder of the portable format.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versionStem, type Action, type DeletionVectorDescriptor } from '../src/lake/actions.js';
import { DV_MAGIC, parseDeletionVector } from '../src/lake/deletion-vectors/roaring-bitmap-array.js';
import { readDeletionVector } from '../src/lake/deletion-vectors/read-deletion-vector.js';
import { z85Decode, z85Uuid } from '../src/lake/deletion-vectors/z85.js';
import { loadSnapshot } from '../src/lake/load-snapshot.js';
import { readTable } from '../src/lake/scan/read-table.js';

const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
function z85Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let v = ((bytes[i] << 24) >>> 0) + (bytes[i + 1] << 16) + (bytes[i + 2] << 8) + bytes[i + 3];
    const chunk: string[] = [];
    for (let j = 0; j < 5; j++) {
      chunk.unshift(Z85[v % 85]);
      v = Math.floor(v / 85);
    }
    out += chunk.join('');
  }
  return out;
}

type Container = { kind: 'array'; values: number[] } | { kind: 'run'; runs: Array<[number, number]> } | { kind: 'bitmap'; values: number[] };
/** Portable Roaring serialisation of one 32-bit bitmap (containers keyed by the high 16 bits). */
function roaring32(containers: Array<[number, Container]>): Buffer {
  const hasRuns = containers.some(([, c]) => c.kind === 'run');
  const parts: Buffer[] = [];
  const u16 = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
  if (hasRuns) {
    parts.push(u32(12347 | ((containers.length - 1) << 16)));
    const flags = Buffer.alloc(Math.ceil(containers.length / 8));
    containers.forEach(([, c], i) => { if (c.kind === 'run') flags[i >> 3] |= 1 << (i & 7); });
    parts.push(flags);
  } else parts.push(u32(12346), u32(containers.length));
  const card = (c: Container) => (c.kind === 'run' ? c.runs.reduce((n, [, len]) => n + len + 1, 0) : c.values.length);
  for (const [key, c] of containers) parts.push(u16(key), u16(card(c) - 1));
  if (!hasRuns || containers.length >= 4) for (const _ of containers) parts.push(u32(0)); // offsets: readers may ignore them
  for (const [, c] of containers) {
    if (c.kind === 'array') parts.push(...c.values.map(u16));
    else if (c.kind === 'run') parts.push(u16(c.runs.length), ...c.runs.flatMap(([s, l]) => [u16(s), u16(l)]));
    else {
      const words = Buffer.alloc(8192);
      for (const v of c.values) words[v >> 3] |= 1 << (v & 7);
      parts.push(words);
    }
  }
  return Buffer.concat(parts);
}
function dvBytes(bitmaps: Array<[number, Array<[number, Container]>]>): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt32LE(DV_MAGIC, 0);
  head.writeBigUInt64LE(BigInt(bitmaps.length), 4);
  return Buffer.concat([head, ...bitmaps.flatMap(([high, cs]) => { const h = Buffer.alloc(4); h.writeUInt32LE(high); return [h, roaring32(cs)]; })]);
}
function dvFile(data: Buffer, corruptCrc = false): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((crc32(data) + (corruptCrc ? 1 : 0)) >>> 0);
  return Buffer.concat([Buffer.from([1]), size, data, crc]);
}

let instance: DuckDBInstance;
let conn: DuckDBConnection;
let root: string;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  root = mkdtempSync(join(tmpdir(), 'weir-lake-read-dv-'));
});
afterAll(() => {
  conn?.closeSync();
  instance?.closeSync();
  rmSync(root, { recursive: true, force: true });
});

describe('deletion vector encoding', () => {
  it('decodes Z85 (ZeroMQ RFC 32 test vector) and Z85 UUIDs', () => {
    expect([...z85Decode('HelloWorld')]).toEqual([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    expect(z85Uuid('vBn[lx{q8@P<9BNH/isA')).toBe('61d16c75-6994-46b7-a15b-8b538852e50e');
    expect(() => z85Decode('abc')).toThrow(expect.objectContaining({ code: 'DELTA.LOG_CORRUPT' }));
  });

  it('parses array, run and bitmap containers across several 32-bit high keys', () => {
    const dense = Array.from({ length: 5000 }, (_, i) => i * 13 % 65536).sort((a, b) => a - b);
    const bytes = dvBytes([
      [0, [[0, { kind: 'array', values: [0, 9, 65535] }], [1, { kind: 'run', runs: [[10, 4], [100, 0]] }], [3, { kind: 'bitmap', values: dense }]]],
      [2, [[0, { kind: 'array', values: [7] }]]],
    ]);
    const rows = parseDeletionVector(bytes, 'test');
    const expected = [0, 9, 65535, ...[10, 11, 12, 13, 14, 100].map((v) => 65536 + v), ...[...new Set(dense)].map((v) => 3 * 65536 + v), 2 * 2 ** 32 + 7];
    expect(rows).toEqual(expected);
    const runsOnlyFour = dvBytes([[0, [0, 1, 2, 3].map((k): [number, Container] => [k, { kind: 'run', runs: [[k, 1]] }])]]);
    expect(parseDeletionVector(runsOnlyFour, 'test')).toEqual([0, 1, 65537, 65538, 131074, 131075, 196611, 196612]);
    const wrongMagic = Buffer.from(bytes);
    wrongMagic.writeUInt32LE(1, 0);
    expect(() => parseDeletionVector(wrongMagic, 'test')).toThrow(/magic number/);
  });
});

describe('scans with deletion vectors', () => {
  const schema = JSON.stringify({ type: 'struct', fields: [{ name: 'id', type: 'long', nullable: true, metadata: {} }] });
  async function table(dvs: Record<string, DeletionVectorDescriptor>): Promise<string> {
    const dir = mkdtempSync(join(root, 't-'));
    mkdirSync(join(dir, '_delta_log'));
    const actions: Action[] = [
      { protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['deletionVectors'] } },
      { metaData: { id: 'x', format: { provider: 'parquet' }, schemaString: schema, partitionColumns: [], configuration: {} } },
    ];
    for (const [name, base] of [['f1', 0], ['f2', 100], ['f3', 200]] as const) {
      await conn.run(`COPY (SELECT range + ${base} AS id FROM range(20)) TO '${join(dir, `${name}.parquet`)}' (FORMAT parquet)`);
      actions.push({ add: { path: `${name}.parquet`, partitionValues: {}, size: 1, modificationTime: 0, dataChange: true, deletionVector: dvs[name] } });
    }
    writeFileSync(join(dir, '_delta_log', `${versionStem(0)}.json`), actions.map((a) => JSON.stringify(a)).join('\n'));
    return dir;
  }
  const uuidZ85 = (hex: string) => z85Encode(Buffer.from(hex.replace(/-/g, ''), 'hex'));

  it('drops inline, relative-with-prefix and absolute DV rows, checking size and cardinality', async () => {
    const inline = dvBytes([[0, [[0, { kind: 'array', values: [0, 1, 19] }]]]]);
    const padded = Buffer.concat([inline, Buffer.alloc((4 - (inline.length % 4)) % 4)]);
    const relative = dvBytes([[0, [[0, { kind: 'run', runs: [[5, 9]] }]]]]);
    const absolute = dvBytes([[0, [[0, { kind: 'array', values: [3] }]]]]);
    const uuid = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const dir = await table({
      f1: { storageType: 'i', pathOrInlineDv: z85Encode(padded), sizeInBytes: inline.length, cardinality: 3 },
      f2: { storageType: 'u', pathOrInlineDv: `ab${uuidZ85(uuid)}`, offset: 1, sizeInBytes: relative.length, cardinality: 10 },
      f3: { storageType: 'p', pathOrInlineDv: pathToFileURL(join(root, 'abs dv.bin')).href, offset: 1, sizeInBytes: absolute.length, cardinality: 1 },
    });
    mkdirSync(join(dir, 'ab'));
    writeFileSync(join(dir, 'ab', `deletion_vector_${uuid}.bin`), dvFile(relative));
    writeFileSync(join(root, 'abs dv.bin'), dvFile(absolute));
    const { rows } = await readTable(conn, await loadSnapshot(dir));
    const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    const expected = [
      ...Array.from({ length: 20 }, (_, i) => i).filter((i) => ![0, 1, 19].includes(i)),
      ...Array.from({ length: 20 }, (_, i) => 100 + i).filter((i) => i < 105 || i > 114),
      ...Array.from({ length: 20 }, (_, i) => 200 + i).filter((i) => i !== 203),
    ];
    expect(ids).toEqual(expected);
  });

  it('refuses a DV file with a bad CRC or a descriptor with the wrong cardinality', async () => {
    const data = dvBytes([[0, [[0, { kind: 'array', values: [2] }]]]]);
    writeFileSync(join(root, 'bad.bin'), dvFile(data, true));
    const p = (cardinality: number): DeletionVectorDescriptor => ({ storageType: 'p', pathOrInlineDv: join(root, 'bad.bin'), offset: 1, sizeInBytes: data.length, cardinality });
    await expect(readDeletionVector(root, p(1))).rejects.toMatchObject({ code: 'DELTA.LOG_CORRUPT', message: expect.stringContaining('CRC-32') });
    writeFileSync(join(root, 'good.bin'), dvFile(data));
    const good = { ...p(1), pathOrInlineDv: join(root, 'good.bin') };
    expect(await readDeletionVector(root, good)).toEqual([2]);
    await expect(readDeletionVector(root, { ...good, cardinality: 2 })).rejects.toMatchObject({ code: 'DELTA.LOG_CORRUPT', message: expect.stringContaining('cardinality 2') });
    await expect(readDeletionVector(root, { ...good, sizeInBytes: data.length + 1 })).rejects.toMatchObject({ code: 'DELTA.LOG_CORRUPT' });
  });
});
