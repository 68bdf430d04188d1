import { useCallback, useEffect, useState } from 'react';
import { ErrorBox } from './error-box.js';
import { fetchJobAcl, JOB_LEVELS, patchJobAcl, type AclEntryWire, type JobLevel, type JobPermissionsWire } from './job-permissions-api.js';

const KINDS = { user_name: 'User', group_name: 'Group', service_principal_name: 'Service principal' } as const;
type Kind = keyof typeof KINDS;

function kindOf(e: AclEntryWire): Kind {
  return e.user_name !== undefined ? 'user_name' : e.group_name !== undefined ? 'group_name' : 'service_principal_name';
}

/** The permissions tab of a job page: who may view, run and manage the job; editable by CAN_MANAGE holders. */
export function JobPermissionsTab({ jobId, canManage, onChanged }: { jobId: number; canManage: boolean; onChanged?: () => void }) {
  const [acl, setAcl] = useState<JobPermissionsWire | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => fetchJobAcl(jobId).then((a) => (setAcl(a), setError(null)), setError), [jobId]);
  useEffect(() => void load(), [load]);
  const change = async (entry: Record<string, string>) => {
    try {
      setAcl(await patchJobAcl(jobId, [entry]));
      setError(null);
      onChanged?.();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="job-permissions">
      <ErrorBox error={error} />
      {!acl && !error && <p className="muted">Loading permissions…</p>}
      {acl && (
        <table className="jobs" aria-label="Job permissions">
          <thead>
            <tr><th>Principal</th><th>Kind</th><th>Permission</th></tr>
          </thead>
          <tbody>
            {(acl.access_control_list ?? []).map((e) => <AclRow key={`${kindOf(e)}:${e[kindOf(e)] ?? ''}`} entry={e} canManage={canManage} onChange={(x) => void change(x)} />)}
          </tbody>
        </table>
      )}
      {acl && canManage && <GrantForm onGrant={(kind, name, level) => void change({ [kind]: name, permission_level: level })} />}
      {acl && !canManage && <p className="muted">Only owners and CAN_MANAGE holders change these permissions.</p>}
    </div>
  );
}

/** One principal of the ACL; its level is a select for CAN_MANAGE holders (not for the owner or inherited entries). */
function AclRow({ entry: e, canManage, onChange }: { entry: AclEntryWire; canManage: boolean; onChange: (entry: Record<string, string>) => void }) {
  const kind = kindOf(e);
  const name = e[kind] ?? '';
  const p = e.all_permissions?.[0];
  // The owner changes by granting IS_OWNER to someone else (the server keeps exactly one owner).
  const editable = canManage && p && !p.inherited && p.permission_level !== 'IS_OWNER';
  return (
    <tr data-principal={name}>
      <td>{name}</td>
      <td>{KINDS[kind]}</td>
      <td>
        {editable ? (
          <select aria-label={`Permission of ${name}`} value={p.permission_level} onChange={(ev) => onChange({ [kind]: name, permission_level: ev.target.value })}>
            {JOB_LEVELS.map((l) => <option key={l} value={l}>{l}</option>)}
          </select>
        ) : (
          <>{p?.permission_level}{p?.inherited && <span className="muted"> (all jobs)</span>}</>
        )}
      </td>
    </tr>
  );
}

/** Adds one principal with a level (PATCH keeps every other entry). */
function GrantForm({ onGrant }: { onGrant: (kind: Kind, name: string, level: JobLevel) => void }) {
  const [kind, setKind] = useState<Kind>('user_name');
  const [name, setName] = useState('');
  const [level, setLevel] = useState<JobLevel>('CAN_VIEW');
  return (
    <form className="actions" style={{ marginTop: 8 }} onSubmit={(e) => { e.preventDefault(); if (name.trim()) onGrant(kind, name.trim(), level); setName(''); }}>
      <select aria-label="Principal kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
        {(Object.keys(KINDS) as Kind[]).map((k) => <option key={k} value={k}>{KINDS[k]}</option>)}
      </select>
      <input aria-label="Principal name" placeholder={kind === 'group_name' ? 'users' : kind === 'user_name' ? 'user name' : 'application id'} value={name} onChange={(e) => setName(e.target.value)} />
      <select aria-label="New permission" value={level} onChange={(e) => setLevel(e.target.value as JobLevel)}>
        {JOB_LEVELS.map((l) => <option key={l} value={l}>{l}</option>)}
      </select>
      <button type="submit">Grant</button>
    </form>
  );
}
