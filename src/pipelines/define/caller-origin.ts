import { fileURLToPath } from 'node:url';
import type { Origin } from '../../domain/pipeline-definition.js';

const DEFINE_DIR = fileURLToPath(new URL('.', import.meta.url));

/**
 * The origin (file, line, column) of the user code that called into the define API: the first stack frame outside
 * this folder. Falls back to `<unknown>:1:1` when the runtime gives no usable stack.
 */
export function callerOrigin(): Origin {
  const stack = new Error().stack ?? '';
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (!m) continue;
    const file = m[1].startsWith('file://') ? fileURLToPath(m[1]) : m[1];
    if (file.startsWith(DEFINE_DIR) || file.startsWith('node:')) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return { file: '<unknown>', line: 1, column: 1 };
}
