/**
 * Action reconciliation (PROTOCOL §Action Reconciliation): last protocol and metaData win, latest txn per appId,
 * latest domainMetadata per domain (a `removed` one deletes it), and files keyed by (path, deletion vector id)
 * where the newest add or remove wins. Paths are canonicalised first so `file:///t/a.parquet` and `a.parquet`
 * name the same file.
 */
import type { Action, AddFile, DeletionVectorDescriptor, DomainMetadata, Metadata, Protocol, RemoveFile } from '../actions.js';
import { dataFilePath } from '../scan/data-file-path.js';

/** The unique id of a deletion vector descriptor (storage type, path or inline data, offset). */
export function deletionVectorId(dv: DeletionVectorDescriptor | null | undefined): string {
  if (!dv) return '';
  return `${dv.storageType}${dv.pathOrInlineDv}${dv.offset === undefined || dv.offset === null ? '' : `@${dv.offset}`}`;
}

/** The mutable state of a log replay; apply actions in version order. */
export class LogReplay {
  protocol: Protocol | undefined;
  metadata: Metadata | undefined;
  readonly files = new Map<string, AddFile>();
  readonly tombstones = new Map<string, RemoveFile>();
  readonly txns = new Map<string, number>();
  readonly domainMetadata = new Map<string, DomainMetadata>();

  constructor(private readonly tablePath: string) {}

  private key(path: string, dv: DeletionVectorDescriptor | null | undefined): string {
    return `${dataFilePath(this.tablePath, path)}\u0000${deletionVectorId(dv)}`;
  }

  /** Applies the actions of one commit (or one checkpoint). */
  apply(actions: Action[]): void {
    for (const a of actions) {
      if ('add' in a) {
        const k = this.key(a.add.path, a.add.deletionVector);
        this.tombstones.delete(k);
        this.files.delete(k); // re-insert so `files` stays in log order of the newest add
        this.files.set(k, a.add);
      } else if ('remove' in a) {
        const k = this.key(a.remove.path, a.remove.deletionVector);
        this.files.delete(k);
        this.tombstones.set(k, a.remove);
      } else if ('protocol' in a) this.protocol = a.protocol;
      else if ('metaData' in a) this.metadata = a.metaData;
      else if ('txn' in a) this.txns.set(a.txn.appId, a.txn.version);
      else if ('domainMetadata' in a) {
        if (a.domainMetadata.removed) this.domainMetadata.delete(a.domainMetadata.domain);
        else this.domainMetadata.set(a.domainMetadata.domain, a.domainMetadata);
      }
    }
  }
}
