/** What changed, by kind: every write that changes what a client can see records one or more. */
export type RegistryChange =
  | { kind: 'repository.created' }
  | { kind: 'blob.uploaded'; digest: string; size: number }
  | { kind: 'blob.mounted'; digest: string }
  | { kind: 'blob.unlinked'; digest: string }
  | { kind: 'manifest.pushed'; digest: string; mediaType: string; size: number; subjectDigest?: string }
  | { kind: 'manifest.deleted'; digest: string }
  | { kind: 'tag.created'; tag: string; digest: string }
  | { kind: 'tag.moved'; tag: string; digest: string; previousDigest: string }
  | { kind: 'tag.deleted'; tag: string; digest: string };

export type RegistryEventKind = RegistryChange['kind'];

/** A change as the event log keeps it. */
export type RegistryEvent = RegistryChange & {
  /**
   * Where the event stands in the log: opaque, compared only by the log. Events of one repository
   * come in the order their changes were committed.
   */
  position: string;
  repository: string;
  /** Who made the change, when the caller said. */
  actor?: string;
  occurredAt: Date;
};

/** Who makes a write, recorded with its events. */
export interface WriteContext {
  actor?: string;
}
