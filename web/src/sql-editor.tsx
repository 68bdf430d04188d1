import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { ErrorBox } from './error-box.js';
import { errorPosition, offsetOf } from './sql-editor-api.js';
import { SqlResultTable } from './sql-editor-result.js';
import { useStatementRun } from './sql-editor-run.js';

const DRAFT_KEY = 'weir.sql.draft';
const SAMPLE = 'SELECT id, id * id AS square\nFROM range(10)';
const LIMITS = [100, 1000, 10000];

/** A failed statement: its message and, when the message names one, the line and column with that line quoted. */
function StatementError({ message, text, onGoTo }: { message: string; text: string; onGoTo: (offset: number) => void }) {
  const pos = errorPosition(message);
  const line = pos ? text.split('\n')[pos.line - 1] : undefined;
  return (
    <div className="sql-error" data-testid="sql-error">
      <pre className="error" role="alert">{message}</pre>
      {pos && (
        <div data-testid="sql-error-position">
          At line {pos.line}, column {pos.column}{' '}
          <button className="link" onClick={() => onGoTo(offsetOf(text, pos))}>Go to position</button>
          {line !== undefined && <pre className="sql-caret">{`${line}\n${' '.repeat(Math.max(0, pos.column - 1))}^`}</pre>}
        </div>
      )}
    </div>
  );
}

/** The SQL editor: runs a statement on the weir warehouse (Statement Execution API), polls it, shows the rows. */
export function SqlEditor() {
  const [text, setText] = useState(() => localStorage.getItem(DRAFT_KEY) ?? SAMPLE);
  const [catalog, setCatalog] = useState('');
  const [schema, setSchema] = useState('');
  const [rowLimit, setRowLimit] = useState(1000);
  const st = useStatementRun();
  const editor = useRef<HTMLTextAreaElement>(null);
  useEffect(() => localStorage.setItem(DRAFT_KEY, text), [text]);
  const run = () => void st.run({ statement: text, rowLimit, catalog, schema });
  const goTo = (offset: number) => {
    editor.current?.focus();
    editor.current?.setSelectionRange(offset, offset + 1);
  };
  const r = st.response;
  const failed = r && r.status.state !== 'SUCCEEDED' ? (r.status.error?.message ?? `The statement ended ${r.status.state}.`) : null;
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey) || st.busy) return;
    e.preventDefault();
    run();
  };
  return (
    <section className="sql-editor">
      <div className="page-head">
        <h1>SQL</h1>
        <span className="muted">on the weir warehouse (Spark SQL, run by DuckDB)</span>
      </div>
      <textarea ref={editor} aria-label="SQL statement" spellCheck={false} rows={10} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKey} />
      <div className="sql-bar">
        <button onClick={run} disabled={st.busy || !text.trim()}>{st.busy ? 'Running…' : 'Run'}</button>
        {st.running && <button className="danger" onClick={st.cancel}>Cancel</button>}
        <span className="muted">Ctrl+Enter runs</span>
        <label>Catalog <input aria-label="Catalog" placeholder="main" value={catalog} onChange={(e) => setCatalog(e.target.value)} /></label>
        <label>Schema <input aria-label="Schema" placeholder="default" value={schema} onChange={(e) => setSchema(e.target.value)} /></label>
        <label>
          Row limit{' '}
          <select aria-label="Row limit" value={rowLimit} onChange={(e) => setRowLimit(Number(e.target.value))}>
            {LIMITS.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
      </div>
      <ErrorBox error={st.error} />
      {failed && <StatementError message={failed} text={text} onGoTo={goTo} />}
      {r?.status.state === 'SUCCEEDED' && <SqlResultTable key={r.statement_id} response={r} elapsedMs={st.elapsedMs} />}
    </section>
  );
}
