import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ApiDeps } from './app.js';
import { checkJobRoute } from './job-permission-guard.js';
import { readParams, parseParams } from './params.js';
import { runLogs } from './run-output.js';
import { LogsParams } from './runs-routes.js';

/** How often the stream looks for new log bytes; one read of a file's size, not a request per look. */
const LOOK_MS = 250;
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/**
 * weir extension `GET /api/2.x/jobs/runs/logs/stream?run_id=&stream=&offset=`: a task run's stdout or stderr as
 * server-sent events — `chunk` events ({content, next_offset}) as the log grows, then one `done` event when the
 * attempt has ended and everything was sent. The same permission and errors as runs/logs, checked before the stream
 * starts (so a bad run id is a JSON error, not an event).
 */
export async function streamRunLogs(deps: ApiDeps, c: Context): Promise<Response> {
  const p = await readParams(c);
  await checkJobRoute(deps, c, p);
  const q = parseParams(LogsParams, p);
  const first = await runLogs(deps, q.run_id, q.stream, q.offset);
  return streamSSE(c, async (sse) => {
    let closed = false;
    sse.onAbort(() => {
      closed = true;
    });
    let chunk = first;
    let quietSince = Date.now();
    while (!closed) {
      const content = String(chunk.content ?? '');
      if (content) {
        await sse.writeSSE({ event: 'chunk', data: JSON.stringify({ content, next_offset: chunk.next_offset }) });
        quietSince = Date.now();
      }
      if (chunk.done) {
        await sse.writeSSE({ event: 'done', data: JSON.stringify({ next_offset: chunk.next_offset }) });
        return;
      }
      // A full chunk means more is waiting: read on at once; else look again shortly.
      if (content.length < 60_000) await sse.sleep(LOOK_MS);
      if (Date.now() - quietSince > KEEPALIVE_MS) {
        await sse.write(': keepalive\n\n');
        quietSince = Date.now();
      }
      chunk = await runLogs(deps, q.run_id, q.stream, Number(chunk.next_offset));
    }
  });
}
