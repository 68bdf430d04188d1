/**
 * Which Delta reader features weir implements, and the check that refuses a table needing more
 * (PROTOCOL §Reader Version Requirements, §Valid Feature Names).
 */
import { WeirError } from '../domain/weir-error.js';
import type { Protocol } from './actions.js';

/** Reader features weir's reader handles. Type widening only needs the CAST to the schema type that every scan does. */
export const SUPPORTED_READER_FEATURES: ReadonlySet<string> = new Set([
  'columnMapping',
  'deletionVectors',
  'timestampNtz',
  'v2Checkpoint',
  'vacuumProtocolCheck',
  'typeWidening',
  'typeWidening-preview',
]);

/** The highest minReaderVersion weir reads. */
export const MAX_READER_VERSION = 3;

/** Throws DELTA.UNSUPPORTED_FEATURE when the table's protocol needs a reader capability weir lacks. */
export function assertReadable(protocol: Protocol, tablePath: string): void {
  if (protocol.minReaderVersion > MAX_READER_VERSION) {
    throw new WeirError('DELTA.UNSUPPORTED_FEATURE', `the Delta table at ${tablePath} needs reader version ${protocol.minReaderVersion}; weir reads up to ${MAX_READER_VERSION}`, { params: { tablePath, feature: `readerVersion${protocol.minReaderVersion}` } });
  }
  if (protocol.minReaderVersion < 3) return;
  const missing = (protocol.readerFeatures ?? []).filter((f) => !SUPPORTED_READER_FEATURES.has(f));
  if (missing.length > 0) {
    throw new WeirError('DELTA.UNSUPPORTED_FEATURE', `the Delta table at ${tablePath} uses the reader feature${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (protocol.readerFeatures), which weir does not implement; read it with an engine that supports ${missing.length > 1 ? 'them' : 'it'}`, { params: { tablePath, feature: missing[0], features: missing } });
  }
}
