import { Client } from 'pg';
import type { NumberedTags, TagSeeder } from './registry-target';

/** Makes tags straight in the Berth database at `databaseUrl`. */
export const berthTagSeeder = (databaseUrl: string): TagSeeder => ({
  method: 'one INSERT in PostgreSQL (then ANALYZE)',
  seed: (repository, existingTag, tags) => insertTags(databaseUrl, repository, existingTag, tags),
});

/**
 * One INSERT ... SELECT, then an ANALYZE of the table as autovacuum would run after such an
 * insert, so that the listing is planned as it would be in a registry that grew this big.
 */
async function insertTags(
  databaseUrl: string,
  repository: string,
  existingTag: string,
  tags: NumberedTags,
): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const inserted = await client.query(
      `INSERT INTO tags (repository_id, name, manifest_id)
       SELECT t.repository_id, $4 || lpad(g::text, $5, '0'), t.manifest_id
       FROM tags t JOIN repositories r ON r.id = t.repository_id, generate_series(1, $2::int) g
       WHERE r.name = $1 AND t.name = $3`,
      [repository, tags.count, existingTag, tags.prefix, tags.width],
    );
    if (inserted.rowCount !== tags.count)
      throw new Error(`inserted ${inserted.rowCount} tags, not ${tags.count}`);
    await client.query('ANALYZE tags');
  } finally {
    await client.end();
  }
}
