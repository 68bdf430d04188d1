import { useState } from 'react';
import type { TaskSettings } from './api-types.js';
import { CONDITION_OPS, FORM_KINDS, getIn, KIND_FIELDS, kindOf, setIn, withKind, type KindField } from './job-form-model.js';

/** The value a form field stores: empty text removes the field, number fields become numbers when they are ones. */
function fieldValue(raw: string, f: KindField): unknown {
  if (raw === '') return undefined;
  if (f.type === 'number') return /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  return raw;
}

function KindInput({ task, kind, f, onChange }: { task: TaskSettings; kind: string; f: KindField; onChange: (t: TaskSettings) => void }) {
  const value = getIn(task[kind], f.path);
  const set = (raw: string) => {
    const next = setIn(task, [kind, ...f.path], fieldValue(raw, f));
    // Clearing the last field must not drop the kind itself (the API then says which field is missing).
    onChange(next[kind] === undefined ? { ...next, [kind]: {} } : next);
  };
  const text = value === undefined || value === null ? '' : String(value);
  const label = `${task.task_key} ${f.label}`;
  if (f.type === 'op') {
    return <select aria-label={label} value={text} onChange={(e) => set(e.target.value)}>{CONDITION_OPS.map((op) => <option key={op}>{op}</option>)}</select>;
  }
  if (f.type === 'textarea') return <textarea aria-label={label} rows={2} value={text} onChange={(e) => set(e.target.value)} />;
  return <input aria-label={label} value={text} onChange={(e) => set(e.target.value)} />;
}

/** Above this many other tasks, dependencies are chips and one input: checkboxes would make tasks² elements. */
export const CHECKBOX_LIMIT = 15;
/** The id of the datalist of task keys that JobForm renders for the dependency inputs of large jobs. */
export const TASK_KEYS_LIST = 'job-form-task-keys';

function DependsOn({ task, others, deps, toggle }: { task: TaskSettings; others: string[]; deps: Set<string>; toggle: (key: string, on: boolean) => void }) {
  const [adding, setAdding] = useState('');
  if (others.length <= CHECKBOX_LIMIT) {
    return (
      <div className="form-deps">
        Depends on:{' '}
        {others.map((k) => (
          <label key={k} className="check-inline">
            <input type="checkbox" aria-label={`${task.task_key} depends on ${k}`} checked={deps.has(k)} onChange={(e) => toggle(k, e.target.checked)} /> {k}
          </label>
        ))}
      </div>
    );
  }
  const known = others.includes(adding.trim());
  const add = () => {
    if (!known) return;
    toggle(adding.trim(), true);
    setAdding('');
  };
  return (
    <div className="form-deps">
      Depends on:{' '}
      {[...deps].map((k) => (
        <span key={k} className="dep-chip">{k} <button className="link" aria-label={`${task.task_key}: remove dependency ${k}`} onClick={() => toggle(k, false)}>×</button></span>
      ))}
      <input list={TASK_KEYS_LIST} aria-label={`${task.task_key} add dependency`} placeholder="task key" value={adding} onChange={(e) => setAdding(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && add()} />
      <button disabled={!known} onClick={add}>Add</button>
      {adding.trim() && !known && <span className="muted"> no other task is called “{adding.trim()}”</span>}
    </div>
  );
}

/** One task of the form: key, kind and its main fields, dependencies; fields the form does not show are kept. */
export function JobFormTask(props: { task: TaskSettings; others: string[]; invalid: boolean; onChange: (t: TaskSettings) => void; onRename: (key: string) => void; onRemove: () => void }) {
  const { task, others, onChange } = props;
  const kind = kindOf(task);
  const deps = new Set((task.depends_on ?? []).map((d) => d.task_key));
  const toggle = (key: string, on: boolean) => {
    const kept = (task.depends_on ?? []).filter((d) => d.task_key !== key);
    const next = on ? [...(task.depends_on ?? []), { task_key: key }] : kept;
    onChange(setIn(task, ['depends_on'], next.length ? next : undefined));
  };
  return (
    <fieldset className={`form-task${props.invalid ? ' invalid' : ''}`} data-testid="form-task" data-task={task.task_key}>
      <div className="form-row">
        <label>Task key <input aria-label="Task key" value={task.task_key ?? ''} onChange={(e) => props.onRename(e.target.value)} /></label>
        <label>
          Kind{' '}
          <select aria-label={`${task.task_key} kind`} value={kind ?? ''} onChange={(e) => onChange(withKind(task, e.target.value))}>
            {!kind && <option value="">(choose)</option>}
            {kind && !FORM_KINDS.includes(kind) && <option value={kind}>{kind}</option>}
            {FORM_KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
          </select>
        </label>
        <button className="danger" onClick={props.onRemove}>Remove task</button>
      </div>
      {kind && (KIND_FIELDS[kind] ?? []).map((f) => (
        <label key={f.path.join('.')} className="form-field">{f.label} <KindInput task={task} kind={kind} f={f} onChange={onChange} /></label>
      ))}
      {kind && !KIND_FIELDS[kind] && <p className="muted">Edit the fields of {kind} in JSON or YAML; the form keeps them.</p>}
      {kind === 'for_each_task' && <p className="muted">The nested task of each iteration is edited in JSON or YAML.</p>}
      {others.length > 0 && <DependsOn task={task} others={others} deps={deps} toggle={toggle} />}
    </fieldset>
  );
}
