import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { uiRoutes } from '../src/api/ui-routes.js';

const root = mkdtempSync(join(tmpdir(), 'weir-ui-routes-'));
const dist = join(root, 'dist');
mkdirSync(join(dist, 'assets'), { recursive: true });
writeFileSync(join(dist, 'index.html'), '<div id="root"></div>');
writeFileSync(join(dist, 'assets', 'app-1.js'), 'console.log(1)');
writeFileSync(join(root, 'secret.txt'), 'not for the web');

/** The UI middleware in front of a stand-in API that answers 418 for whatever falls through. */
function app(dir: string): Hono {
  const a = new Hono();
  a.use('*', uiRoutes(dir));
  a.all('*', (c) => c.text('api', 418));
  return a;
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('uiRoutes', () => {
  it('serves files with their type, hashed assets immutable, index.html fresh', async () => {
    const js = await app(dist).request('/assets/app-1.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    const index = await app(dist).request('/');
    expect(await index.text()).toBe('<div id="root"></div>');
    expect(index.headers.get('cache-control')).toBe('no-cache');
  });

  it('falls back to index.html for UI paths and leaves API, login, health and non-GET requests alone', async () => {
    const html = { headers: { accept: 'text/html,application/xhtml+xml' } };
    expect(await (await app(dist).request('/job/3/run/4', html)).text()).toBe('<div id="root"></div>');
    // An API client's request for an unknown path gets the API's answer, not the UI.
    expect((await app(dist).request('/job/3/run/4')).status).toBe(418);
    for (const p of ['/api/2.2/jobs/list', '/api', '/login', '/health', '/oidc/v1/token', '/.well-known/databricks-config']) {
      expect((await app(dist).request(p, html)).status, p).toBe(418);
    }
    expect((await app(dist).request('/', { method: 'POST' })).status).toBe(418);
  });

  it('never serves a file outside its folder and answers 404 for a missing asset', async () => {
    const r = await app(dist).request('/%2e%2e/secret.txt', { headers: { accept: 'text/html' } });
    expect(await r.text()).not.toContain('not for the web');
    expect((await app(dist).request('/assets/gone-2.js')).status).toBe(404);
  });

  it('without a build, / says how to build the UI to a browser, and API clients get the API answer', async () => {
    const r = await app(join(root, 'nothing')).request('/', { headers: { accept: 'text/html' } });
    expect(r.status).toBe(404);
    expect(await r.text()).toContain('npm run build:web');
    expect((await app(join(root, 'nothing')).request('/')).status).toBe(418);
    expect((await app(join(root, 'nothing')).request('/jobs', { headers: { accept: 'text/html' } })).status).toBe(418);
  });
});
