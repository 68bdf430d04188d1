import { useEffect, useState } from 'react';
import { ErrorBox } from './error-box.js';
import { isActiveUpdate, pipelinesGet, quoted, type EventsPage, type UpdateInfo } from './pipeline-api.js';
import { pipelineStateColor, shortName } from './pipeline-model.js';
import { pipelineHref, shortId } from './pipeline-routes.js';
import { formatDuration } from './run-state-style.js';

const PAGE = 25;

/** What an update refreshed, in words. */
export function updateKind(u: UpdateInfo): string {
  if (u.validate_only) return 'Validate';
  if (u.full_refresh) return 'Full refresh';
  if (u.full_refresh_selection?.length) return `Full refresh: ${u.full_refresh_selection.map(shortName).join(', ')}`;
  if (u.refresh_selection?.length) return `Refresh: ${u.refresh_selection.map(shortName).join(', ')}`;
  return 'Update';
}

/**
 * When an update ended: the time of its last update_progress event if that is a final state (UpdateInfo carries
 * no end time, so it is read from the event log, one bounded request per update).
 */
async function endTime(pipelineId: string, u: UpdateInfo): Promise<number | undefined> {
  if (isActiveUpdate(u.state)) return undefined;
  const filter = `update_id = ${quoted(u.update_id)} AND event_type = 'update_progress'`;
  const r = await pipelinesGet<EventsPage>(`pipelines/${pipelineId}/events`, { filter, order_by: 'timestamp desc', max_results: 1 });
  const last = r.events[0];
  return last ? Date.parse(last.timestamp) : undefined;
}

/** A pipeline's update history, newest first, 25 a page: state, start, duration, cause, what it refreshed. */
export function PipelineUpdates({ pipelineId, selected, onOpen }: { pipelineId: string; selected?: string; onOpen: () => void }) {
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<{ updates: UpdateInfo[]; ends: Map<string, number | undefined>; next?: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const token = tokens.at(-1);
  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const r = await pipelinesGet<{ updates?: UpdateInfo[]; next_page_token?: string }>(`pipelines/${pipelineId}/updates`, { max_results: PAGE, page_token: token });
        const updates = r.updates ?? [];
        const ends = await Promise.all(updates.map((u) => endTime(pipelineId, u)));
        if (live) setPage({ updates, ends: new Map(updates.map((u, i) => [u.update_id, ends[i]])), next: r.next_page_token });
      } catch (e) {
        if (live) setError(e);
      }
    })();
    return () => {
      live = false;
    };
  }, [pipelineId, token]);
  if (!page) return error ? <ErrorBox error={error} /> : <p className="muted">Loading updates…</p>;
  const took = (u: UpdateInfo) => {
    const end = page.ends.get(u.update_id);
    return end === undefined ? undefined : end - u.creation_time;
  };
  const longest = Math.max(1, ...page.updates.map((u) => took(u) ?? 0));
  return (
    <div>
      <table className="jobs" data-testid="updates">
        <thead>
          <tr>
            <th>Update</th>
            <th>State</th>
            <th>Started</th>
            <th>Duration</th>
            <th>Cause</th>
            <th>Refreshed</th>
          </tr>
        </thead>
        <tbody>
          {page.updates.map((u) => {
            const d = took(u);
            return (
              <tr key={u.update_id} data-update-id={u.update_id} className={u.update_id === selected ? 'pl-current' : undefined}>
                <td><a href={pipelineHref(pipelineId, u.update_id)} onClick={onOpen}>{shortId(u.update_id)}</a></td>
                <td><span className="pl-state" style={{ background: pipelineStateColor(u.state) }}>{u.state}</span></td>
                <td>{new Date(u.creation_time).toLocaleString()}</td>
                <td>
                  <span className="pl-dbar" style={{ width: `${Math.max(2, ((d ?? 0) / longest) * 80)}px`, background: pipelineStateColor(u.state) }} />
                  <span data-testid="duration">{d === undefined ? (isActiveUpdate(u.state) ? 'running' : '–') : formatDuration(d)}</span>
                </td>
                <td>{u.cause}</td>
                <td>{updateKind(u)}</td>
              </tr>
            );
          })}
          {page.updates.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">No updates yet.</td>
            </tr>
          )}
        </tbody>
      </table>
      <div className="pager">
        <button disabled={tokens.length < 2} onClick={() => setTokens(tokens.slice(0, -1))}>Newer</button>
        <button disabled={!page.next} onClick={() => setTokens([...tokens, page.next])}>Older</button>
      </div>
    </div>
  );
}
