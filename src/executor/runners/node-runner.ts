import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveTaskPath, runProcessAttempt } from './process-attempt.js';
import type { TaskRunner } from './task-runner.js';

const SCRIPT_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'];

/**
 * The tsx loader as a file URL: `--import tsx` would resolve against the script's folder, where tsx is not
 * installed, so weir passes its own copy.
 */
function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/** Runner of node_task (weir extension): a .js/.mjs script, or .ts through tsx, run by weir's own Node. */
export const nodeRunner: TaskRunner = {
  kind: 'node_task',
  async run(ctx) {
    const spec = ctx.task.node_task;
    if (!spec) return { result: 'FAILED', error: `task ${ctx.taskKey} has no node_task` };
    const script = resolveTaskPath(ctx, spec.script);
    const ext = extname(script);
    if (!SCRIPT_EXTENSIONS.includes(ext)) {
      return {
        result: 'FAILED',
        error: `node_task.script "${spec.script}" must end in ${SCRIPT_EXTENSIONS.join(', ')}`,
      };
    }
    if (!existsSync(script)) {
      return {
        result: 'FAILED',
        error: `Node script not found: ${script} (node_task.script "${spec.script}", relative to ${ctx.sourceDir})`,
      };
    }
    const loader = ext.endsWith('ts') ? ['--import', tsxLoaderUrl()] : [];
    return runProcessAttempt(ctx, {
      label: 'Node script',
      command: process.execPath,
      args: [...loader, script, ...(spec.parameters ?? [])],
      cwd: dirname(script),
      env: spec.env,
    });
  },
};
