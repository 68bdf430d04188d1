import { useEffect, useState } from 'react';
import { quotedName, runStatement, type StatementRows, type TableInfo } from './catalog-api.js';
import { ErrorBox } from './error-box.js';

/** Rows the Preview tab shows, and commits the History tab lists (both bounded on the server by LIMIT). */
export const PREVIEW_ROWS = 50;
const HISTORY_VERSIONS = 100;

/** Columns: name, type, nullability, partitioning and comment. */
export function ColumnsTab({ table }: { table: TableInfo }) {
  const cols = table.columns ?? [];
  if (!cols.length) return <p className="muted">No columns yet: the table has no Delta log (it was never written).</p>;
  return (
    <table className="jobs catalog-columns">
      <thead>
        <tr><th>#</th><th>Column</th><th>Type</th><th>Nullable</th><th>Comment</th></tr>
      </thead>
      <tbody>
        {cols.map((c) => (
          <tr key={c.name} data-column={c.name}>
            <td className="muted">{c.position}</td>
            <td className="job-name">{c.name}{c.partition_index !== undefined && <span className="badge">partition</span>}</td>
            <td><code>{c.type_text}</code></td>
            <td>{c.nullable ? 'yes' : 'no'}</td>
            <td>{c.comment ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Properties: the table's facts and its table properties (catalog TBLPROPERTIES over the Delta configuration). */
export function PropertiesTab({ table }: { table: TableInfo }) {
  const facts: [string, string][] = [
    ['Full name', table.full_name],
    ['Type', table.table_type],
    ['Format', table.data_source_format],
    ['Owner', table.owner ?? ''],
    ['Location', table.storage_location],
    ['Created', new Date(table.created_at).toLocaleString()],
    ['Updated', new Date(table.updated_at).toLocaleString()],
  ];
  const props = Object.entries(table.properties ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      <dl className="facts">
        {facts.map(([k, v]) => [<dt key={`${k}-k`}>{k}</dt>, <dd key={`${k}-v`}>{v}</dd>])}
      </dl>
      <h3>Table properties</h3>
      <table className="jobs catalog-properties">
        <thead><tr><th>Key</th><th>Value</th></tr></thead>
        <tbody>
          {props.map(([k, v]) => <tr key={k} data-property={k}><td><code>{k}</code></td><td>{v}</td></tr>)}
          {props.length === 0 && <tr><td colSpan={2} className="muted">No properties.</td></tr>}
        </tbody>
      </table>
    </>
  );
}

/** Runs one statement when the tab opens; its rows, error or a loading note. */
function useStatement(sql: string, rowLimit: number) {
  const [rows, setRows] = useState<StatementRows | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    runStatement(sql, rowLimit).then((r) => live && setRows(r), (e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [sql, rowLimit]);
  return { rows, error };
}

/** Preview: the first rows of the table (`SELECT * … LIMIT 50` on the SQL warehouse). */
export function PreviewTab({ table }: { table: TableInfo }) {
  const { rows, error } = useStatement(`SELECT * FROM ${quotedName(table)} LIMIT ${PREVIEW_ROWS}`, PREVIEW_ROWS);
  if (error) return <ErrorBox error={error} />;
  if (!rows) return <p className="muted">Reading the first {PREVIEW_ROWS} rows…</p>;
  return (
    <div className="catalog-scroll">
      <p className="muted">First {rows.rows.length} row(s).</p>
      <table className="jobs catalog-preview">
        <thead><tr>{rows.columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
        <tbody>
          {rows.rows.map((r, i) => <tr key={i}>{r.map((v, j) => <td key={j} className={v === null ? 'muted' : ''}>{v ?? 'null'}</td>)}</tr>)}
        </tbody>
      </table>
    </div>
  );
}

function parsed(text: string | null): Record<string, unknown> {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function KeyValues({ values }: { values: Record<string, unknown> }) {
  const entries = Object.entries(values);
  if (!entries.length) return null;
  return <span className="kv">{entries.map(([k, v]) => <span key={k} className="param">{k}: {typeof v === 'string' ? v : JSON.stringify(v)}</span>)}</span>;
}

/** History: each version with its operation, parameters and metrics (`DESCRIBE HISTORY`). */
export function HistoryTab({ table }: { table: TableInfo }) {
  const { rows, error } = useStatement(`DESCRIBE HISTORY ${quotedName(table)} LIMIT ${HISTORY_VERSIONS}`, HISTORY_VERSIONS);
  if (error) return <ErrorBox error={error} />;
  if (!rows) return <p className="muted">Reading the table's history…</p>;
  const at = (name: string) => rows.columns.indexOf(name);
  return (
    <table className="jobs catalog-history">
      <thead><tr><th>Version</th><th>Time</th><th>Operation</th><th>Parameters</th><th>Metrics</th></tr></thead>
      <tbody>
        {rows.rows.map((r) => (
          <tr key={r[at('version')]} data-version={r[at('version')]}>
            <td>{r[at('version')]}</td>
            <td>{r[at('timestamp')] ? new Date(r[at('timestamp')] as string).toLocaleString() : ''}</td>
            <td className="job-name">{r[at('operation')]}</td>
            <td><KeyValues values={parsed(r[at('operationParameters')])} /></td>
            <td><KeyValues values={parsed(r[at('operationMetrics')])} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
