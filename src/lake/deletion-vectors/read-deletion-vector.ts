/**
 * Loads the deleted row indexes of a deletion vector descriptor (PROTOCOL §Deletion Vectors): inline (`i`, Z85
 * bitmap), relative (`u`, Z85 UUID with an optional directory prefix) or absolute (`p`, a path URI). File-based
 * DVs are framed as version byte, then at `offset` a big-endian size, the data and a big-endian CRC-32.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { WeirError } from '../../domain/weir-error.js';
import type { DeletionVectorDescriptor } from '../actions.js';
import { dataFilePath } from '../scan/data-file-path.js';
import { parseDeletionVector } from './roaring-bitmap-array.js';
import { z85Decode, z85Uuid } from './z85.js';

/** The file a `u` or `p` descriptor points at. */
export function deletionVectorFile(tablePath: string, dv: DeletionVectorDescriptor): string {
  if (dv.storageType === 'p') return dataFilePath(tablePath, dv.pathOrInlineDv);
  const encoded = dv.pathOrInlineDv;
  const prefix = encoded.slice(0, encoded.length - 20);
  const name = `deletion_vector_${z85Uuid(encoded.slice(-20))}.bin`;
  return prefix === '' ? join(tablePath, name) : join(tablePath, prefix, name);
}

function checkCardinality(rows: number[], dv: DeletionVectorDescriptor, where: string): number[] {
  if (rows.length !== dv.cardinality) {
    throw new WeirError('DELTA.LOG_CORRUPT', `deletion vector ${where} holds ${rows.length} rows but its descriptor says cardinality ${dv.cardinality}; the log and the DV file disagree`, { params: { where } });
  }
  return rows;
}

async function readFramed(file: string, dv: DeletionVectorDescriptor): Promise<Uint8Array> {
  const buf = await readFile(file).catch((e: unknown) => {
    throw new WeirError('DELTA.LOG_CORRUPT', `deletion vector file ${file} cannot be read (${(e as Error).message}); a live file references it, so the table is damaged`, { cause: e, params: { file } });
  });
  const offset = dv.offset ?? 1;
  const where = `${file}@${offset}`;
  if (offset + 4 + dv.sizeInBytes + 4 > buf.length) {
    throw new WeirError('DELTA.LOG_CORRUPT', `deletion vector ${where} is truncated: the file has ${buf.length} bytes, the descriptor needs ${offset + 8 + dv.sizeInBytes}`, { params: { file } });
  }
  const size = buf.readInt32BE(offset);
  if (size !== dv.sizeInBytes) {
    throw new WeirError('DELTA.LOG_CORRUPT', `deletion vector ${where} stores ${size} bytes but the descriptor says sizeInBytes ${dv.sizeInBytes}`, { params: { file } });
  }
  const data = buf.subarray(offset + 4, offset + 4 + size);
  const expected = buf.readUInt32BE(offset + 4 + size);
  if (crc32(data) !== expected) {
    throw new WeirError('DELTA.LOG_CORRUPT', `deletion vector ${where} fails its CRC-32 check; the file is damaged`, { params: { file } });
  }
  return data;
}

/** The deleted row indexes (ascending) of a descriptor of a table at `tablePath`. */
export async function readDeletionVector(tablePath: string, dv: DeletionVectorDescriptor): Promise<number[]> {
  if (dv.storageType === 'i') {
    const bytes = z85Decode(dv.pathOrInlineDv).subarray(0, dv.sizeInBytes);
    return checkCardinality(parseDeletionVector(bytes, 'inline'), dv, 'inline');
  }
  const file = deletionVectorFile(tablePath, dv);
  const rows = parseDeletionVector(await readFramed(file, dv), file);
  return checkCardinality(rows, dv, file);
}
