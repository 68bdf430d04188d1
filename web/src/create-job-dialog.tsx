import { useEffect, useState } from 'react';
import { ApiCallError, apiPost } from './api-client.js';
import type { Job, JobSettings } from './api-types.js';
import { ErrorBox } from './error-box.js';
import { JobForm } from './job-form.js';
import { fetchFullJob } from './job-form-api.js';
import { taskIndexOfError } from './job-form-model.js';
import { useJobSettingsEditor, type JobSettingsEditor } from './job-form-state.js';
import { hrefOf } from './use-hash-route.js';
import './job-form.css';

const TEMPLATE: JobSettings = { name: 'my-job', tasks: [{ task_key: 'hello', shell_task: { command: 'echo hello' } }] };

/**
 * Creates a job, or edits one (`job` given: jobs/reset with the full settings). A form and a JSON/YAML editor side by
 * side edit the same settings object: a form edit rewrites the text, a text edit that parses updates the form, and
 * fields the form does not know stay in the object. The API validates on save; its message is shown verbatim and
 * the task it names is marked in the form.
 */
export function JobEditorDialog({ job, onClose, onSaved }: { job?: Job; onClose: () => void; onSaved?: () => void }) {
  const ed = useJobSettingsEditor(job?.settings ?? TEMPLATE);
  const [error, setError] = useState<unknown>(null);
  const editing = job !== undefined;
  // Editing starts from every page of the job's settings (jobs/get answers 100 tasks per call).
  const [loaded, setLoaded] = useState(!editing);
  useEffect(() => {
    if (!job) return;
    fetchFullJob(job.job_id).then((full) => {
      ed.reset(full.settings);
      setLoaded(true);
    }, setError);
    // Not on `ed`, which is new each render: the job is loaded once.
  }, [job]);
  const save = async () => {
    if (ed.parseError) return setError(new Error(ed.parseError));
    try {
      if (editing) {
        await apiPost('jobs/reset', { job_id: job.job_id, new_settings: ed.settings });
        onSaved?.();
      } else {
        const r = await apiPost<{ job_id: number }>('jobs/create', ed.settings);
        location.hash = hrefOf({ page: 'job', jobId: r.job_id });
      }
    } catch (e) {
      setError(e);
    }
  };
  const invalidTask = error instanceof ApiCallError ? taskIndexOfError(error.message) : undefined;
  return (
    <div className="modal" role="dialog" aria-label={editing ? 'Edit job' : 'Create job'}>
      <div className="card job-editor">
        <h2>{editing ? `Edit ${job.settings.name ?? `job ${job.job_id}`}` : 'Create a job'}</h2>
        <div className="job-editor-panes">
          <div className="job-editor-form">
            <h3>Form</h3>
            {!loaded && <p className="muted">Loading the job's settings…</p>}
            {loaded && ed.parseError && <p className="muted">Fix the text on the right to edit with the form again.</p>}
            {loaded && !ed.parseError && <JobForm settings={ed.settings} invalidTask={invalidTask} onChange={ed.fromForm} />}
          </div>
          <SettingsTextPane ed={ed} disabled={!loaded} body={editing ? 'jobs/reset new_settings' : 'jobs/create'} />
        </div>
        <ErrorBox error={error} />
        <div className="buttons">
          <button disabled={!loaded} onClick={() => void save()}>{editing ? 'Save' : 'Create'}</button>
          <button onClick={onClose}>Cancel</button>
        </div>
      </div>
    </div>
  );
}

function SettingsTextPane({ ed, disabled, body }: { ed: JobSettingsEditor; disabled: boolean; body: string }) {
  return (
    <div className="job-editor-text">
      <div className="tabs">
        {(['yaml', 'json'] as const).map((f) => (
          <button key={f} className={ed.format === f ? 'tab active' : 'tab'} onClick={() => ed.setFormat(f)}>{f.toUpperCase()}</button>
        ))}
        <span className="muted">full settings (the body of <code>{body}</code>)</span>
      </div>
      <textarea aria-label="Job settings" spellCheck={false} disabled={disabled} value={ed.text} onChange={(e) => ed.fromText(e.target.value)} />
      {ed.parseError && <p className="error" data-testid="parse-error">{ed.parseError}</p>}
    </div>
  );
}

/** The jobs list's "Create job" dialog. */
export function CreateJobDialog({ onClose }: { onClose: () => void }) {
  return <JobEditorDialog onClose={onClose} />;
}
