import { runProcessAttempt } from './process-attempt.js';
import type { TaskRunner } from './task-runner.js';

/** Runner of shell_task (weir extension): `/bin/sh -c command sh ...parameters` in the source folder. */
export const shellRunner: TaskRunner = {
  kind: 'shell_task',
  async run(ctx) {
    const spec = ctx.task.shell_task;
    if (!spec) return { result: 'FAILED', error: `task ${ctx.taskKey} has no shell_task` };
    // The extra "sh" becomes $0, so parameters are "$1", "$2"… as in a script.
    return runProcessAttempt(ctx, {
      label: 'Shell command',
      command: '/bin/sh',
      args: ['-c', spec.command, 'sh', ...(spec.parameters ?? [])],
      cwd: ctx.sourceDir,
      env: spec.env,
    });
  },
};
