import { cliToken } from './cli-token.js';

/** A small client of weir's (Databricks-compatible) REST API for the CLI. */
export class ApiClient {
  constructor(
    private readonly base: string,
    private readonly token?: string,
  ) {}

  /** Calls an endpoint under /api/2.2 (or an absolute path such as /api/2.0/…); GET parameters go in the query string. Throws with the server's message. */
  async call<T = Record<string, unknown>>(method: 'GET' | 'POST' | 'DELETE', path: string, params: Record<string, unknown> = {}): Promise<T> {
    let url = path.startsWith('/') ? `${this.base.replace(/\/$/, '')}${path}` : `${this.base.replace(/\/$/, '')}/api/2.2/${path}`;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const init: RequestInit = { method, headers };
    if (method === 'GET') {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
      url += `?${q}`;
    } else {
      init.body = JSON.stringify(params);
    }
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (e) {
      throw new Error(`cannot reach weir at ${this.base} (${(e as Error).cause ?? e}); start it with \`weir server\` or pass --url`);
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${body.error_code ?? res.status}: ${body.message ?? res.statusText}`);
    return body as T;
  }
}

/** Adds the --url option to a command group and returns a factory of clients for the chosen server. */
export function withServer(group: import('commander').Command): () => ApiClient {
  group.option('--url <url>', 'server address (default http://127.0.0.1:8470, or WEIR_URL)');
  group.option('--token <token>', 'access token (default WEIR_TOKEN, DATABRICKS_TOKEN, or <WEIR_DATA_DIR or .weir>/admin-token)');
  return () => new ApiClient(group.opts().url ?? process.env.WEIR_URL ?? 'http://127.0.0.1:8470', cliToken(group.opts().token));
}

/** Prints a value as indented JSON. */
export function printJson(x: unknown): void {
  process.stdout.write(JSON.stringify(x, null, 2) + '\n');
}
