import { parse, stringify } from 'yaml';
import type { JobSettings, TaskSettings } from './api-types.js';

/** A field of a task kind that the form edits; `path` is inside the kind's object (e.g. ['file', 'path']). */
export interface KindField {
  label: string;
  path: string[];
  /** Number fields are sent as numbers (run_job_task.job_id, for_each_task.concurrency). */
  type?: 'text' | 'number' | 'textarea' | 'op';
}

/** The task kinds the form offers, each with the fields it edits; other fields of a kind survive untouched. */
export const KIND_FIELDS: Record<string, KindField[]> = {
  notebook_task: [{ label: 'Notebook path', path: ['notebook_path'] }],
  spark_python_task: [{ label: 'Python file', path: ['python_file'] }],
  python_script_task: [{ label: 'Python file', path: ['python_file'] }],
  sql_task: [{ label: 'SQL file', path: ['file', 'path'] }, { label: 'or query', path: ['query', 'query'], type: 'textarea' }],
  shell_task: [{ label: 'Command', path: ['command'], type: 'textarea' }],
  node_task: [{ label: 'Script', path: ['script'] }],
  pipeline_task: [{ label: 'Pipeline id', path: ['pipeline_id'] }],
  run_job_task: [{ label: 'Job id', path: ['job_id'], type: 'number' }],
  condition_task: [{ label: 'Left', path: ['left'] }, { label: 'Operator', path: ['op'], type: 'op' }, { label: 'Right', path: ['right'] }],
  for_each_task: [{ label: 'Inputs (JSON array or reference)', path: ['inputs'] }, { label: 'Concurrency', path: ['concurrency'], type: 'number' }],
  python_wheel_task: [{ label: 'Package', path: ['package_name'] }, { label: 'Entry point', path: ['entry_point'] }],
  spark_jar_task: [{ label: 'Main class', path: ['main_class_name'] }],
};

/** The operators of condition_task. */
export const CONDITION_OPS = ['EQUAL_TO', 'NOT_EQUAL', 'GREATER_THAN', 'GREATER_THAN_OR_EQUAL', 'LESS_THAN', 'LESS_THAN_OR_EQUAL'];

/** The kinds the form offers, in the order of the select. */
export const FORM_KINDS = Object.keys(KIND_FIELDS);

/** The kind of a task: the first `*_task` key it has (undefined for none). */
export function kindOf(task: TaskSettings): string | undefined {
  return Object.keys(task).find((k) => k.endsWith('_task') && task[k] !== undefined && task[k] !== null);
}

/** A task switched to another kind: the old kind's object goes, a new one with the kind's required shape comes. */
export function withKind(task: TaskSettings, kind: string): TaskSettings {
  const old = kindOf(task);
  const { [old ?? '']: _dropped, ...rest } = task;
  const fresh: Record<string, unknown> = kind === 'condition_task' ? { op: 'EQUAL_TO', left: '', right: '' } : kind === 'for_each_task' ? { inputs: '[]', task: { task_key: `${task.task_key}_iteration`, shell_task: { command: 'echo {{input}}' } } } : {};
  return { ...rest, [kind]: fresh } as TaskSettings;
}

/** The value at `path` inside an object, or undefined. */
export function getIn(o: unknown, path: string[]): unknown {
  let cur = o;
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur;
}

/** A copy of `o` with `path` set to `value` (removed when value is undefined), every other field kept. */
export function setIn<T>(o: T, path: string[], value: unknown): T {
  const [head, ...rest] = path;
  const base = (o && typeof o === 'object' ? o : {}) as Record<string, unknown>;
  const next = rest.length ? setIn(base[head], rest, value) : value;
  const out = { ...base };
  if (next === undefined || (rest.length && typeof next === 'object' && next !== null && Object.keys(next).length === 0)) delete out[head];
  else out[head] = next;
  return out as T;
}

/** A task key not used by `tasks` (task_1, task_2…). */
export function freshTaskKey(tasks: TaskSettings[]): string {
  const used = new Set(tasks.map((t) => t.task_key));
  let n = tasks.length + 1;
  while (used.has(`task_${n}`)) n++;
  return `task_${n}`;
}

/** Settings without a task: its entry and every depends_on that named it. */
export function removeTask(s: JobSettings, index: number): JobSettings {
  const tasks = s.tasks ?? [];
  const key = tasks[index]?.task_key;
  const rest = tasks.filter((_, i) => i !== index).map((t) => {
    if (!t.depends_on?.some((d) => d.task_key === key)) return t;
    const deps = t.depends_on.filter((d) => d.task_key !== key);
    return deps.length ? { ...t, depends_on: deps } : setIn(t, ['depends_on'], undefined);
  });
  return { ...s, tasks: rest };
}

/** Settings with a task renamed, and the depends_on entries that named it following. */
export function renameTask(s: JobSettings, index: number, key: string): JobSettings {
  const tasks = s.tasks ?? [];
  const old = tasks[index]?.task_key;
  return {
    ...s,
    tasks: tasks.map((t, i) => {
      if (i === index) return { ...t, task_key: key };
      if (!t.depends_on?.some((d) => d.task_key === old)) return t;
      return { ...t, depends_on: t.depends_on.map((d) => (d.task_key === old ? { ...d, task_key: key } : d)) };
    }),
  };
}

/** Email lists are edited as comma-separated text. */
export function emailsOf(s: JobSettings, event: string): string {
  return ((getIn(s, ['email_notifications', event]) as string[] | undefined) ?? []).join(', ');
}

/** The list of a comma-separated text (undefined when empty, so the field goes away). */
export function emailList(text: string): string[] | undefined {
  const list = text.split(',').map((e) => e.trim()).filter(Boolean);
  return list.length ? list : undefined;
}

/** The text form of settings in JSON or YAML. */
export function settingsText(s: JobSettings, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(s, null, 2) : stringify(s);
}

/** Parses settings text (YAML, which JSON is a subset of); the error says what and where. */
export function parseSettingsText(text: string): JobSettings {
  let v: unknown;
  try {
    v = parse(text);
  } catch (e) {
    throw new Error(`The settings are not valid YAML or JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('The settings must be an object (name, tasks, …), not a list or a single value.');
  return v as JobSettings;
}

/** The index of the task an API error names (`tasks[2].…`), to mark it in the form. */
export function taskIndexOfError(message: string): number | undefined {
  const m = /(?:^|[^.\w])tasks\[(\d+)\]/.exec(message);
  return m ? Number(m[1]) : undefined;
}
