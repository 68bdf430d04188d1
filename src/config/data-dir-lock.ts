import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { WeirError } from '../domain/weir-error.js';

/**
 * Takes the data folder for this process: one executor per embedded store, so a second `weir server` or
 * `weir run` on the same folder is refused instead of killing the first one's tasks during crash recovery.
 * A lock left by a dead process (SIGKILL) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'weir.lock');
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8'));
      if (pid && pid !== process.pid && alive(pid)) {
        throw new WeirError(
          'INTERNAL',
          `${dataDir} is in use by weir process ${pid}; stop it, or pass --data-dir with another folder (or use \`weir jobs run-now\` against that server)`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new WeirError('INTERNAL', `cannot lock ${file}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
