import type { JobParameter, JobSettings, TaskSettings } from './api-types.js';
import { emailList, emailsOf, freshTaskKey, removeTask, renameTask, setIn } from './job-form-model.js';
import { CHECKBOX_LIMIT, JobFormTask, TASK_KEYS_LIST } from './job-form-task.js';

const EVENTS: [string, string][] = [['on_start', 'On start'], ['on_success', 'On success'], ['on_failure', 'On failure']];

function Parameters({ s, onChange }: { s: JobSettings; onChange: (s: JobSettings) => void }) {
  const params = s.parameters ?? [];
  const set = (next: JobParameter[]) => onChange(setIn(s, ['parameters'], next.length ? next : undefined));
  return (
    <fieldset className="form-section">
      <legend>Parameters</legend>
      {params.map((p, i) => (
        <div key={i} className="form-row">
          <input aria-label={`Parameter ${i + 1} name`} placeholder="name" value={p.name} onChange={(e) => set(params.map((q, j) => (j === i ? { ...q, name: e.target.value } : q)))} />
          <input aria-label={`Parameter ${i + 1} default`} placeholder="default" value={p.default} onChange={(e) => set(params.map((q, j) => (j === i ? { ...q, default: e.target.value } : q)))} />
          <button onClick={() => set(params.filter((_, j) => j !== i))}>Remove</button>
        </div>
      ))}
      <button onClick={() => set([...params, { name: '', default: '' }])}>Add parameter</button>
    </fieldset>
  );
}

function Schedule({ s, onChange }: { s: JobSettings; onChange: (s: JobSettings) => void }) {
  const sch = s.schedule;
  const set = (field: string, v: string) => onChange(setIn(s, ['schedule', field], v));
  return (
    <fieldset className="form-section">
      <legend>Schedule</legend>
      <label className="check-inline">
        <input
          type="checkbox"
          aria-label="Scheduled"
          checked={!!sch}
          onChange={(e) => onChange(setIn(s, ['schedule'], e.target.checked ? { quartz_cron_expression: '0 0 6 * * ?', timezone_id: 'UTC', pause_status: 'UNPAUSED' } : undefined))}
        />{' '}
        Run on a schedule (Quartz cron)
      </label>
      {sch && (
        <div className="form-row">
          <label>Cron <input aria-label="Cron expression" value={sch.quartz_cron_expression ?? ''} onChange={(e) => set('quartz_cron_expression', e.target.value)} /></label>
          <label>Time zone <input aria-label="Time zone" value={sch.timezone_id ?? ''} onChange={(e) => set('timezone_id', e.target.value)} /></label>
          <label>
            Status{' '}
            <select aria-label="Schedule status" value={sch.pause_status ?? 'UNPAUSED'} onChange={(e) => set('pause_status', e.target.value)}>
              <option>UNPAUSED</option>
              <option>PAUSED</option>
            </select>
          </label>
        </div>
      )}
    </fieldset>
  );
}

function Notifications({ s, onChange }: { s: JobSettings; onChange: (s: JobSettings) => void }) {
  return (
    <fieldset className="form-section">
      <legend>Email notifications</legend>
      {EVENTS.map(([event, label]) => (
        <label key={event} className="form-field">
          {label}{' '}
          <input aria-label={`Email ${label.toLowerCase()}`} placeholder="a@example.com, b@example.com" value={emailsOf(s, event)} onChange={(e) => onChange(setIn(s, ['email_notifications', event], emailList(e.target.value)))} />
        </label>
      ))}
      <p className="muted">Webhook, Slack, Teams and PagerDuty destinations (webhook_notifications) are edited in JSON or YAML.</p>
    </fieldset>
  );
}

/** The job settings as a form: name, tasks (kind, main fields, dependencies), parameters, schedule, notifications. */
export function JobForm({ settings, invalidTask, onChange }: { settings: JobSettings; invalidTask?: number; onChange: (s: JobSettings) => void }) {
  const tasks = settings.tasks ?? [];
  const setTask = (i: number, t: TaskSettings) => onChange({ ...settings, tasks: tasks.map((x, j) => (j === i ? t : x)) });
  const addTask = () => onChange({ ...settings, tasks: [...tasks, { task_key: freshTaskKey(tasks), shell_task: { command: 'echo hello' } }] });
  return (
    <div className="job-form" data-testid="job-form">
      <label className="form-field">Name <input aria-label="Job name" value={settings.name ?? ''} onChange={(e) => onChange(setIn(settings, ['name'], e.target.value || undefined))} /></label>
      <fieldset className="form-section">
        <legend>Tasks</legend>
        {tasks.map((t, i) => (
          <JobFormTask
            key={i}
            task={t}
            invalid={invalidTask === i}
            others={tasks.filter((_, j) => j !== i).map((o) => o.task_key)}
            onChange={(next) => setTask(i, next)}
            onRename={(key) => onChange(renameTask(settings, i, key))}
            onRemove={() => onChange(removeTask(settings, i))}
          />
        ))}
        <button onClick={addTask}>Add task</button>
        {tasks.length > CHECKBOX_LIMIT + 1 && <datalist id={TASK_KEYS_LIST}>{tasks.map((t, i) => <option key={i} value={t.task_key} />)}</datalist>}
      </fieldset>
      <Parameters s={settings} onChange={onChange} />
      <Schedule s={settings} onChange={onChange} />
      <Notifications s={settings} onChange={onChange} />
    </div>
  );
}
