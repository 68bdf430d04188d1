import { open } from 'node:fs/promises';

/** How many stderr lines an error trace keeps when there is no Python traceback. */
export const TRACE_TAIL_LINES = 50;
/** Bytes read from the end of the stderr log; 64 KiB holds any realistic traceback. */
const TAIL_BYTES = 64 * 1024;
/** A traceback longer than this is cut to its last lines (deep recursion prints thousands). */
const MAX_TRACEBACK_LINES = 200;

/** The last `maxLines` lines of a log file (empty when the file is missing). */
export async function readStderrTail(path: string, maxLines = TRACE_TAIL_LINES): Promise<string> {
  const lines = await readTailLines(path);
  return lines.slice(-maxLines).join('\n');
}

/**
 * Error and trace of a failed Python process from its stderr log: from the last `Traceback` on, with the
 * traceback's last line (e.g. `ValueError: boom`) as the error; without a traceback, `fallbackError` and the
 * last lines of stderr.
 */
export async function pythonFailure(
  stderrPath: string,
  fallbackError: string,
): Promise<{ error: string; errorTrace: string }> {
  const lines = await readTailLines(stderrPath);
  const start = lines.map((l) => l.startsWith('Traceback (most recent call last):')).lastIndexOf(true);
  if (start === -1) return { error: fallbackError, errorTrace: lines.slice(-TRACE_TAIL_LINES).join('\n') };
  const trace = lines.slice(start).slice(-MAX_TRACEBACK_LINES);
  const last = [...trace].reverse().find((l) => l.trim() !== '' && !l.startsWith(' '));
  return { error: last?.trim() || fallbackError, errorTrace: trace.join('\n') };
}

async function readTailLines(path: string): Promise<string[]> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    const lines = buf.toString('utf8').split(/\r?\n/);
    if (size > length) lines.shift(); // a partial first line
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  } finally {
    await handle.close();
  }
}
