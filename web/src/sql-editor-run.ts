import { useEffect, useRef, useState } from 'react';
import { cancelStatement, executeStatement, getStatement, type StatementResponse } from './sql-editor-api.js';

const POLL_MS = 500;

/** What the editor shows of the statement it ran last. */
export interface StatementRun {
  busy: boolean;
  /** The id of the statement still running, for Cancel. */
  running: string | null;
  response: StatementResponse | null;
  elapsedMs: number;
  error: unknown;
  run(o: { statement: string; rowLimit: number; catalog?: string; schema?: string }): Promise<void>;
  cancel(): void;
}

/** Runs a statement and polls it until it ends (or the editor goes away); one statement at a time. */
export function useStatementRun(): StatementRun {
  const [running, setRunning] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [response, setResponse] = useState<StatementResponse | null>(null);
  const [elapsedMs, setElapsed] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const alive = useRef(true);
  useEffect(() => () => void (alive.current = false), []);
  const run: StatementRun['run'] = async (o) => {
    const started = performance.now();
    setBusy(true);
    setError(null);
    setResponse(null);
    try {
      let r = await executeStatement(o);
      setRunning(r.statement_id);
      while ((r.status.state === 'PENDING' || r.status.state === 'RUNNING') && alive.current) {
        await new Promise((ok) => setTimeout(ok, POLL_MS));
        r = await getStatement(r.statement_id);
      }
      setResponse(r);
    } catch (e) {
      setError(e);
    } finally {
      setElapsed(performance.now() - started);
      setRunning(null);
      setBusy(false);
    }
  };
  const cancel = () => {
    if (running) cancelStatement(running).catch(setError);
  };
  return { busy, running, response, elapsedMs, error, run, cancel };
}
