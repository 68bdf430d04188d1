/**
 * Parses Delta's serialised deletion vector: the magic number 1681511377 (int32 LE) followed by a
 * RoaringBitmapArray in the "portable" 64-bit layout — a count (int64 LE), then per bitmap its high 32 bits
 * (int32 LE) and a standard 32-bit Roaring bitmap (portable format with array, bitmap and run containers).
 */
import { WeirError } from '../../domain/weir-error.js';

/** The magic number that starts every serialised deletion vector. */
export const DV_MAGIC = 1681511377;
const SERIAL_COOKIE_NO_RUN = 12346;
const SERIAL_COOKIE = 12347;
const NO_OFFSET_THRESHOLD = 4;

function corrupt(where: string, what: string): WeirError {
  return new WeirError('DELTA.LOG_CORRUPT', `deletion vector ${where} is damaged: ${what}; the table cannot be read until the file is restored`, { params: { where } });
}

class Cursor {
  pos = 0;
  constructor(private readonly view: DataView, private readonly where: string) {}
  private need(n: number): void {
    if (this.pos + n > this.view.byteLength) throw corrupt(this.where, `truncated at byte ${this.pos}`);
  }
  u16(): number { this.need(2); const v = this.view.getUint16(this.pos, true); this.pos += 2; return v; }
  u32(): number { this.need(4); const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  u64(): number { this.need(8); const v = this.view.getBigUint64(this.pos, true); this.pos += 8; return Number(v); }
  skip(n: number): void { this.need(n); this.pos += n; }
  u8At(offset: number): number { return this.view.getUint8(offset); }
}

function readBitmap32(c: Cursor, high: number, out: number[]): void {
  const cookie = c.u32();
  const hasRuns = (cookie & 0xffff) === SERIAL_COOKIE;
  if (!hasRuns && cookie !== SERIAL_COOKIE_NO_RUN) throw corrupt('bitmap', `unknown Roaring cookie ${cookie}`);
  const size = hasRuns ? (cookie >>> 16) + 1 : c.u32();
  const runFlagsAt = c.pos;
  if (hasRuns) c.skip(Math.ceil(size / 8));
  const keys: number[] = [];
  const cards: number[] = [];
  for (let i = 0; i < size; i++) {
    keys.push(c.u16());
    cards.push(c.u16() + 1);
  }
  if (!hasRuns || size >= NO_OFFSET_THRESHOLD) c.skip(4 * size);
  const base = high * 2 ** 32;
  for (let i = 0; i < size; i++) {
    const hi16 = base + keys[i] * 65536;
    const isRun = hasRuns && ((c.u8At(runFlagsAt + (i >> 3)) >> (i & 7)) & 1) === 1;
    if (isRun) {
      const runs = c.u16();
      for (let r = 0; r < runs; r++) {
        const start = c.u16();
        const len = c.u16();
        for (let v = start; v <= start + len; v++) out.push(hi16 + v);
      }
    } else if (cards[i] <= 4096) {
      for (let k = 0; k < cards[i]; k++) out.push(hi16 + c.u16());
    } else {
      // 1024 little-endian 64-bit words, read as 2048 32-bit halves so no bit is lost to float precision.
      for (let half = 0; half < 2048; half++) {
        const word = c.u32();
        for (let b = 0; b < 32; b++) if ((word >>> b) & 1) out.push(hi16 + half * 32 + b);
      }
    }
  }
}

/** The deleted row indexes (ascending) of a serialised deletion vector (magic + RoaringBitmapArray). */
export function parseDeletionVector(bytes: Uint8Array, where: string): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const c = new Cursor(view, where);
  const magic = c.u32();
  if (magic !== DV_MAGIC) throw corrupt(where, `magic number is ${magic}, expected ${DV_MAGIC}`);
  const count = c.u64();
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const high = c.u32();
    readBitmap32(c, high, out);
  }
  return out;
}
