import { z } from 'zod';

/** Databricks job permission levels, lowest first (each includes what the ones before it allow). */
export const JOB_PERMISSION_LEVELS = ['CAN_VIEW', 'CAN_MANAGE_RUN', 'CAN_MANAGE', 'IS_OWNER'] as const;

/** A job permission level as the Permissions API names it. */
export const PermissionLevel = z.enum(JOB_PERMISSION_LEVELS);
/** A job permission level as the Permissions API names it. */
export type PermissionLevel = z.infer<typeof PermissionLevel>;

/** Who an access control entry names: a user, a group or a service principal (by application id). */
export type PrincipalType = 'user' | 'group' | 'service_principal';

/** One access control entry of a job or a one-time run. */
export interface AclEntry {
  principal_type: PrincipalType;
  principal_name: string;
  permission_level: PermissionLevel;
}

/** What each level allows, as GET …/permissionLevels describes it. */
export const PERMISSION_LEVEL_DESCRIPTIONS: Readonly<Record<PermissionLevel, string>> = {
  CAN_VIEW: 'Can view the job, its runs, their output and logs',
  CAN_MANAGE_RUN: 'Can view the job and run, cancel and repair its runs',
  CAN_MANAGE: 'Can edit, delete and run the job and change its permissions',
  IS_OWNER: 'Owns the job: everything CAN_MANAGE allows; the job runs as its owner',
};

/** Rank of a level (higher allows more); -1 for no permission. */
export function levelRank(level: PermissionLevel | undefined): number {
  return level === undefined ? -1 : JOB_PERMISSION_LEVELS.indexOf(level);
}

/** Whether `has` allows what `needs` requires. */
export function levelAllows(has: PermissionLevel | undefined, needs: PermissionLevel): boolean {
  return levelRank(has) >= levelRank(needs);
}

/** The highest of some levels, or undefined when there are none. */
export function highestLevel(levels: Iterable<PermissionLevel | undefined>): PermissionLevel | undefined {
  let best: PermissionLevel | undefined;
  for (const l of levels) if (levelRank(l) > levelRank(best)) best = l;
  return best;
}
