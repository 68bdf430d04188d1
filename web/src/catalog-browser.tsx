import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { catalogHref, getSecurable, listCatalogs, listSchemas, listTables, type Securable, type TableInfo, type UcPage } from './catalog-api.js';
import { ErrorBox } from './error-box.js';

/** One server page at a time, with Previous/Next over page tokens (the server never sends a whole big schema). */
function usePagedList<T>(load: (token?: string) => Promise<UcPage<T>>) {
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<UcPage<T> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const token = tokens[tokens.length - 1];
  useEffect(() => {
    let live = true;
    load(token).then((p) => live && (setPage(p), setError(null)), (e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [load, token]);
  return {
    page,
    error,
    hasPrevious: tokens.length > 1,
    next: () => page?.next && setTokens([...tokens, page.next]),
    previous: () => setTokens(tokens.slice(0, -1)),
  };
}

/** Breadcrumbs `Catalog › main › sales › orders`, each linking to its level. */
export function CatalogCrumbs({ parts }: { parts: string[] }) {
  return (
    <p className="crumbs catalog-crumbs">
      <a href="#catalog">Catalog</a>
      {parts.map((p, i) => (
        <span key={i}> › {i === parts.length - 1 ? <strong>{p}</strong> : <a href={catalogHref(...parts.slice(0, i + 1))}>{p}</a>}</span>
      ))}
    </p>
  );
}

function PagedTable<T>({ list, head, row, empty }: { list: ReturnType<typeof usePagedList<T>>; head: string[]; row: (item: T) => ReactNode; empty: string }) {
  return (
    <>
      <ErrorBox error={list.error} />
      {!list.page && !list.error && <p className="muted">Loading…</p>}
      {list.page && (
        <table className="jobs catalog-list">
          <thead>
            <tr>{head.map((h) => <th key={h}>{h}</th>)}</tr>
          </thead>
          <tbody>
            {list.page.items.map(row)}
            {list.page.items.length === 0 && (
              <tr>
                <td colSpan={head.length} className="muted">{empty}</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      {(list.hasPrevious || list.page?.next) && (
        <div className="pager">
          <button disabled={!list.hasPrevious} onClick={list.previous}>Previous</button>
          <button disabled={!list.page?.next} onClick={list.next}>Next</button>
        </div>
      )}
    </>
  );
}

const when = (ms?: number) => (ms ? new Date(ms).toLocaleString() : '');

/** `#catalog`: every catalog. */
export function CatalogList() {
  const list = usePagedList(useCallback((t?: string) => listCatalogs(t), []));
  return (
    <section>
      <div className="page-head"><h1>Catalog</h1></div>
      <PagedTable list={list} head={['Catalog', 'Comment', 'Owner', 'Created']} empty="No catalogs." row={(c: Securable) => (
        <tr key={c.name} data-catalog={c.name}>
          <td><a className="job-name" href={catalogHref(c.name)}>{c.name}</a></td>
          <td>{c.comment ?? ''}</td>
          <td>{c.owner ?? ''}</td>
          <td>{when(c.created_at)}</td>
        </tr>
      )} />
    </section>
  );
}

function useSecurable(kind: 'catalogs' | 'schemas', fullName: string): Securable | undefined {
  const [s, setS] = useState<Securable>();
  useEffect(() => void getSecurable(kind, fullName).then(setS, () => undefined), [kind, fullName]);
  return s;
}

/** `#catalog/<catalog>`: its schemas. */
export function SchemaList({ catalog }: { catalog: string }) {
  const info = useSecurable('catalogs', catalog);
  const list = usePagedList(useCallback((t?: string) => listSchemas(catalog, t), [catalog]));
  return (
    <section>
      <CatalogCrumbs parts={[catalog]} />
      <div className="page-head"><h1>{catalog}</h1>{info?.comment && <span className="muted">{info.comment}</span>}</div>
      <PagedTable list={list} head={['Schema', 'Comment', 'Owner', 'Created']} empty={`Catalog ${catalog} has no schemas.`} row={(s: Securable) => (
        <tr key={s.name} data-schema={s.name}>
          <td><a className="job-name" href={catalogHref(catalog, s.name)}>{s.name}</a></td>
          <td>{s.comment ?? ''}</td>
          <td>{s.owner ?? ''}</td>
          <td>{when(s.created_at)}</td>
        </tr>
      )} />
    </section>
  );
}

/** `#catalog/<catalog>/<schema>`: its tables. */
export function TableList({ catalog, schema }: { catalog: string; schema: string }) {
  const info = useSecurable('schemas', `${catalog}.${schema}`);
  const list = usePagedList(useCallback((t?: string) => listTables(catalog, schema, t), [catalog, schema]));
  return (
    <section>
      <CatalogCrumbs parts={[catalog, schema]} />
      <div className="page-head"><h1>{catalog}.{schema}</h1>{info?.comment && <span className="muted">{info.comment}</span>}</div>
      <PagedTable list={list} head={['Table', 'Type', 'Comment', 'Updated']} empty={`Schema ${catalog}.${schema} has no tables.`} row={(t: TableInfo) => (
        <tr key={t.name} data-table={t.name}>
          <td><a className="job-name" href={catalogHref(catalog, schema, t.name)}>{t.name}</a></td>
          <td>{t.table_type}</td>
          <td>{t.comment ?? ''}</td>
          <td>{when(t.updated_at)}</td>
        </tr>
      )} />
    </section>
  );
}
