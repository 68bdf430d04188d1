import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/**
 * The Node side of the notebook harness protocol: newline-delimited JSON over the child's fd 3.
 * Python sends `{"id": n, "op": "...", ...args}`; Node answers `{"id": n, "ok": true, "result": ...}` or
 * `{"id": n, "ok": false, "error": "message"}`. Python waits for each answer, so requests never overlap.
 *
 * Ops: `start` → {path, cells, widgets, dbfsRoot, taskKey}; `load` {path, base} → {path, cells};
 * `sql` {query, params} → {columns, rows, rowCount, truncated}; `taskValues.set` {key, value};
 * `taskValues.get` {taskKey, key} → {found, value}; `secrets.get` {scope, key} → {value}; `finish` {status, exitValue?, error?, trace?}.
 */
export type NotebookRpcHandler = (args: Record<string, unknown>) => Promise<unknown> | unknown;

/** Handlers by op name. */
export type NotebookRpcHandlers = Record<string, NotebookRpcHandler>;

/** Answers requests on `channel` until it closes; a thrown error goes back to Python as `{ok: false}`. */
export function serveNotebookRpc(channel: { input: Readable; output: Writable }, handlers: NotebookRpcHandlers): void {
  const { input, output } = channel;
  // The child may exit (or be killed) with a write in flight; EPIPE then is expected, not a weir failure.
  output.on('error', () => {});
  input.on('error', () => {});
  const lines = createInterface({ input, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    void answer(line, handlers).then((reply) => {
      if (!output.writableEnded && !output.destroyed) output.write(JSON.stringify(reply) + '\n');
    });
  });
}

async function answer(line: string, handlers: NotebookRpcHandlers): Promise<Record<string, unknown>> {
  let request: { id?: unknown; op?: unknown } & Record<string, unknown>;
  try {
    request = JSON.parse(line);
  } catch {
    return { id: null, ok: false, error: `malformed request (not JSON): ${line.slice(0, 200)}` };
  }
  const id = request.id ?? null;
  const handler = typeof request.op === 'string' ? handlers[request.op] : undefined;
  if (!handler) return { id, ok: false, error: `unknown op ${JSON.stringify(request.op)}` };
  try {
    const result = await handler(request);
    return { id, ok: true, result: result ?? null };
  } catch (e) {
    return { id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** `s` cut to at most `maxBytes` of UTF-8 (never splitting a character), and whether it was cut. */
export function truncateUtf8(s: string, maxBytes: number): { result: string; truncated: boolean } {
  const buf = Buffer.from(s, 'utf8');
  if (buf.length <= maxBytes) return { result: s, truncated: false };
  let end = maxBytes;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--; // step back over continuation bytes
  return { result: buf.subarray(0, end).toString('utf8'), truncated: true };
}
