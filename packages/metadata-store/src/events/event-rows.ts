import type { SqlClient } from '../db/sql-database';
import { InvalidEventPositionError } from './event-log';
import type { RegistryChange, RegistryEvent, WriteContext } from './registry-event';

/** An event as the events table holds it (transaction_id as text: xid8 exceeds 2^53). */
export interface EventRow {
  id: number;
  transaction_id: string;
  occurred_at: Date;
  kind: RegistryEvent['kind'];
  repository: string;
  digest: string | null;
  tag: string | null;
  actor: string | null;
  detail: Record<string, unknown> | null;
}

export const EVENT_COLUMNS =
  'e.id, e.transaction_id::text AS transaction_id, e.occurred_at, e.kind, e.repository, e.digest, e.tag, e.actor, e.detail';

/** A position is `<transaction id>/<event id>`: the order of the log is that pair's. */
export function formatPosition(transactionId: string, eventId: number): string {
  return `${transactionId}/${eventId}`;
}

// xid8 is unsigned 64-bit, the event id a bigint.
const MAX_TRANSACTION_ID = 2n ** 64n - 1n;
const MAX_EVENT_ID = 2n ** 63n - 1n;

/** The pair a position names, as query parameters. */
export function parsePosition(position: string): [transactionId: string, eventId: string] {
  const match = /^(\d{1,20})\/(\d{1,19})$/.exec(position);
  const [transactionId, eventId] = [match?.[1], match?.[2]];
  if (
    transactionId === undefined ||
    eventId === undefined ||
    BigInt(transactionId) > MAX_TRANSACTION_ID ||
    BigInt(eventId) > MAX_EVENT_ID
  )
    throw new InvalidEventPositionError(position);
  return [transactionId, eventId];
}

export function toEvent(row: EventRow): RegistryEvent {
  const common = {
    position: formatPosition(row.transaction_id, row.id),
    repository: row.repository,
    occurredAt: row.occurred_at,
    ...(row.actor !== null ? { actor: row.actor } : {}),
  };
  const detail = row.detail ?? {};
  const digest = row.digest ?? '';
  const tag = row.tag ?? '';
  switch (row.kind) {
    case 'repository.created':
      return { ...common, kind: row.kind };
    case 'blob.uploaded':
      return { ...common, kind: row.kind, digest, size: Number(detail.size) };
    case 'blob.mounted':
    case 'blob.unlinked':
    case 'manifest.deleted':
      return { ...common, kind: row.kind, digest };
    case 'manifest.pushed':
      return {
        ...common,
        kind: row.kind,
        digest,
        mediaType: String(detail.mediaType),
        size: Number(detail.size),
        ...(typeof detail.subjectDigest === 'string' ? { subjectDigest: detail.subjectDigest } : {}),
      };
    case 'tag.created':
    case 'tag.deleted':
      return { ...common, kind: row.kind, tag, digest };
    case 'tag.moved':
      return { ...common, kind: row.kind, tag, digest, previousDigest: String(detail.previousDigest) };
  }
}

/** The columns of a change other than its kind and repository. */
function changeColumns(change: RegistryChange): {
  digest?: string;
  tag?: string;
  detail?: Record<string, unknown>;
} {
  switch (change.kind) {
    case 'repository.created':
      return {};
    case 'blob.uploaded':
      return { digest: change.digest, detail: { size: change.size } };
    case 'blob.mounted':
    case 'blob.unlinked':
    case 'manifest.deleted':
      return { digest: change.digest };
    case 'manifest.pushed':
      return {
        digest: change.digest,
        detail: {
          mediaType: change.mediaType,
          size: change.size,
          ...(change.subjectDigest !== undefined ? { subjectDigest: change.subjectDigest } : {}),
        },
      };
    case 'tag.created':
    case 'tag.deleted':
      return { digest: change.digest, tag: change.tag };
    case 'tag.moved':
      return { digest: change.digest, tag: change.tag, detail: { previousDigest: change.previousDigest } };
  }
}

/**
 * Records `changes` of `repository` in the caller's transaction, in the order given. The
 * transaction must hold the repository's lock (lockRepository) since before its first write.
 */
export async function recordChanges(
  tx: SqlClient,
  repository: string,
  changes: readonly RegistryChange[],
  context: WriteContext,
): Promise<void> {
  if (changes.length === 0) return;
  const columns = changes.map(changeColumns);
  await tx.query(
    `INSERT INTO events (kind, repository, digest, tag, actor, detail)
     SELECT kind, $2, digest, tag, $3, detail
     FROM unnest($1::text[], $4::text[], $5::text[], $6::jsonb[]) WITH ORDINALITY
       AS c (kind, digest, tag, detail, ordinal)
     ORDER BY ordinal`,
    [
      changes.map((change) => change.kind),
      repository,
      context.actor ?? null,
      columns.map((column) => column.digest ?? null),
      columns.map((column) => column.tag ?? null),
      columns.map((column) => (column.detail ? JSON.stringify(column.detail) : null)),
    ],
  );
}
