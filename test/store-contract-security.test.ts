import { describe, expect, test } from 'vitest';
import type { DeliveryAttemptRecord, NewDelivery } from '../src/store/ports/notification-store.js';
import { AuthSqlStore } from '../src/store/sql/auth-sql-store.js';
import { NotificationSqlStore } from '../src/store/sql/notification-sql-store.js';
import { SecretSqlStore } from '../src/store/sql/secret-sql-store.js';
import { storeDialects, useStore } from './support/store-fixtures.js';

const delivery = (run_id: number, next_attempt_time: number): NewDelivery => ({
  run_id,
  event: 'on_failure',
  target: { channel: 'WEBHOOK', destination: 'd1', url: 'http://127.0.0.1:1/hook' },
  message: { event: 'on_failure', run_id, subject: 's', text: 't' } as unknown as NewDelivery['message'],
  state: 'PENDING',
  attempts: 0,
  next_attempt_time,
  created_time: 1,
  last_error: null,
});

const attempt = (delivery_id: number, run_id: number, n: number): DeliveryAttemptRecord => ({
  delivery_id,
  run_id,
  attempt: n,
  channel: 'WEBHOOK',
  event: 'on_failure',
  destination: 'd1',
  status: 'ERROR',
  error: 'HTTP 500',
  time: 10 * n,
});

