/** The `engineInfo` weir writes into every commitInfo: `weir/<version of the installed package>`. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Finds the nearest package.json above this module (src/ in development, dist/ when built) and reads its version. */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'weir' && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

/** `weir/<version>`, e.g. `weir/0.1.0`. */
export const ENGINE_INFO = `weir/${packageVersion()}`;
