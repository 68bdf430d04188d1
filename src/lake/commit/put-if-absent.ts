/**
 * Atomic create-if-absent of a file on a local file system: write a hidden temp file beside the target, fsync
 * it, then `link()` it to the target name. link fails with EEXIST when another writer created the target first, and
 * readers never see a partly written target (a crash leaves at most a hidden temp file, which readers ignore).
 * Plain rename would overwrite an existing commit on POSIX, and `open(…, 'wx')` exposes half-written content.
 */
import { randomUUID } from 'node:crypto';
import { link, open, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes `content` to `target` unless it exists; true when this call created it, false when it already existed. */
export async function putIfAbsent(target: string, content: string | Uint8Array): Promise<boolean> {
  const tmp = join(dirname(target), `.${basename(target)}.${randomUUID()}.tmp`);
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, target);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}