describe.each(storeDialects())('store contract: secrets, tokens and notifications on %s', (name, dialect, skip) => {
  if (skip) {
    test.skip(`${name}: ${skip}`, () => undefined);
    return;
  }
  const s = useStore(dialect);

  test('secrets: scopes are created once, listed by name, deleted with their secrets', async () => {
    const st = new SecretSqlStore(s.store.kysely);
    expect(await st.createScope({ name: 'b', backend_type: 'DATABRICKS', created_time: 2 })).toBe(true);
    expect(await st.createScope({ name: 'a', backend_type: 'DATABRICKS', created_time: 1 })).toBe(true);
    expect(await st.createScope({ name: 'a', backend_type: 'DATABRICKS', created_time: 3 })).toBe(false);
    expect(await st.listScopes()).toEqual([
      { name: 'a', backend_type: 'DATABRICKS', created_time: 1 },
      { name: 'b', backend_type: 'DATABRICKS', created_time: 2 },
    ]);
    await st.putSecret({ scope: 'a', key: 'k2', sealed: 'v1', last_updated_timestamp: 5 });
    await st.putSecret({ scope: 'a', key: 'k1', sealed: 'v1', last_updated_timestamp: 5 });
    await st.putSecret({ scope: 'a', key: 'k2', sealed: 'v2', last_updated_timestamp: 6 });
    expect(await st.getSecret('a', 'k2')).toEqual({ scope: 'a', key: 'k2', sealed: 'v2', last_updated_timestamp: 6 });
    expect((await st.listSecrets('a')).map((x) => x.key)).toEqual(['k1', 'k2']);
    expect(await st.deleteSecret('a', 'k1')).toBe(true);
    expect(await st.deleteSecret('a', 'k1')).toBe(false);
    expect(await st.deleteScope('a')).toBe(true);
    expect(await st.deleteScope('a')).toBe(false);
    expect(await st.getSecret('a', 'k2')).toBeUndefined();
    expect(await st.getScope('b')).toEqual({ name: 'b', backend_type: 'DATABRICKS', created_time: 2 });
  });

  test('secrets: usages are recorded once per task run, scope and key, and read per run', async () => {
    const st = new SecretSqlStore(s.store.kysely);
    await st.recordUsage({ run_id: 1, task_run_id: 2, scope: 's', key: 'k', sealed: 'x' });
    await st.recordUsage({ run_id: 1, task_run_id: 2, scope: 's', key: 'k', sealed: 'y' });
    await st.recordUsage({ run_id: 1, task_run_id: 3, scope: 's', key: 'k', sealed: 'y' });
    await st.recordUsage({ run_id: 4, task_run_id: 5, scope: 's', key: 'k', sealed: 'z' });
    const used = await st.usagesOfRun(1);
    expect(used.sort((p, q) => p.task_run_id - q.task_run_id)).toEqual([
      { run_id: 1, task_run_id: 2, scope: 's', key: 'k', sealed: 'y' },
      { run_id: 1, task_run_id: 3, scope: 's', key: 'k', sealed: 'y' },
    ]);
  });

  test('tokens: insert, find by hash, list per user oldest first, count, delete, expire', async () => {
    const st = new AuthSqlStore(s.store.kysely);
    const tok = (token_id: string, user_name: string, creation_time: number, expiry_time: number) => ({
      token_id,
      token_hash: `h-${token_id}`,
      user_name,
      comment: '',
      creation_time,
      expiry_time,
    });
    await st.insertToken(tok('t2', 'ann', 20, -1));
    await st.insertToken(tok('t1', 'ann', 10, 100));
    await st.insertToken(tok('t3', 'bob', 30, 200));
    await expect(st.insertToken(tok('t4', 'bob', 40, -1))).resolves.toBeUndefined();
    await expect(st.insertToken({ ...tok('t5', 'bob', 50, -1), token_hash: 'h-t4' })).rejects.toThrow();
    expect(await st.findTokenByHash('h-t1')).toEqual(tok('t1', 'ann', 10, 100));
    expect((await st.listTokens('ann')).map((t) => t.token_id)).toEqual(['t1', 't2']);
    expect(await st.countTokens()).toBe(4);
    expect(await st.deleteExpiredTokens(150)).toBe(1);
    expect(await st.deleteToken('t3')).toBe(true);
    expect(await st.deleteToken('t3')).toBe(false);
    expect((await st.listTokens()).map((t) => t.token_id)).toEqual(['t2', 't4']);
  });

  test('service principals: secrets and tokens go with their principal', async () => {
    const st = new AuthSqlStore(s.store.kysely);
    await st.insertServicePrincipal({ id: 'sp1', application_id: 'app-1', display_name: 'etl', created_time: 7 });
    await st.insertOAuthSecret({ secret_id: 'os1', service_principal_id: 'sp1', secret_hash: 'x', create_time: 8 });
    await st.insertToken({ token_id: 't', token_hash: 'h', user_name: 'app-1', comment: '', creation_time: 9, expiry_time: -1 });
    expect(await st.findServicePrincipalByApplicationId('app-1')).toEqual({ id: 'sp1', application_id: 'app-1', display_name: 'etl', created_time: 7 });
    expect(await st.listOAuthSecrets('sp1')).toEqual([{ secret_id: 'os1', service_principal_id: 'sp1', secret_hash: 'x', create_time: 8 }]);
    expect(await st.deleteServicePrincipal('sp1')).toBe(true);
    expect(await st.deleteServicePrincipal('sp1')).toBe(false);
    expect(await st.listOAuthSecrets('sp1')).toEqual([]);
    expect(await st.countTokens()).toBe(0);
    expect(await st.listServicePrincipals()).toEqual([]);
  });

  test('notifications: destinations create, list, replace, delete', async () => {
    const st = new NotificationSqlStore(s.store.kysely);
    const dest = (id: string, created_time: number) => ({ id, display_name: id, destination_type: 'SLACK' as const, config: { url: 'http://x' }, created_time, updated_time: created_time });
    await st.createDestination(dest('d2', 1));
    await st.createDestination(dest('d1', 1));
    expect((await st.listDestinations()).map((d) => d.id)).toEqual(['d1', 'd2']);
    expect(await st.replaceDestination({ ...dest('d1', 1), display_name: 'renamed' })).toBe(true);
    expect(await st.replaceDestination(dest('nope', 1))).toBe(false);
    expect((await st.getDestination('d1'))?.display_name).toBe('renamed');
    expect(await st.deleteDestination('d1')).toBe(true);
    expect(await st.deleteDestination('d1')).toBe(false);
  });

  test('notifications: deliveries get consecutive ids, come due in order, record attempts and postpone', async () => {
    const st = new NotificationSqlStore(s.store.kysely);
    const ids = await st.insertDeliveries([delivery(1, 100), delivery(1, 50), delivery(2, 300)]);
    expect(ids).toEqual([ids[0], ids[0]! + 1, ids[0]! + 2]);
    expect(await st.insertDeliveries([])).toEqual([]);
    expect(await st.nextAttemptTime()).toBe(50);
    expect((await st.dueDeliveries(100, 10)).map((d) => d.delivery_id)).toEqual([ids[0], ids[1]]);
    expect((await st.dueDeliveries(100, 1)).map((d) => d.delivery_id)).toEqual([ids[0]]);
    await st.recordAttempt(ids[1]!, { state: 'DELIVERED', attempts: 1 }, attempt(ids[1]!, 1, 1));
    await st.recordAttempt(ids[0]!, { attempts: 1, next_attempt_time: 400, last_error: 'HTTP 500' }, attempt(ids[0]!, 1, 1));
    expect(await st.nextAttemptTime()).toBe(300);
    await st.postponeDeliveries([ids[2]!, ids[1]!], 500);
    expect(await st.nextAttemptTime()).toBe(400);
    const run1 = await st.listDeliveries(1);
    expect(run1.map((d) => [d.delivery_id, d.state, d.next_attempt_time])).toEqual([
      [ids[0], 'PENDING', 400],
      [ids[1], 'DELIVERED', 50],
    ]);
    expect(await st.listAttempts(1)).toEqual([attempt(ids[0]!, 1, 1), attempt(ids[1]!, 1, 1)]);
  });
});
