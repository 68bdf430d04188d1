import type { Kysely } from 'kysely';
import { z } from 'zod';
import { highestLevel, levelRank, PermissionLevel, type AclEntry } from '../domain/permission-level.js';
import { WeirError } from '../domain/weir-error.js';
import type { AclObject, PermissionStore, PrincipalRef } from '../store/ports/permission-store.js';
import { PermissionSqlStore } from '../store/sql/permission-sql-store.js';
import { ADMIN_USER } from './token-service.js';

/** The built-in group every authenticated caller belongs to (Databricks' `users`). */
export const USERS_GROUP = 'users';
/** The built-in group of workspace admins; in weir only the admin user is in it. */
export const ADMINS_GROUP = 'admins';

/** One access control entry as requests carry it (jobs/create, runs/submit, PUT/PATCH permissions). */
export const AclRequestEntry = z.object({
  user_name: z.string().min(1).optional(),
  group_name: z.string().min(1).optional(),
  service_principal_name: z.string().min(1).optional(),
  permission_level: PermissionLevel,
});
/** One access control entry as requests carry it (jobs/create, runs/submit, PUT/PATCH permissions). */
export type AclRequestEntry = z.infer<typeof AclRequestEntry>;

/** What a level is computed from: the object's ACL key and, for jobs, its creator (the implicit owner of an ACL-less job). */
export interface AclSubject {
  object: AclObject;
  creator?: string;
}

/** Whether a caller is the workspace admin (the admin token's user): admins may do everything. */
export function isAdmin(userName: string): boolean {
  return userName === ADMIN_USER;
}

/** The entries a caller matches: its name as a user or a service principal, and the `users` group. */
export function principalRefsOf(userName: string): PrincipalRef[] {
  return [
    { principal_type: 'user', principal_name: userName },
    { principal_type: 'service_principal', principal_name: userName },
    { principal_type: 'group', principal_name: USERS_GROUP },
  ];
}

/** Validates request entries into stored entries; `where` is the field path for messages. */
export function parseAclRequest(raw: unknown, where: string): AclEntry[] {
  const r = z.array(AclRequestEntry).safeParse(raw ?? []);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new WeirError('VALIDATION.INVALID', `${where}[${String(issue?.path.join('].') ?? '')}: ${issue?.message}; each entry is {user_name | group_name | service_principal_name, permission_level: CAN_VIEW | CAN_MANAGE_RUN | CAN_MANAGE | IS_OWNER}.`);
  }
  const entries = r.data.map((e, i) => entryOf(e, `${where}[${i}]`));
  const owners = entries.filter((e) => e.permission_level === 'IS_OWNER');
  if (owners.length > 1) throw new WeirError('VALIDATION.INVALID', `${where}: ${owners.length} entries are IS_OWNER; a job has exactly one owner, so name one.`);
  return entries;
}

function entryOf(e: AclRequestEntry, where: string): AclEntry {
  const names = [
    ['user', e.user_name],
    ['group', e.group_name],
    ['service_principal', e.service_principal_name],
  ].filter((n): n is ['user' | 'group' | 'service_principal', string] => n[1] !== undefined);
  if (names.length !== 1) throw new WeirError('VALIDATION.INVALID', `${where}: name exactly one of user_name, group_name or service_principal_name (got ${names.length}).`);
  const [principal_type, principal_name] = names[0]!;
  if (principal_type === 'group' && principal_name !== USERS_GROUP) {
    const why = principal_name === ADMINS_GROUP ? 'admins already have CAN_MANAGE on every job' : `weir has no group "${principal_name}"`;
    throw new WeirError('VALIDATION.INVALID', `${where}.group_name: ${why}; the only group an entry may name is "${USERS_GROUP}" (every user).`);
  }
  if (e.permission_level === 'IS_OWNER' && principal_type === 'group') {
    throw new WeirError('VALIDATION.INVALID', `${where}: a group cannot own a job; make a user or a service principal IS_OWNER.`);
  }
  return { principal_type, principal_name, permission_level: e.permission_level };
}

/** Job and one-time-run permissions: effective levels of callers, and the ACLs behind them. */
export class JobPermissions {
  constructor(readonly store: PermissionStore) {}

  /** The caller's effective level on one object (admins: at least CAN_MANAGE), or undefined for none. */
  async levelOf(userName: string, s: AclSubject): Promise<PermissionLevel | undefined> {
    const held = (await this.store.levelsOf(s.object.object_type, [s.object.object_id], principalRefsOf(userName))).get(s.object.object_id) ?? [];
    return this.withImplicit(userName, s, highestLevel(held));
  }

