import { relative, resolve, sep } from 'node:path';
import { WeirError } from '../domain/weir-error.js';

/**
 * Maps an absolute workspace path (`/Users/me/x`) to a file path under `root`. Refuses relative paths, `..` and `.`
 * segments, backslashes and NUL, so no request can reach outside the workspace folder.
 */
export function workspaceFile(root: string, path: unknown, field = 'path'): { wsPath: string; file: string } {
  if (typeof path !== 'string' || path === '') {
    throw new WeirError('WORKSPACE.INVALID_PATH', `${field}: missing; pass an absolute workspace path such as /Users/me/notebook.`);
  }
  const bad = (why: string): never => {
    throw new WeirError('WORKSPACE.INVALID_PATH', `${field}: ${JSON.stringify(path)} ${why}; pass an absolute workspace path such as /Users/me/notebook.`, {
      params: { path },
    });
  };
  if (!path.startsWith('/')) bad('is not absolute');
  if (path.includes('\0') || path.includes('\\')) bad('contains a NUL or backslash character');
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) bad('contains a "." or ".." segment, which could leave the workspace');
  const file = resolve(root, ...segments);
  const rel = relative(resolve(root), file);
  if (rel.startsWith('..') || rel.includes(`..${sep}`)) bad('points outside the workspace');
  return { wsPath: '/' + segments.join('/'), file };
}
