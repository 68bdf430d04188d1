import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../domain/clock.js';
import { WeirError } from '../domain/weir-error.js';
import { formatIssues } from '../domain/wire.js';
import type { ChannelType, DestinationConfig, DestinationRecord, NotificationStore } from '../store/ports/notification-store.js';

const Url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
/** The Databricks `config` object of a notification destination: exactly one of its keys. */
export const DestinationConfigWire = z
  .strictObject({
    slack: z.looseObject({ url: Url }).optional(),
    generic_webhook: z.looseObject({ url: Url, username: z.string().optional(), password: z.string().optional() }).optional(),
    microsoft_teams: z.looseObject({ url: Url }).optional(),
    pagerduty: z.looseObject({ integration_key: z.string().min(1) }).optional(),
    email: z.looseObject({ addresses: z.array(z.email()).min(1) }).optional(),
  })
  .refine((c) => Object.values(c).filter((v) => v !== undefined).length === 1, {
    error: 'config must hold exactly one of slack, generic_webhook, microsoft_teams, pagerduty, email',
  });
export type DestinationConfigWire = z.infer<typeof DestinationConfigWire>;

const TYPES: Record<keyof DestinationConfigWire, ChannelType> = {
  slack: 'SLACK',
  generic_webhook: 'WEBHOOK',
  microsoft_teams: 'MICROSOFT_TEAMS',
  pagerduty: 'PAGERDUTY',
  email: 'EMAIL',
};
const KEYS = Object.fromEntries(Object.entries(TYPES).map(([k, t]) => [t, k])) as Record<ChannelType, keyof DestinationConfigWire>;

function parseConfig(raw: unknown, field: string): { type: ChannelType; config: DestinationConfig } {
  const r = DestinationConfigWire.safeParse(raw);
  if (!r.success) throw new WeirError('VALIDATION.INVALID', `${field}: ${formatIssues(r.error)}`);
  const [key, value] = Object.entries(r.data).find(([, v]) => v !== undefined) as [keyof DestinationConfigWire, DestinationConfig];
  const { url, username, password, integration_key, addresses } = value;
  return { type: TYPES[key], config: { url, username, password, integration_key, addresses } };
}

/** The wire shape of a destination; the webhook password is never echoed (Databricks answers `password_set`). */
export function wireDestination(d: DestinationRecord): Record<string, unknown> {
  const { password, ...rest } = d.config;
  const inner: Record<string, unknown> = { ...rest };
  if (d.destination_type === 'WEBHOOK') inner.password_set = password !== undefined && password !== '';
  for (const k of Object.keys(inner)) if (inner[k] === undefined) delete inner[k];
  return { id: d.id, display_name: d.display_name, destination_type: d.destination_type, config: { [KEYS[d.destination_type]]: inner } };
}

/** Notification destinations (referenced by id from webhook_notifications), validated and stored. */
export class Destinations {
  constructor(
    private readonly store: NotificationStore,
    private readonly clock: Clock,
  ) {}

  /** Creates a destination from `{display_name, config}`. */
  async create(input: { display_name?: unknown; config?: unknown }): Promise<DestinationRecord> {
    const display_name = displayName(input.display_name);
    const { type, config } = parseConfig(input.config, 'config');
    const now = this.clock.now();
    const rec: DestinationRecord = { id: randomUUID(), display_name, destination_type: type, config, created_time: now, updated_time: now };
    await this.store.createDestination(rec);
    return rec;
  }

  /** The destination, or DESTINATION_NOT_FOUND. */
  async get(id: string): Promise<DestinationRecord> {
    const d = await this.store.getDestination(id);
    if (!d) throw notFound(id);
    return d;
  }

  /** Every destination, oldest first (same-time ones by name). */
  async list(): Promise<DestinationRecord[]> {
    const all = await this.store.listDestinations();
    return all.sort((a, b) => a.created_time - b.created_time || a.display_name.localeCompare(b.display_name));
  }

  /** Changes the name and/or config; the type may change with the config. An omitted password keeps the old one. */
  async update(id: string, input: { display_name?: unknown; config?: unknown }): Promise<DestinationRecord> {
    const old = await this.get(id);
    const next: DestinationRecord = { ...old, updated_time: this.clock.now() };
    if (input.display_name !== undefined) next.display_name = displayName(input.display_name);
    if (input.config !== undefined) {
      const { type, config } = parseConfig(input.config, 'config');
      const keepPassword = type === 'WEBHOOK' && old.destination_type === 'WEBHOOK' && config.password === undefined;
      next.destination_type = type;
      next.config = keepPassword ? { ...config, password: old.config.password } : config;
    }
    await this.store.replaceDestination(next);
    return next;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.store.deleteDestination(id))) throw notFound(id);
  }
}

function displayName(v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '') throw new WeirError('VALIDATION.INVALID', 'display_name: a non-empty string is required (e.g. "On-call Slack").');
  return v;
}

function notFound(id: string): WeirError {
  return new WeirError('NOTIFICATION.DESTINATION_NOT_FOUND', `Notification destination ${id} does not exist; list them with GET /api/2.0/notification-destinations.`, { params: { id } });
}
