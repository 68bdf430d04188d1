import { describe, expect, test } from 'vitest';
import type { AclEntry } from '../src/domain/permission-level.js';
import type { PrincipalRef } from '../src/store/ports/permission-store.js';
import { PermissionSqlStore } from '../src/store/sql/permission-sql-store.js';
import { storeDialects, useStore } from './support/store-fixtures.js';

const user = (principal_name: string, permission_level: AclEntry['permission_level']): AclEntry => ({ principal_type: 'user', principal_name, permission_level });
const job = (object_id: number) => ({ object_type: 'job' as const, object_id });
const refs = (name: string): PrincipalRef[] => [
  { principal_type: 'user', principal_name: name },
  { principal_type: 'group', principal_name: 'users' },
];

describe.each(storeDialects())('store contract: permissions on %s', (name, dialect, skip) => {
  if (skip) {
    test.skip(`${name}: ${skip}`, () => undefined);
    return;
  }
  const s = useStore(dialect);
  const perms = () => new PermissionSqlStore(s.store.kysely);

  test('replaceAcl replaces every entry of one object and leaves other objects alone', async () => {
    const p = perms();
    await p.replaceAcl(job(1), [user('bob', 'CAN_VIEW'), user('alice', 'IS_OWNER')]);
    await p.replaceAcl(job(2), [user('carol', 'CAN_MANAGE')]);
    expect(await p.getAcl(job(1))).toEqual([user('alice', 'IS_OWNER'), user('bob', 'CAN_VIEW')]);
    await p.replaceAcl(job(1), [user('dave', 'CAN_MANAGE_RUN')]);
    expect(await p.getAcl(job(1))).toEqual([user('dave', 'CAN_MANAGE_RUN')]);
    expect(await p.getAcl(job(2))).toEqual([user('carol', 'CAN_MANAGE')]);
    await p.replaceAcl(job(1), []);
    expect(await p.getAcl(job(1))).toEqual([]);
  });

  test('getAcl orders by principal type then name; deleteAcl drops one object; job and run ids do not mix', async () => {
    const p = perms();
    await p.replaceAcl(job(3), [user('bob', 'CAN_MANAGE'), user('alice', 'IS_OWNER'), { principal_type: 'group', principal_name: 'users', permission_level: 'CAN_VIEW' }]);
    expect(await p.getAcl(job(3))).toEqual([{ principal_type: 'group', principal_name: 'users', permission_level: 'CAN_VIEW' }, user('alice', 'IS_OWNER'), user('bob', 'CAN_MANAGE')]);
    await p.replaceAcl({ object_type: 'run', object_id: 3 }, [user('zed', 'IS_OWNER')]);
    expect(await p.getAcl(job(3))).toHaveLength(3);
    await p.deleteAcl(job(3));
    expect(await p.getAcl(job(3))).toEqual([]);
    expect(await p.getAcl({ object_type: 'run', object_id: 3 })).toEqual([user('zed', 'IS_OWNER')]);
  });

  test('levelsOf answers, for a page of objects, the levels a caller holds directly or through a group, as numbers', async () => {
    const p = perms();
    await p.replaceAcl(job(10), [user('alice', 'CAN_VIEW')]);
    await p.replaceAcl(job(11), [{ principal_type: 'group', principal_name: 'users', permission_level: 'CAN_VIEW' }, user('alice', 'CAN_MANAGE')]);
    await p.replaceAcl(job(12), [user('bob', 'IS_OWNER')]);
    await p.replaceAcl({ object_type: 'run', object_id: 10 }, [user('alice', 'IS_OWNER')]);
    const got = await p.levelsOf('job', [10, 11, 12, 13], refs('alice'));
    expect([...got.keys()].sort()).toEqual([10, 11]);
    expect(got.get(10)).toEqual(['CAN_VIEW']);
    expect([...(got.get(11) ?? [])].sort()).toEqual(['CAN_MANAGE', 'CAN_VIEW']);
    expect((await p.levelsOf('job', [12], refs('carol'))).size).toBe(0);
    expect(await p.levelsOf('job', [], refs('alice'))).toEqual(new Map());
  });

  test('a page of 1000 objects is answered in one call', async () => {
    const p = perms();
    for (let i = 0; i < 50; i++) await p.replaceAcl(job(1000 + i * 20), [user('alice', 'CAN_VIEW')]);
    const got = await p.levelsOf('job', Array.from({ length: 1000 }, (_, i) => 1000 + i), refs('alice'));
    expect(got.size).toBe(50);
  });
});
