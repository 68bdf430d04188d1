import { useState } from 'react';
import { shortName, typeLabel, type DatasetNode } from './pipeline-model.js';

/** Choose tables to refresh (refresh_selection) or to refresh fully (full_refresh_selection). */
export function PipelineRefreshDialog({ datasets, onStart, onClose }: { datasets: DatasetNode[]; onStart: (tables: string[], full: boolean) => void; onClose: () => void }) {
  const tables = datasets.filter((d) => d.type !== 'EXTERNAL' && d.type !== 'VIEW');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [full, setFull] = useState(false);
  const toggle = (id: string) => {
    const next = new Set(chosen);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setChosen(next);
  };
  const n = chosen.size;
  return (
    <div className="modal" role="dialog" aria-label="Refresh selected tables">
      <div className="card pl-dialog">
        <h2>Refresh selected tables</h2>
        <p className="muted">Only the chosen tables are updated; the others keep their data (their flows are EXCLUDED).</p>
        <div className="pl-choices">
          {tables.map((d) => (
            <label key={d.id} className="check" title={d.id}>
              <input type="checkbox" name={d.id} checked={chosen.has(d.id)} onChange={() => toggle(d.id)} /> {shortName(d.id)} <span className="muted">{typeLabel(d.type)}</span>
            </label>
          ))}
        </div>
        <label className="check">
          <input type="checkbox" checked={full} onChange={(e) => setFull(e.target.checked)} /> Full refresh: clear the chosen tables and their checkpoints, then recompute them from all input
        </label>
        <div className="buttons">
          <button disabled={!n} onClick={() => onStart([...chosen], full)}>{full ? 'Full refresh' : 'Refresh'} {n} table{n === 1 ? '' : 's'}</button>
          <button onClick={onClose}>Cancel</button>
        </div>
      </div>
    </div>
  );
}
