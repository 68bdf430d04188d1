import { useEffect, useState } from 'react';
import { ApiCallError, storedToken } from './api-client.js';

/** Cap on the log text kept in the page (the tail is kept), so a chatty task cannot exhaust the browser. */
const MAX_CHARS = 2_000_000;

/** One server-sent event: its name and its JSON data. */
interface LogEvent {
  event: string;
  data: { content?: string; next_offset: number };
}

/** Splits server-sent-event text into complete events; returns them and the unfinished rest. */
export function parseEvents(buffer: string): { events: LogEvent[]; rest: string } {
  const blocks = buffer.split('\n\n');
  const rest = blocks.pop() ?? '';
  const events: LogEvent[] = [];
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length) events.push({ event, data: JSON.parse(data.join('\n')) });
  }
  return { events, rest };
}

/**
 * A task run's stdout or stderr, streamed live from weir's runs/logs/stream (server-sent events read through fetch,
 * so the Authorization header works as for every other call) until the attempt has ended and the log is complete.
 */
export function useLiveLog(taskRunId: number, stream: 'stdout' | 'stderr'): { text: string; done: boolean; error: unknown } {
  const [text, setText] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const abort = new AbortController();
    setText('');
    setDone(false);
    setError(null);
    void (async () => {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      const token = storedToken();
      if (token) headers.authorization = `Bearer ${token}`;
      const r = await fetch(`/api/2.2/jobs/runs/logs/stream?run_id=${taskRunId}&stream=${stream}`, { headers, credentials: 'same-origin', signal: abort.signal });
      if (!r.ok || !r.body) {
        const e = (await r.json().catch(() => ({}))) as { error_code?: string; message?: string };
        throw new ApiCallError(r.status, e.error_code ?? `HTTP_${r.status}`, e.message ?? r.statusText);
      }
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        const parsed = parseEvents(buffer + value);
        buffer = parsed.rest;
        for (const ev of parsed.events) {
          if (ev.event === 'chunk' && ev.data.content) setText((t) => (t + ev.data.content).slice(-MAX_CHARS));
          if (ev.event === 'done') setDone(true);
        }
      }
    })().catch((e: unknown) => {
      if (!abort.signal.aborted) setError(e);
    });
    return () => abort.abort();
  }, [taskRunId, stream]);
  return { text, done, error };
}
