import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { JobStore } from '../store/ports/job-store.js';
import type { PipelineEventRecord, PipelineStore } from '../store/ports/pipeline-store.js';
import type { JobRecord } from '../store/records.js';
import type { JobLineage, JobTableLink, LineageFlow, PipelineLineage } from './lineage-graph.js';
import { sqlTableLinks } from './lineage-sql.js';

/** Rows read per store call while walking all pipelines or jobs. */
const BATCH = 500;
/** Definition events of one update read at most (a pipeline with more flows than this is cut, not refused). */
const MAX_DEFINITIONS = 20_000;

function flowOf(e: PipelineEventRecord): LineageFlow | undefined {
  const d = e.details.flow_definition as { output_dataset?: unknown; input_datasets?: unknown; column_lineage?: unknown } | undefined;
  if (!d || typeof d.output_dataset !== 'string') return undefined;
  const inputs = Array.isArray(d.input_datasets) ? d.input_datasets.filter((i): i is string => typeof i === 'string') : [];
  const flow: LineageFlow = { name: String(e.origin.flow_name ?? d.output_dataset), output: d.output_dataset, inputs };
  if (d.column_lineage !== undefined) flow.column_lineage = d.column_lineage;
  return flow;
}

/** One pipeline's definitions as of its latest update that wrote any (two store reads); undefined when none did. */
async function pipelineLineage(store: PipelineStore, pipelineId: string, name: string): Promise<PipelineLineage | undefined> {
  const latest = await store.listEvents(pipelineId, { eventTypes: ['flow_definition'], ascending: false, offset: 0, limit: 1 });
  const last = latest.events[0];
  if (!last) return undefined;
  const q = { eventTypes: ['flow_definition', 'dataset_definition'], ascending: true, offset: 0, limit: MAX_DEFINITIONS };
  const { events } = await store.listEvents(pipelineId, last.update_id ? { ...q, updateId: last.update_id } : q);
  const datasetTypes: Record<string, string> = {};
  for (const e of events) {
    const d = e.details.dataset_definition as { dataset_type?: unknown } | undefined;
    if (d && typeof e.origin.dataset_name === 'string') datasetTypes[e.origin.dataset_name] = String(d.dataset_type ?? 'TABLE');
  }
  const flows = events.map(flowOf).filter((f): f is LineageFlow => !!f);
  return { pipeline_id: pipelineId, name, update_id: last.update_id, timestamp: last.timestamp, datasetTypes, flows };
}

/** The latest definitions of every pipeline that has run (or validated) at least once. */
export async function readPipelineLineage(store: PipelineStore): Promise<PipelineLineage[]> {
  const out: PipelineLineage[] = [];
  for (let offset = 0; ; offset += BATCH) {
    const { pipelines, hasMore } = await store.listPipelines({ orderBy: 'id', ascending: true, offset, limit: BATCH });
    for (const p of pipelines) {
      const l = await pipelineLineage(store, p.pipeline_id, p.spec.name ?? p.pipeline_id);
      if (l) out.push(l);
    }
    if (!hasMore) return out;
  }
}

type TaskLike = { task_key: string; pipeline_task?: { pipeline_id: string }; sql_task?: { query?: { query?: string }; file?: { path: string } }; for_each_task?: { task: TaskLike } };

/** The SQL of a sql_task (inline, or its file read relative to the job's folder); undefined when unreadable. */
async function taskSql(job: JobRecord, t: TaskLike): Promise<string | undefined> {
  if (t.sql_task?.query?.query !== undefined) return t.sql_task.query.query;
  const path = t.sql_task?.file?.path;
  if (!path) return undefined;
  return readFile(isAbsolute(path) ? path : resolve(job.source_dir, path), 'utf8').catch(() => undefined);
}

/** A job's pipeline tasks and the tables its sql_tasks read and write (for_each_task bodies included). */
async function jobLineage(job: JobRecord): Promise<JobLineage> {
  const tasks = (job.settings.tasks ?? []) as TaskLike[];
  const all = tasks.flatMap((t) => (t.for_each_task?.task ? [t, { ...t.for_each_task.task, task_key: t.task_key }] : [t]));
  const out: JobLineage = { job_id: job.job_id, name: job.settings.name ?? `job ${job.job_id}`, pipelineTasks: [], tableLinks: [] };
  for (const t of all) {
    if (t.pipeline_task) out.pipelineTasks.push({ task_key: t.task_key, pipeline_id: t.pipeline_task.pipeline_id });
    if (!t.sql_task) continue;
    const sql = await taskSql(job, t);
    if (sql === undefined) continue;
    out.tableLinks.push(...sqlTableLinks(sql).map((l): JobTableLink => ({ task_key: t.task_key, ...l })));
  }
  return out;
}

/** Every job that runs a pipeline or has a sql_task touching a table. */
export async function readJobLineage(store: JobStore): Promise<JobLineage[]> {
  const out: JobLineage[] = [];
  for (let offset = 0; ; offset += BATCH) {
    const { jobs, hasMore } = await store.listJobs({ offset, limit: BATCH });
    for (const j of jobs) {
      const l = await jobLineage(j);
      if (l.pipelineTasks.length || l.tableLinks.length) out.push(l);
    }
    if (!hasMore) return out;
  }
}
