import type { SqlClient } from '../db/sql-database';
import { UnknownConsumerError, type ConsumerStart, type EventConsumer, type EventLog } from './event-log';
import { EVENT_COLUMNS, formatPosition, parsePosition, toEvent, type EventRow } from './event-rows';
import type { RegistryEvent } from './registry-event';

/** Transactions below this one have all ended: no event can appear behind it any more. */
const HORIZON = 'pg_snapshot_xmin(pg_current_snapshot())';

/** The event log in the registry's SQL database (see the migration that creates its tables). */
export class SqlEventLog implements EventLog {
  constructor(private readonly db: SqlClient) {}

  async register(consumer: string, start: ConsumerStart): Promise<void> {
    // 'latest' starts after the newest event below the horizon: any event not yet readable
    // belongs to a transaction at or above it, so it still comes after the cursor.
    await this.db.query(
      `INSERT INTO event_consumers (name, transaction_id, event_id)
       SELECT $1, coalesce(newest.transaction_id, '0'::xid8), coalesce(newest.id, 0)
       FROM (SELECT 1) AS one
       LEFT JOIN (
         SELECT transaction_id, id FROM events
         WHERE $2 AND transaction_id < ${HORIZON}
         ORDER BY transaction_id DESC, id DESC
         LIMIT 1
       ) AS newest ON true
       ON CONFLICT (name) DO NOTHING`,
      [consumer, start === 'latest'],
    );
  }

  async unregister(consumer: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM event_consumers WHERE name = $1 RETURNING 1', [consumer]);
    return rows.length > 0;
  }

  async read(consumer: string, limit: number): Promise<RegistryEvent[]> {
    const rows = await this.db.query<EventRow & { consumer: string }>(
      `SELECT c.name AS consumer, ${EVENT_COLUMNS}
       FROM event_consumers c
       LEFT JOIN LATERAL (
         SELECT * FROM events
         WHERE (transaction_id, id) > (c.transaction_id, c.event_id) AND transaction_id < ${HORIZON}
         ORDER BY transaction_id, id
         LIMIT $2
       ) e ON true
       WHERE c.name = $1
       ORDER BY e.transaction_id, e.id`,
      [consumer, limit],
    );
    if (rows.length === 0) throw new UnknownConsumerError(consumer);
    return rows.flatMap((row) => (row.id === null ? [] : [toEvent(row)]));
  }

  async advance(consumer: string, position: string): Promise<void> {
    const [transactionId, eventId] = parsePosition(position);
    const [row] = await this.db.query<{ found: boolean }>(
      `WITH moved AS (
         UPDATE event_consumers SET transaction_id = $2::xid8, event_id = $3::bigint, updated_at = now()
         WHERE name = $1 AND (transaction_id, event_id) < ($2::xid8, $3::bigint)
         RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM moved) OR EXISTS (SELECT 1 FROM event_consumers WHERE name = $1) AS found`,
      [consumer, transactionId, eventId],
    );
    if (!row?.found) throw new UnknownConsumerError(consumer);
  }

  async consumers(): Promise<EventConsumer[]> {
    const rows = await this.db.query<{
      name: string;
      transaction_id: string;
      event_id: number;
      updated_at: Date;
      oldest_pending_at: Date | null;
    }>(
      `SELECT c.name, c.transaction_id::text AS transaction_id, c.event_id, c.updated_at,
              (SELECT e.occurred_at FROM events e
               WHERE (e.transaction_id, e.id) > (c.transaction_id, c.event_id)
               ORDER BY e.transaction_id, e.id LIMIT 1) AS oldest_pending_at
       FROM event_consumers c
       ORDER BY c.name`,
    );
    return rows.map((row) => ({
      name: row.name,
      ...(row.event_id !== 0 ? { position: formatPosition(row.transaction_id, row.event_id) } : {}),
      ...(row.oldest_pending_at ? { oldestPendingAt: row.oldest_pending_at } : {}),
      updatedAt: row.updated_at,
    }));
  }

  async prune(before: Date, limit: number): Promise<number> {
    const rows = await this.db.query(
      `DELETE FROM events WHERE (transaction_id, id) IN (
         SELECT e.transaction_id, e.id FROM events e
         WHERE e.occurred_at < $1
           AND NOT EXISTS (
             SELECT 1 FROM event_consumers c WHERE (e.transaction_id, e.id) > (c.transaction_id, c.event_id)
           )
         ORDER BY e.transaction_id, e.id
         LIMIT $2
       )
       RETURNING 1`,
      [before, limit],
    );
    return rows.length;
  }
}
