/** Where a data or deletion-vector file of a table lives on disk. */
import { isAbsolute, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

function decodeOnce(uri: string): string {
  try {
    return decodeURIComponent(uri);
  } catch {
    return uri; // a raw '%' that is not an escape: the writer did not encode the path; take it literally
  }
}

/**
 * The absolute path of an add/remove `path`: a `file:` URI, an absolute path, or a URI relative to the table root.
 * The URI is decoded exactly once (`x=A%252FA` in the log is the directory `x=A%2FA` on disk).
 */
export function dataFilePath(tablePath: string, addPath: string): string {
  if (addPath.startsWith('file:')) return normalize(fileURLToPath(addPath));
  const decoded = decodeOnce(addPath);
  return normalize(isAbsolute(decoded) ? decoded : join(tablePath, decoded));
}