  /** Effective levels of the caller on many objects of one type (one query plus one per ACL-less object the caller created). */
  async levelsOf(userName: string, subjects: AclSubject[]): Promise<Map<number, PermissionLevel | undefined>> {
    const out = new Map<number, PermissionLevel | undefined>();
    const type = subjects[0]?.object.object_type;
    if (!type) return out;
    const held = await this.store.levelsOf(type, subjects.map((s) => s.object.object_id), principalRefsOf(userName));
    for (const s of subjects) out.set(s.object.object_id, await this.withImplicit(userName, s, highestLevel(held.get(s.object.object_id) ?? [])));
    return out;
  }

  /** Admins hold CAN_MANAGE everywhere; the creator owns an object that has no ACL at all (jobs made before permissions). */
  private async withImplicit(userName: string, s: AclSubject, level: PermissionLevel | undefined): Promise<PermissionLevel | undefined> {
    if (level === undefined && s.creator === userName && (await this.store.getAcl(s.object)).length === 0) level = 'IS_OWNER';
    if (isAdmin(userName) && levelRank(level) < levelRank('CAN_MANAGE')) level = 'CAN_MANAGE';
    return level;
  }

  /** The direct ACL of an object, with the implicit owner added when it has none. */
  async aclOf(s: AclSubject): Promise<AclEntry[]> {
    const acl = await this.store.getAcl(s.object);
    if (!acl.some((e) => e.permission_level === 'IS_OWNER') && s.creator) acl.unshift({ principal_type: 'user', principal_name: s.creator, permission_level: 'IS_OWNER' });
    return acl;
  }

  /** The initial ACL of a new job or one-time run: the creator owns it unless the request names another owner. */
  async grantInitial(object: AclObject, creator: string, requested: AclEntry[]): Promise<void> {
    const entries = requested.some((e) => e.permission_level === 'IS_OWNER') ? [...requested] : [{ principal_type: 'user' as const, principal_name: creator, permission_level: 'IS_OWNER' as const }, ...requested];
    await this.store.replaceAcl(object, dedupe(entries));
  }

  /** PUT: replaces the direct ACL; without an IS_OWNER entry the current owner stays owner. */
  async replace(s: AclSubject, entries: AclEntry[]): Promise<void> {
    const owner = (await this.aclOf(s)).find((e) => e.permission_level === 'IS_OWNER');
    const keepOwner = !entries.some((e) => e.permission_level === 'IS_OWNER') && owner;
    await this.store.replaceAcl(s.object, dedupe(keepOwner ? [owner, ...entries] : entries));
  }

  /** PATCH: sets the given principals' levels, keeping the rest; a new IS_OWNER demotes the old owner to CAN_MANAGE. */
  async update(s: AclSubject, entries: AclEntry[]): Promise<void> {
    const current = await this.aclOf(s);
    const newOwner = entries.find((e) => e.permission_level === 'IS_OWNER');
    const oldOwner = current.find((e) => e.permission_level === 'IS_OWNER');
    const demoted = newOwner && oldOwner && !samePrincipal(newOwner, oldOwner) ? [{ ...oldOwner, permission_level: 'CAN_MANAGE' as const }] : [];
    const untouched = current.filter((c) => ![...entries, ...demoted].some((e) => samePrincipal(e, c)));
    const next = dedupe([...untouched, ...demoted, ...entries]);
    if (oldOwner && !next.some((e) => e.permission_level === 'IS_OWNER')) {
      throw new WeirError('VALIDATION.INVALID', `access_control_list: ${oldOwner.principal_name} owns job ${s.object.object_id} and would lose it with no new owner; make another user or service principal IS_OWNER instead.`);
    }
    await this.store.replaceAcl(s.object, next);
  }
}

function samePrincipal(a: AclEntry, b: AclEntry): boolean {
  return a.principal_type === b.principal_type && a.principal_name === b.principal_name;
}

/** One entry per principal: the highest level named wins (a request may name a user twice). */
function dedupe(entries: AclEntry[]): AclEntry[] {
  const out: AclEntry[] = [];
  for (const e of entries) {
    const i = out.findIndex((o) => samePrincipal(o, e));
    if (i < 0) out.push(e);
    else if (levelRank(e.permission_level) > levelRank(out[i]!.permission_level)) out[i] = e;
  }
  return out;
}

/** Job permissions on the store's database (the API builds them when the caller passes none). */
export function openJobPermissions(db: Kysely<any>): JobPermissions {
  return new JobPermissions(new PermissionSqlStore(db));
}
