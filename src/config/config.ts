import { resolve } from 'node:path';
import { z } from 'zod';
import { WeirError } from '../domain/weir-error.js';
import { formatIssues } from '../domain/wire.js';

/** Server configuration: flags win over WEIR_* environment variables, which win over defaults. */
export const Config = z.object({
  dataDir: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  /** Tasks that may run processes at once. */
  slots: z.coerce.number().int().min(1),
  /** Folder of notebooks and files for jobs created over the API (relative notebook paths resolve here). */
  workspaceDir: z.string().min(1),
  /** The metadata store: a SQLite file (default `<dataDir>/weir.sqlite`) or a `postgres://…` URL (--store, WEIR_STORE). */
  store: z.string().min(1),
  /** SMTP server for email notifications (WEIR_SMTP_*); without a host, email deliveries fail saying so. */
  smtp: z.object({
    host: z.string().min(1).optional(),
    port: z.coerce.number().int().min(1).max(65535).optional(),
    secure: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
    user: z.string().optional(),
    password: z.string().optional(),
    from: z.string().optional(),
  }),
  /** PagerDuty Events API v2 endpoint (WEIR_PAGERDUTY_EVENTS_URL). */
  pagerDutyEventsUrl: z.url(),
  /** PEM certificate and private key files (--tls-cert/--tls-key, WEIR_TLS_CERT/WEIR_TLS_KEY): serve HTTPS; both or neither. */
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  /** Worker pool a `weir worker` claims runs of (--pool, WEIR_POOL); runs go to the pool of their job's `weir_pool` tag. */
  pool: z.string().regex(/^[\w.-]{1,64}$/, 'a pool name is 1-64 letters, digits, _, . or -'),
  /** A worker silent this long is declared lost and its runs recovered (--worker-timeout seconds, WEIR_WORKER_TIMEOUT; default 10 s). */
  workerTimeoutMs: z.number().int().min(300, 'the worker timeout is at least 0.3 s'),
  /** A worker also looks for work this often, besides being woken by NOTIFY (--poll-interval seconds; default 2 s). */
  workerPollMs: z.number().int().min(50, 'the poll interval is at least 0.05 s'),
}).refine((c) => (c.tlsCert === undefined) === (c.tlsKey === undefined), {
  message: 'pass both --tls-cert and --tls-key (or WEIR_TLS_CERT and WEIR_TLS_KEY) to serve HTTPS, or neither for plain HTTP',
  path: ['tlsKey'],
});
export type Config = z.infer<typeof Config>;

/** Builds the frozen config from flags and the environment. */
export function loadConfig(flags: Partial<Record<keyof Config | 'workerTimeout' | 'pollInterval', string | number | undefined>>, env = process.env): Readonly<Config> {
  const dataDir = resolve(String(flags.dataDir ?? env.WEIR_DATA_DIR ?? '.weir'));
  const raw = {
    dataDir,
    port: flags.port ?? env.WEIR_PORT ?? 8470,
    host: flags.host ?? env.WEIR_HOST ?? '127.0.0.1',
    slots: flags.slots ?? env.WEIR_SLOTS ?? 8,
    workspaceDir: resolve(String(flags.workspaceDir ?? env.WEIR_WORKSPACE_DIR ?? `${dataDir}/workspace`)),
    store: storeLocation(String(flags.store ?? (env.WEIR_STORE || `${dataDir}/weir.sqlite`))),
    smtp: {
      host: env.WEIR_SMTP_HOST || undefined,
      port: env.WEIR_SMTP_PORT || undefined,
      secure: env.WEIR_SMTP_SECURE || undefined,
      user: env.WEIR_SMTP_USER || undefined,
      password: env.WEIR_SMTP_PASSWORD || undefined,
      from: env.WEIR_SMTP_FROM || undefined,
    },
    pagerDutyEventsUrl: env.WEIR_PAGERDUTY_EVENTS_URL || 'https://events.pagerduty.com/v2/enqueue',
    tlsCert: optionalPath(flags.tlsCert ?? env.WEIR_TLS_CERT),
    tlsKey: optionalPath(flags.tlsKey ?? env.WEIR_TLS_KEY),
    pool: String(flags.pool ?? (env.WEIR_POOL || 'default')),
    workerTimeoutMs: Math.round(Number(flags.workerTimeout ?? (env.WEIR_WORKER_TIMEOUT || 10)) * 1000),
    workerPollMs: Math.round(Number(flags.pollInterval ?? 2) * 1000),
  };
  const r = Config.safeParse(raw);
  if (!r.success) throw new WeirError('VALIDATION.INVALID', `configuration: ${formatIssues(r.error)}`);
  return Object.freeze(r.data);
}

/** A URL (`postgres://…`) stays as given; anything else is a SQLite file path, made absolute. */
function storeLocation(v: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : resolve(v);
}

function optionalPath(v: string | number | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : resolve(String(v));
}
