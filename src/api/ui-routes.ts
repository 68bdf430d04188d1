import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MiddlewareHandler } from 'hono';

/** The built web UI of the package: web/dist beside src/ (tsx) or dist/ (compiled). */
export const WEB_DIST_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');

/** Path prefixes that belong to the API and login, never to the UI. */
const NOT_UI = ['/api/', '/oidc/', '/.well-known/'];
const NOT_UI_EXACT = new Set(['/health', '/login']);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

function isUiPath(path: string): boolean {
  return !NOT_UI_EXACT.has(path) && !NOT_UI.some((p) => path.startsWith(p)) && !path.startsWith('/api');
}

/** The file under `root` a URL path names, or undefined when it escapes root or is not a file. */
function fileFor(root: string, path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  const full = normalize(join(root, decoded));
  if (full !== root && !full.startsWith(root + sep)) return undefined;
  return existsSync(full) && statSync(full).isFile() ? full : undefined;
}

/** The folder the UI is served from: WEIR_WEB_DIR when set (another build of the UI), else the package's web/dist. */
export function webDir(): string {
  return process.env.WEIR_WEB_DIR || WEB_DIST_DIR;
}

/**
 * Serves the built web UI (no token needed: it holds no data; its API calls are authenticated): files of `root`,
 * and index.html for any other GET of a non-API path that asks for HTML (SPA fallback). Mount before authentication. Without a
 * build, `/` answers 404 saying how to build it.
 */
export function uiRoutes(root: string = webDir()): MiddlewareHandler {
  const base = normalize(root);
  return async (c, next) => {
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || !isUiPath(c.req.path)) return next();
    const index = join(base, 'index.html');
    if (!existsSync(index)) {
      // Only a browser asking for the page hears that the UI is not built; API clients get the API's JSON answer.
      if (c.req.path !== '/' || !(c.req.header('accept') ?? '').includes('text/html')) return next();
      return c.text(`The web UI is not built: no ${index}. Run \`npm run build:web\` (or \`npm run build\`) and reload.`, 404);
    }
    const file = c.req.path === '/' ? index : fileFor(base, c.req.path);
    if (!file && c.req.path.startsWith('/assets/')) return c.text(`No UI asset ${c.req.path}; rebuild the UI with \`npm run build:web\`.`, 404);
    // Only a browser navigation (Accept: text/html) falls back to index.html; API clients keep the API's JSON 404.
    if (!file && !(c.req.header('accept') ?? '').includes('text/html')) return next();
    const path = file ?? index;
    const body = await readFile(path);
    // Hashed assets never change; index.html must be fetched fresh so a rebuild is picked up.
    const cache = path === index ? 'no-cache' : 'public, max-age=31536000, immutable';
    return c.body(body, 200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': cache });
  };
}
