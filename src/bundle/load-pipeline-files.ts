import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { WeirError } from '../domain/weir-error.js';
import type { PipelineService } from '../pipelines/pipeline-service.js';

/** Names of pipeline settings files: `<name>.pipeline.yml|yaml|json`, beside job files. */
export const PIPELINE_FILE = /\.pipeline\.(ya?ml|json)$/;

/**
 * Deploys every pipeline file in `dir` (one PipelineSpec each, the body of POST /api/2.0/pipelines): a pipeline
 * with the same name gets the new settings, others are created. Library paths resolve against the file's folder.
 * Returns the pipeline ids by name.
 */
export async function loadPipelineFiles(pipelines: PipelineService, dir: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const f of readdirSync(dir).filter((x) => PIPELINE_FILE.test(x)).sort()) {
    const file = join(dir, f);
    const doc = parseDocument(readFileSync(file, 'utf8'));
    if (doc.errors.length) throw new WeirError('JOB.FILE', `${file}: not valid YAML/JSON: ${doc.errors[0].message.split('\n')[0]}`);
    const spec = { name: f.replace(PIPELINE_FILE, ''), ...(doc.toJS() as Record<string, unknown>) };
    const name = String(spec.name);
    try {
      const existing = await pipelines.store.findPipelineByName(name);
      if (existing) {
        await pipelines.edit(existing.pipeline_id, spec);
        await pipelines.store.savePipeline({ ...(await pipelines.require(existing.pipeline_id)), source_dir: dirname(file) });
        ids.set(name, existing.pipeline_id);
      } else {
        ids.set(name, (await pipelines.create(spec, { sourceDir: dirname(file) })).pipeline_id);
      }
    } catch (e) {
      throw new WeirError('JOB.FILE', `${file}: ${(e as Error).message}`, { cause: e });
    }
  }
  return ids;
}
