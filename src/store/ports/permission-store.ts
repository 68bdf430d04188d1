import type { AclEntry, PermissionLevel, PrincipalType } from '../../domain/permission-level.js';

/** What an access control list belongs to: a job, or a one-time run (runs/submit), by its numeric id. */
export interface AclObject {
  object_type: 'job' | 'run';
  object_id: number;
}

/** A principal as entries name it, used to look up the levels one caller holds. */
export interface PrincipalRef {
  principal_type: PrincipalType;
  principal_name: string;
}

/** Persistence of the direct access control lists of jobs and one-time runs. */
export interface PermissionStore {
  /** The direct entries of one object, ordered by principal type and name. */
  getAcl(object: AclObject): Promise<AclEntry[]>;
  /** Replaces every direct entry of the object with `entries` (one transaction). */
  replaceAcl(object: AclObject, entries: AclEntry[]): Promise<void>;
  /** Deletes every entry of the object (its job or run was deleted). */
  deleteAcl(object: AclObject): Promise<void>;
  /**
   * The levels any of `principals` hold on each of the objects of one type: a map from object id to levels
   * (objects where none of them has an entry are absent). One query for a page of jobs or runs.
   */
  levelsOf(objectType: AclObject['object_type'], objectIds: number[], principals: PrincipalRef[]): Promise<Map<number, PermissionLevel[]>>;
}
