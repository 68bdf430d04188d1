import type { PipelineEvent, UpdateInfo } from './pipeline-api.js';
import { pipelineStateColor } from './pipeline-model.js';
import { shortId } from './pipeline-routes.js';
import { updateKind } from './pipeline-updates.js';

/** The update the graph shows: id, state, what it refreshed, when and why it started, and its warnings and errors. */
export function PipelineUpdateFacts({ update, problems, truncated }: { update: UpdateInfo; problems: PipelineEvent[]; truncated: boolean }) {
  const errors = problems.filter((e) => e.level === 'ERROR');
  const warnings = problems.filter((e) => e.level === 'WARN');
  return (
    <div className="pl-facts" data-testid="update-facts" data-update-id={update.update_id}>
      <span>Update <strong>{shortId(update.update_id)}</strong></span>
      <span className="pl-state" data-testid="update-state" style={{ background: pipelineStateColor(update.state) }}>{update.state}</span>
      <span data-testid="update-kind">{updateKind(update)}</span>
      <span className="muted">started {new Date(update.creation_time).toLocaleString()} by {update.cause}</span>
      {truncated && <span className="badge">more than 10,000 events: numbers may be partial</span>}
      {errors.length > 0 && (
        <div className="error pl-problems" role="alert" data-testid="update-errors">
          {errors.map((e) => <div key={e.id}>{e.error?.exceptions?.[0]?.message ?? e.message}</div>)}
        </div>
      )}
      {warnings.length > 0 && (
        <details className="pl-warnings">
          <summary>{warnings.length} warning{warnings.length === 1 ? '' : 's'}</summary>
          {warnings.map((e) => <div key={e.id} className="muted">{e.message}</div>)}
        </details>
      )}
    </div>
  );
}
