/** Z85 (ZeroMQ RFC 32) decoding, used by deletion vector descriptors for UUIDs and inline bitmaps. */
import { WeirError } from '../../domain/weir-error.js';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const DIGIT = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

/** Decodes Z85 text (length a multiple of 5) into bytes (4 per 5 characters, big-endian). */
export function z85Decode(text: string): Uint8Array {
  if (text.length % 5 !== 0) {
    throw new WeirError('DELTA.LOG_CORRUPT', `deletion vector data "${text.slice(0, 40)}" is not valid Z85: its length ${text.length} is not a multiple of 5`, { params: { length: text.length } });
  }
  const out = new Uint8Array((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const d = DIGIT.get(text[i + j]);
      if (d === undefined) {
        throw new WeirError('DELTA.LOG_CORRUPT', `deletion vector data has the character "${text[i + j]}" at ${i + j}, which is not in the Z85 alphabet`, { params: { position: i + j } });
      }
      value = value * 85 + d;
    }
    out[o] = (value >>> 24) & 0xff;
    out[o + 1] = (value >>> 16) & 0xff;
    out[o + 2] = (value >>> 8) & 0xff;
    out[o + 3] = value & 0xff;
  }
  return out;
}

/** Decodes a 20-character Z85 UUID into its canonical text form (8-4-4-4-12 hex digits). */
export function z85Uuid(text: string): string {
  const hex = Buffer.from(z85Decode(text)).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
