import { runProcessAttempt } from './process-attempt.js';
import { simpleCommandArgv } from './simple-command.js';
import type { TaskRunner } from './task-runner.js';

/**
 * Runner of shell_task (weir extension): `/bin/sh -c command sh ...parameters` in the source folder. A command
 * without shell syntax (`true`, `python3 etl.py --day 1`) is executed directly, as make does: the shell would only
 * have split it into words (its parameters could not be referenced without `$`).
 */
export const shellRunner: TaskRunner = {
  kind: 'shell_task',
  async run(ctx) {
    const spec = ctx.task.shell_task;
    if (!spec) return { result: 'FAILED', error: `task ${ctx.taskKey} has no shell_task` };
    const direct = simpleCommandArgv(spec.command, spec.env?.PATH ?? ctx.env.PATH ?? process.env.PATH);
    if (direct) return runProcessAttempt(ctx, { label: 'Shell command', command: direct[0], args: direct.slice(1), cwd: ctx.sourceDir, env: spec.env, usesSlot: true });
    // The extra "sh" becomes $0, so parameters are "$1", "$2"… as in a script.
    return runProcessAttempt(ctx, {
      label: 'Shell command',
      command: '/bin/sh',
      args: ['-c', spec.command, 'sh', ...(spec.parameters ?? [])],
      cwd: ctx.sourceDir,
      env: spec.env,
      usesSlot: true,
    });
  },
};
