import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { PIPELINE_FILE } from '../bundle/load-pipeline-files.js';
import type { PipelineService } from '../pipelines/pipeline-service.js';

/**
 * The pipeline a local command works on: a settings file (`*.pipeline.yml|json`), one SQL/TS file, or a folder of
 * them (named after the folder, every .sql/.ts file below it). Created, or updated when one with that name exists.
 */
export async function deployLocalPipeline(pipelines: PipelineService, target: string): Promise<{ id: string; name: string }> {
  const path = resolve(target);
  if (!existsSync(path)) throw new Error(`${target}: no such file or folder; give a *.pipeline.yml, a .sql/.ts file or a folder of them`);
  let spec: Record<string, unknown>;
  let sourceDir: string;
  if (statSync(path).isDirectory()) {
    spec = { name: basename(path), libraries: [{ glob: { include: `${path}/**` } }] };
    sourceDir = path;
  } else if (PIPELINE_FILE.test(path)) {
    const doc = parseDocument(readFileSync(path, 'utf8'));
    if (doc.errors.length) throw new Error(`${target}: not valid YAML/JSON: ${doc.errors[0].message.split('\n')[0]}`);
    spec = { name: basename(path).replace(PIPELINE_FILE, ''), ...(doc.toJS() as Record<string, unknown>) };
    sourceDir = dirname(path);
  } else {
    spec = { name: basename(path).replace(/\.(sql|ts)$/, ''), libraries: [{ file: { path } }] };
    sourceDir = dirname(path);
  }
  const name = String(spec.name);
  const existing = await pipelines.store.findPipelineByName(name);
  if (existing) {
    await pipelines.edit(existing.pipeline_id, spec);
    await pipelines.store.savePipeline({ ...(await pipelines.require(existing.pipeline_id)), source_dir: sourceDir });
    return { id: existing.pipeline_id, name };
  }
  return { id: (await pipelines.create(spec, { sourceDir, creator: 'cli' })).pipeline_id, name };
}
