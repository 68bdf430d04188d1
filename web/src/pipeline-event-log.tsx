import { useEffect, useMemo, useState } from 'react';
import { ErrorBox } from './error-box.js';
import { pipelinesGet, quoted, type EventsPage, type PipelineEvent } from './pipeline-api.js';
import { shortName } from './pipeline-model.js';
import { shortId } from './pipeline-routes.js';

const LEVELS = ['INFO', 'WARN', 'ERROR', 'METRICS'];
const TYPES = ['update_progress', 'flow_progress', 'flow_definition', 'dataset_definition', 'planning_information', 'maintenance_progress', 'cluster_resources', 'create_update', 'user_action'];
const PAGE = 50;

/** The event filter of the Pipelines API grammar for the chosen levels, type and update. */
export function eventFilter(levels: Set<string>, type: string, updateId: string | undefined): string | undefined {
  const parts: string[] = [];
  if (levels.size < LEVELS.length) parts.push(`level in (${[...levels].map(quoted).join(', ')})`);
  if (type) parts.push(`event_type = ${quoted(type)}`);
  if (updateId) parts.push(`update_id = ${quoted(updateId)}`);
  return parts.length ? parts.join(' AND ') : undefined;
}

/** The event log with filters (levels, event type, this update only, order), 50 events a page. */
export function PipelineEventLog({ pipelineId, updateId }: { pipelineId: string; updateId?: string }) {
  const [levels, setLevels] = useState(() => new Set(LEVELS));
  const [type, setType] = useState('');
  const [onlyUpdate, setOnlyUpdate] = useState(!!updateId);
  const [newest, setNewest] = useState(true);
  const [token, setToken] = useState<string | undefined>(undefined);
  const [page, setPage] = useState<EventsPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState<string | null>(null);
  const filter = useMemo(() => eventFilter(levels, type, onlyUpdate ? updateId : undefined), [levels, type, onlyUpdate, updateId]);
  useEffect(() => setToken(undefined), [filter, newest]);
  useEffect(() => {
    let live = true;
    // A page token carries the filter and order, so later pages send only it (the API refuses both together).
    const q = token ? { page_token: token, max_results: PAGE } : { filter, order_by: newest ? 'timestamp desc' : 'timestamp asc', max_results: PAGE };
    pipelinesGet<EventsPage>(`pipelines/${pipelineId}/events`, q).then(
      (r) => {
        if (!live) return;
        setPage(r);
        setError(null);
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [pipelineId, filter, newest, token]);
  const toggleLevel = (l: string) => {
    const next = new Set(levels);
    if (next.has(l)) next.delete(l);
    else next.add(l);
    if (next.size) setLevels(next);
  };
  return (
    <div data-testid="event-log">
      <div className="pl-filters">
        {LEVELS.map((l) => (
          <label key={l} className="pl-filter"><input type="checkbox" checked={levels.has(l)} onChange={() => toggleLevel(l)} /> {l}</label>
        ))}
        <label className="pl-filter">
          Event type{' '}
          <select aria-label="Event type" value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">all</option>
            {TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </label>
        {updateId && <label className="pl-filter"><input type="checkbox" checked={onlyUpdate} onChange={(e) => setOnlyUpdate(e.target.checked)} /> Only update {shortId(updateId)}</label>}
        <label className="pl-filter"><input type="checkbox" checked={newest} onChange={(e) => setNewest(e.target.checked)} /> Newest first</label>
      </div>
      <ErrorBox error={error} />
      {page && (
        <table className="jobs pl-events">
          <thead>
            <tr>
              <th>Time</th>
              <th>Level</th>
              <th>Type</th>
              <th>Dataset / flow</th>
              <th>Message</th>
            </tr>
          </thead>
          <tbody>
            {page.events.map((e) => <EventRow key={e.id} e={e} open={open === e.id} onToggle={() => setOpen(open === e.id ? null : e.id)} />)}
            {page.events.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">No event matches these filters.</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      <div className="pager">
        <button disabled={!page?.prev_page_token} onClick={() => setToken(page?.prev_page_token)}>Previous</button>
        <button disabled={!page?.next_page_token} onClick={() => setToken(page?.next_page_token)}>Next</button>
      </div>
    </div>
  );
}

function EventRow({ e, open, onToggle }: { e: PipelineEvent; open: boolean; onToggle: () => void }) {
  const where = e.origin.flow_name && e.origin.flow_name !== e.origin.dataset_name ? `${shortName(e.origin.dataset_name ?? '')} / ${shortName(e.origin.flow_name)}` : shortName(e.origin.dataset_name ?? e.origin.flow_name ?? '');
  return (
    <>
      <tr className={`pl-event pl-level-${e.level.toLowerCase()}`} data-event-type={e.event_type} data-level={e.level} onClick={onToggle}>
        <td className="pl-nowrap">{new Date(e.timestamp).toLocaleString()}</td>
        <td><span className="pl-level">{e.level}</span></td>
        <td>{e.event_type}</td>
        <td title={e.origin.dataset_name}>{where}</td>
        <td>{e.message}</td>
      </tr>
      {open && (
        <tr>
          <td colSpan={5}>
            {e.error?.exceptions?.map((x, i) => <pre key={i} className="trace">{x.class_name}: {x.message}</pre>)}
            <pre className="json" data-testid="event-details">{JSON.stringify({ origin: e.origin, details: e.details }, null, 2)}</pre>
          </td>
        </tr>
      )}
    </>
  );
}
