import { useCallback, useEffect, useState } from 'react';
import { ErrorBox } from './error-box.js';
import { pipelinesGet, quoted, startUpdate, type PipelineInfo } from './pipeline-api.js';
import { pipelineStateColor } from './pipeline-model.js';
import { pipelineHref, shortId } from './pipeline-routes.js';

const PAGE = 50;

/** The pipelines list: name, state, health, the last update's state, recent updates; search by name (server side), start. */
export function PipelineList() {
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState<{ statuses: PipelineInfo[]; next?: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const token = tokens.at(-1);
  const load = useCallback(async () => {
    try {
      const filter = query ? `name LIKE ${quoted(`%${query.replace(/[%_]/g, '')}%`)}` : undefined;
      const r = await pipelinesGet<{ statuses?: PipelineInfo[]; next_page_token?: string }>('pipelines', token ? { page_token: token, max_results: PAGE, filter } : { max_results: PAGE, filter });
      setPage({ statuses: r.statuses ?? [], next: r.next_page_token });
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [token, query]);
  useEffect(() => void load(), [load]);
  // The search runs on the server (name LIKE '%…%') a moment after typing stops, from the first page.
  useEffect(() => {
    const t = setTimeout(() => {
      setQuery(search.trim());
      setTokens([undefined]);
    }, 250);
    return () => clearTimeout(t);
  }, [search]);
  return (
    <section>
      <div className="page-head">
        <h1>Pipelines</h1>
        <input className="search" placeholder="Search by name" aria-label="Search pipelines by name" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      <ErrorBox error={error} />
      {page === null && !error && <p className="muted">Loading pipelines…</p>}
      {page !== null && (
        <table className="jobs" data-testid="pipelines">
          <thead>
            <tr>
              <th>Name</th>
              <th>State</th>
              <th>Last update</th>
              <th>Recent updates</th>
              <th>Owner</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {page.statuses.map((p) => <PipelineRow key={p.pipeline_id} p={p} onError={setError} />)}
            {page.statuses.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">{query ? `No pipeline has "${query}" in its name.` : 'No pipelines yet: create one with POST /api/2.0/pipelines, a *.pipeline.yml file or `weir pipelines`.'}</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      <div className="pager">
        <button disabled={tokens.length < 2} onClick={() => setTokens(tokens.slice(0, -1))}>Previous</button>
        <button disabled={!page?.next} onClick={() => setTokens([...tokens, page?.next])}>Next</button>
      </div>
    </section>
  );
}

function PipelineRow({ p, onError }: { p: PipelineInfo; onError: (e: unknown) => void }) {
  const last = p.latest_updates?.[0];
  const start = async () => {
    try {
      location.hash = pipelineHref(p.pipeline_id, await startUpdate(p.pipeline_id, {}));
    } catch (e) {
      onError(e);
    }
  };
  return (
    <tr data-pipeline-id={p.pipeline_id}>
      <td><a className="job-name" href={pipelineHref(p.pipeline_id)}>{p.name ?? p.pipeline_id}</a></td>
      <td>
        {p.state}
        {p.health === 'UNHEALTHY' && <span className="badge pl-unhealthy">Unhealthy</span>}
      </td>
      <td data-testid="last-update">
        {last ? (
          <a href={pipelineHref(p.pipeline_id, last.update_id)} className="pl-state" style={{ background: pipelineStateColor(last.state) }}>{last.state}</a>
        ) : <span className="muted">never run</span>}
        {last && <span className="muted"> {new Date(last.creation_time).toLocaleString()}</span>}
      </td>
      <td className="dots">
        {(p.latest_updates ?? []).map((u) => (
          <a key={u.update_id} className="dot" href={pipelineHref(p.pipeline_id, u.update_id)} title={`${shortId(u.update_id)} ${u.state}`} aria-label={u.state} style={{ background: pipelineStateColor(u.state) }} />
        ))}
      </td>
      <td>{p.creator_user_name}</td>
      <td>
        <div className="actions"><button disabled={p.state === 'RUNNING'} onClick={() => void start()}>Start update</button></div>
      </td>
    </tr>
  );
}
