import { useState } from 'react';
import { apiPost } from './api-client.js';
import type { Run } from './api-types.js';
import { ErrorBox } from './error-box.js';
import { stateLabel } from './run-state-style.js';

/** Repair: choose the tasks to run again (failed ones preselected), then runs/repair. */
export function RepairDialog({ run, onClose, onRepaired }: { run: Run; onClose: () => void; onRepaired: () => void }) {
  const tasks = run.tasks ?? [];
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(tasks.filter((t) => stateLabel(t.state) !== 'SUCCESS').map((t) => t.task_key)));
  const [error, setError] = useState<unknown>(null);
  const toggle = (k: string) => {
    const next = new Set(chosen);
    if (next.has(k)) next.delete(k);
    else next.add(k);
    setChosen(next);
  };
  const repair = async () => {
    try {
      const latest = run.repair_history?.at(-1)?.id;
      await apiPost('jobs/runs/repair', { run_id: run.run_id, rerun_tasks: [...chosen], latest_repair_id: latest || undefined });
      onRepaired();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="modal" role="dialog" aria-label="Repair run">
      <div className="card">
        <h2>Repair run {run.run_id}</h2>
        <p className="muted">Runs the chosen tasks again, with the results of the others kept.</p>
        {tasks.map((t) => (
          <label key={t.task_key} className="check">
            <input type="checkbox" name={t.task_key} checked={chosen.has(t.task_key)} onChange={() => toggle(t.task_key)} /> {t.task_key} <span className="muted">{stateLabel(t.state)}</span>
          </label>
        ))}
        <ErrorBox error={error} />
        <div className="buttons">
          <button disabled={!chosen.size} onClick={() => void repair()}>Repair {chosen.size} task{chosen.size === 1 ? '' : 's'}</button>
          <button onClick={onClose}>Cancel</button>
        </div>
      </div>
    </div>
  );
}
