import { useState } from 'react';
import { parse } from 'yaml';
import { apiPost } from './api-client.js';
import { ErrorBox } from './error-box.js';
import { hrefOf } from './use-hash-route.js';

const TEMPLATE = `name: my-job
tasks:
  - task_key: hello
    shell_task:
      command: echo hello
`;

/** Creates a job from full JobSettings in YAML or JSON; the API validates them and its message is shown verbatim. */
export function CreateJobDialog({ onClose }: { onClose: () => void }) {
  const [text, setText] = useState(TEMPLATE);
  const [error, setError] = useState<unknown>(null);
  const create = async () => {
    let settings: unknown;
    try {
      settings = parse(text);
    } catch (e) {
      setError(new Error(`The settings are not valid YAML or JSON: ${(e as Error).message}`));
      return;
    }
    try {
      const r = await apiPost<{ job_id: number }>('jobs/create', settings);
      location.hash = hrefOf({ page: 'job', jobId: r.job_id });
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="modal" role="dialog" aria-label="Create job">
      <div className="card wide">
        <h2>Create a job</h2>
        <p className="muted">Job settings as YAML or JSON (the body of <code>jobs/create</code>).</p>
        <textarea aria-label="Job settings" spellCheck={false} rows={18} value={text} onChange={(e) => setText(e.target.value)} />
        <ErrorBox error={error} />
        <div className="buttons">
          <button onClick={() => void create()}>Create</button>
          <button onClick={onClose}>Cancel</button>
        </div>
      </div>
    </div>
  );
}
