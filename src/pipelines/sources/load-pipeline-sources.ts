import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { PipelineDefinition, type PipelineSource } from '../../domain/pipeline-definition.js';
import type { PipelineLibrary } from '../../domain/pipeline-settings.js';
import { WeirError } from '../../domain/weir-error.js';
import { formatIssues } from '../../domain/wire.js';
import { globRegExp } from '../../domain/glob-pattern.js';
import { parsePipelineSql } from '../parse/parse-pipeline-sql.js';
import { withPipelineConfiguration } from '../define/pipeline-configuration.js';

/** File kinds a pipeline library may hold. */
const SQL = /\.sql$/i;
const TS = /\.(ts|mts|js|mjs)$/i;

/**
 * The files of a pipeline's libraries, in library order (a glob's files sorted by path). Paths are relative to
 * `baseDir` (the pipeline's folder) unless absolute; workspace-style paths (`/Workspace/…`) resolve under it too.
 */
export function libraryFiles(libraries: PipelineLibrary[], baseDir: string): string[] {
  const out: string[] = [];
  for (const [i, lib] of libraries.entries()) {
    const at = `libraries[${i}]`;
    if (lib.glob) {
      out.push(...globFiles(lib.glob.include, lib.glob.exclude ?? [], baseDir, at));
      continue;
    }
    const path = lib.file?.path ?? lib.notebook?.path ?? '';
    out.push(existingFile(path, baseDir, `${at}.${lib.file ? 'file' : 'notebook'}.path`));
  }
  return [...new Set(out)];
}

/**
 * Parses (SQL) or imports (TypeScript, `export default definePipeline(…)`) every library file. TypeScript modules
 * read `configuration` through `conf(key)` while they are imported.
 */
export async function loadPipelineSources(files: string[], configuration: Record<string, string> = {}): Promise<PipelineSource[]> {
  const out: PipelineSource[] = [];
  for (const file of files) {
    if (SQL.test(file)) out.push(parsePipelineSql(readFileSync(file, 'utf8'), file));
    else if (TS.test(file)) out.push(await withPipelineConfiguration(configuration, () => importTsSource(file)));
    else {
      throw new WeirError('PIPELINE.INVALID_DEFINITION', `${file}: weir pipelines are SQL files (.sql) or TypeScript modules (.ts) using weir's define API; Python (.py) pipeline code is not supported: port it to SQL or TypeScript`);
    }
  }
  return out;
}

const Definitions = z.array(PipelineDefinition);

async function importTsSource(file: string): Promise<PipelineSource> {
  // Origins (file:line of each definition, conf() errors) come from stack traces: they need the modules' source maps.
  process.setSourceMapsEnabled(true);
  const { tsImport } = await import('tsx/esm/api');
  const mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as { default?: unknown };
  // Outside an ESM package (no "type": "module" nearby) the module loads as CommonJS: its exports sit one level down.
  const exported = mod.default && typeof mod.default === 'object' && !Array.isArray(mod.default) && 'default' in mod.default ? (mod.default as { default: unknown }).default : mod.default;
  const parsed = Definitions.safeParse(exported);
  if (!parsed.success) {
    throw new WeirError('PIPELINE.INVALID_DEFINITION', `${file}: the module's default export must be the definitions of the pipeline, e.g. \`export default definePipeline(materializedView({ name: 'gold' }, 'SELECT …'))\`: ${formatIssues(parsed.error)}`);
  }
  return { file, definitions: parsed.data, settings: [], configurationUsages: [] };
}

/** An absolute path whose fixed part exists is taken as is; other paths (also `/Workspace/…`) resolve under baseDir. */
function resolvePath(path: string, baseDir: string): string {
  const p = path.replace(/^\/Workspace\//, '/');
  const fixed = p.slice(0, p.search(/[*?]/) < 0 ? p.length : p.search(/[*?]/));
  return isAbsolute(p) && existsSync(fixed || '/') && path === p ? p : resolve(baseDir, p.replace(/^\//, ''));
}

function existingFile(path: string, baseDir: string, field: string): string {
  const full = resolvePath(path, baseDir);
  for (const candidate of [full, `${full}.sql`, `${full}.ts`]) if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  throw new WeirError('PIPELINE.INVALID_DEFINITION', `${field}: "${path}" does not exist (looked for ${full}); fix the path or create the file`);
}

function globFiles(include: string, exclude: string[], baseDir: string, at: string): string[] {
  const full = resolvePath(include, baseDir);
  const starAt = full.search(/[*?]/);
  const root = starAt < 0 ? full : full.slice(0, full.lastIndexOf(sep, starAt));
  if (!existsSync(root)) throw new WeirError('PIPELINE.INVALID_DEFINITION', `${at}.glob.include: the folder ${root} does not exist`);
  const pattern = starAt < 0 ? null : globRegExp(relative(root, full).split(sep).join('/'));
  const skip = exclude.map((e) => globRegExp(relative(root, resolvePath(e, baseDir)).split(sep).join('/')));
  const files = walk(root)
    .map((f) => relative(root, f).split(sep).join('/'))
    .filter((r) => (pattern ? pattern.test(r) : true) && (SQL.test(r) || TS.test(r)) && !skip.some((s) => s.test(r)))
    .sort();
  return files.map((r) => join(root, r));
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out;
}
