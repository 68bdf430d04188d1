import { WeirError } from './weir-error.js';
import type { JobSettings } from './job-settings.js';
import { taskKindOf, UNSUPPORTED_TASK_KINDS, type Task } from './task.js';

/**
 * Validates the task graph of a job: one kind per task, unique keys, known dependencies, outcome edges only
 * from condition tasks, valid for_each nesting, no cycles. Throws a WeirError naming the field path.
 */
export function validateJobGraph(settings: JobSettings): void {
  const tasks = settings.tasks ?? [];
  const byKey = new Map<string, Task>();
  tasks.forEach((t, i) => {
    if (byKey.has(t.task_key)) {
      throw new WeirError(
        'JOB.DUPLICATE_TASK_KEY',
        `tasks[${i}].task_key: duplicate task_key "${t.task_key}"; every task in a job needs its own key`,
        { params: { task_key: t.task_key } },
      );
    }
    byKey.set(t.task_key, t);
    checkKind(t as Record<string, unknown>, `tasks[${i}]`);
    if (t.for_each_task) {
      const nested = t.for_each_task.task as Record<string, unknown>;
      if (nested.for_each_task !== undefined) {
        throw new WeirError(
          'JOB.INVALID_FOR_EACH',
          `tasks[${i}].for_each_task.task: a for_each_task cannot contain another for_each_task; move the inner loop into a run_job_task`,
          { params: { task_key: t.task_key } },
        );
      }
      if (nested.depends_on !== undefined && (nested.depends_on as unknown[]).length > 0) {
        throw new WeirError(
          'JOB.INVALID_FOR_EACH',
          `tasks[${i}].for_each_task.task.depends_on: the nested task of a for_each_task cannot have dependencies; put depends_on on the for_each task "${t.task_key}"`,
          { params: { task_key: t.task_key } },
        );
      }
      checkKind(nested, `tasks[${i}].for_each_task.task`);
    }
  });
  tasks.forEach((t, i) => {
    (t.depends_on ?? []).forEach((d, j) => {
      const parent = byKey.get(d.task_key);
      if (!parent) {
        throw new WeirError(
          'JOB.UNKNOWN_DEPENDENCY',
          `tasks[${i}].depends_on[${j}].task_key: task "${t.task_key}" depends on "${d.task_key}", which is not a task of this job (known: ${[...byKey.keys()].join(', ')})`,
          { params: { task_key: t.task_key, depends_on: d.task_key } },
        );
      }
      if (d.outcome !== undefined && !parent.condition_task) {
        throw new WeirError(
          'JOB.OUTCOME_ON_NON_CONDITION',
          `tasks[${i}].depends_on[${j}].outcome: "${d.task_key}" is not a condition_task, so the edge cannot have an outcome; remove "outcome" or make "${d.task_key}" a condition_task`,
          { params: { task_key: t.task_key, depends_on: d.task_key } },
        );
      }
    });
  });
  const cycle = findCycle(tasks);
  if (cycle) {
    throw new WeirError(
      'JOB.CYCLE',
      `tasks: the dependencies form a cycle: ${cycle.join(' -> ')}; remove one of these depends_on edges`,
      { params: { cycle } },
    );
  }
}

function checkKind(task: Record<string, unknown>, path: string): void {
  const present = Object.keys(task).filter(
    (k) => k.endsWith('_task') && task[k] !== undefined && task[k] !== null,
  );
  const unsupported = present.find((k) => (UNSUPPORTED_TASK_KINDS as readonly string[]).includes(k));
  if (unsupported) {
    throw new WeirError(
      'JOB.TASK_KIND',
      `${path}.${unsupported}: weir cannot run ${unsupported} tasks; use notebook_task, spark_python_task, python_wheel_task, spark_jar_task, sql_task, run_job_task, condition_task, for_each_task, shell_task or node_task`,
    );
  }
  if (present.length !== 1 || !taskKindOf(task)) {
    throw new WeirError(
      'JOB.TASK_KIND',
      present.length === 0
        ? `${path}: the task has no task type; set exactly one of notebook_task, spark_python_task, python_wheel_task, spark_jar_task, sql_task, pipeline_task, run_job_task, condition_task, for_each_task, shell_task, node_task`
        : `${path}: the task sets ${present.join(' and ')}; a task has exactly one task type`,
    );
  }
}

/** Returns one cycle as [a, b, …, a] in dependency order, or undefined. */
export function findCycle(tasks: readonly Task[]): string[] | undefined {
  const deps = new Map(tasks.map((t) => [t.task_key, (t.depends_on ?? []).map((d) => d.task_key)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (key: string): string[] | undefined => {
    state.set(key, 'visiting');
    stack.push(key);
    for (const d of deps.get(key) ?? []) {
      const s = state.get(d);
      if (s === 'visiting') return [...stack.slice(stack.indexOf(d)), d];
      if (s === undefined && deps.has(d)) {
        const c = visit(d);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(key, 'done');
    return undefined;
  };
  for (const t of tasks) {
    if (!state.has(t.task_key)) {
      const c = visit(t.task_key);
      if (c) return c.reverse();
    }
  }
  return undefined;
}
