import { useEffect, useState } from 'react';
import { apiGet } from './api-client.js';

/** Cap on the log text kept in the page (the tail is kept), so a chatty task cannot exhaust the browser. */
const MAX_CHARS = 2_000_000;

/** A task run's stdout or stderr from weir's runs/logs extension, appended every second until the log is done. */
export function useLiveLog(taskRunId: number, stream: 'stdout' | 'stderr'): { text: string; done: boolean; error: unknown } {
  const [text, setText] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    let offset = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setText('');
    setDone(false);
    const poll = async () => {
      try {
        const r = await apiGet<{ content?: string; next_offset: number; done: boolean }>('jobs/runs/logs', { run_id: taskRunId, stream, offset });
        if (!live) return;
        offset = r.next_offset;
        if (r.content) setText((t) => (t + r.content).slice(-MAX_CHARS));
        if (r.done) setDone(true);
        // A full chunk means more is waiting: fetch it at once; else wait a second.
        else timer = setTimeout(() => void poll(), r.content && r.content.length > 60_000 ? 0 : 1000);
      } catch (e) {
        if (live) setError(e);
      }
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [taskRunId, stream]);
  return { text, done, error };
}
