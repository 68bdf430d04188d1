import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JobStore } from '../store/ports/job-store.js';
import { readJobFile } from './job-file.js';
import { PIPELINE_FILE } from './load-pipeline-files.js';

/**
 * Deploys every job file (*.yml, *.yaml, *.json) in `dir`: a job with the same name is updated in place, others
 * are created. Pipeline files (*.pipeline.yml) are left to loadPipelineFiles. Returns the job ids by name.
 */
export async function loadJobFiles(store: JobStore, dir: string, now: number): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f) && !PIPELINE_FILE.test(f)).sort();
  for (const f of files) {
    const jf = readJobFile(join(dir, f));
    const name = jf.settings.name ?? f;
    const existing = await store.findJobByName(name);
    if (existing) {
      await store.replaceSettings(existing.job_id, jf.settings);
      ids.set(name, existing.job_id);
    } else {
      ids.set(name, await store.createJob({ settings: { ...jf.settings, name }, creator_user_name: 'admin', created_time: now, source_dir: jf.sourceDir }));
    }
  }
  return ids;
}
