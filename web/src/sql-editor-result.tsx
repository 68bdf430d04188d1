import { useState } from 'react';
import type { StatementResponse } from './sql-editor-api.js';

const PAGE = 100;

/** A statement's result as a table of 100 rows per page, with column types, row count and truncation. */
export function SqlResultTable({ response, elapsedMs }: { response: StatementResponse; elapsedMs: number }) {
  const [page, setPage] = useState(0);
  const columns = response.manifest?.schema.columns ?? [];
  const rows = response.result?.data_array ?? [];
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  const shown = rows.slice(page * PAGE, (page + 1) * PAGE);
  return (
    <div className="sql-result" data-testid="sql-result">
      <p className="muted" data-testid="sql-result-summary">
        {rows.length} row{rows.length === 1 ? '' : 's'}
        {response.manifest?.truncated ? ' (truncated at the row limit)' : ''} · {(elapsedMs / 1000).toFixed(2)} s
      </p>
      {columns.length > 0 && (
        <div className="sql-table-wrap">
          <table className="jobs sql-table">
            <thead>
              <tr>
                <th className="sql-rownum">#</th>
                {columns.map((c) => (
                  <th key={c.position}>{c.name} <span className="muted sql-type">{c.type_text}</span></th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map((r, i) => (
                <tr key={page * PAGE + i}>
                  <td className="sql-rownum muted">{page * PAGE + i + 1}</td>
                  {r.map((v, j) => <td key={j}>{v === null ? <span className="sql-null">null</span> : v}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages > 1 && (
        <div className="pager">
          <button disabled={page === 0} onClick={() => setPage(page - 1)}>Previous</button>
          <span className="muted">rows {page * PAGE + 1}–{Math.min(rows.length, (page + 1) * PAGE)} of {rows.length}</span>
          <button disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>Next</button>
        </div>
      )}
    </div>
  );
}
