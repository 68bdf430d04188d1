import { useEffect, useState } from 'react';
import { catalogHref, getTable, type TableInfo } from './catalog-api.js';
import { CatalogCrumbs } from './catalog-browser.js';
import { LineageTab } from './catalog-lineage.js';
import { ColumnsTab, HistoryTab, PreviewTab, PropertiesTab } from './catalog-tabs.js';
import { ErrorBox } from './error-box.js';

/** The tabs of a table page, in order; the last hash segment selects one. */
export const TABLE_TABS = ['columns', 'properties', 'preview', 'history', 'lineage'] as const;
/** A tab of the table page. */
export type TableTab = (typeof TABLE_TABS)[number];

const LABELS: Record<TableTab, string> = { columns: 'Columns', properties: 'Properties', preview: 'Preview', history: 'History', lineage: 'Lineage' };

/** `#catalog/<c>/<s>/<t>[/<tab>]`: a table's header and its Columns, Properties, Preview, History and Lineage tabs. */
export function TablePage({ catalog, schema, table, tab }: { catalog: string; schema: string; table: string; tab: TableTab }) {
  const fullName = `${catalog}.${schema}.${table}`;
  const [info, setInfo] = useState<TableInfo | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    getTable(fullName).then((t) => live && setInfo(t), (e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [fullName]);
  return (
    <section>
      <CatalogCrumbs parts={[catalog, schema, table]} />
      <div className="page-head">
        <h1>{fullName}</h1>
        {info && <span className="badge table-type">{info.table_type}</span>}
        {info && <span className="muted">{info.data_source_format}</span>}
      </div>
      {info?.comment && <p className="table-comment">{info.comment}</p>}
      <ErrorBox error={error} />
      <nav className="tabs" role="tablist">
        {TABLE_TABS.map((t) => (
          <a key={t} role="tab" aria-selected={t === tab} className={`tab-link${t === tab ? ' active' : ''}`} href={catalogHref(catalog, schema, table, t)}>{LABELS[t]}</a>
        ))}
      </nav>
      {info && tab === 'columns' && <ColumnsTab table={info} />}
      {info && tab === 'properties' && <PropertiesTab table={info} />}
      {info && tab === 'preview' && <PreviewTab table={info} />}
      {info && tab === 'history' && <HistoryTab table={info} />}
      {tab === 'lineage' && <LineageTab fullName={fullName} />}
    </section>
  );
}
