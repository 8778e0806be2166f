import { Client } from 'pg';

/**
 * Gives the manifest that `existingTag` names in `repository` the tags `name(1)`..`name(count)`,
 * straight in Berth's database (one INSERT ... SELECT), then ANALYZEs the table as autovacuum
 * would after such an insert. Only for setup: HTTP at this count would take minutes.
 */
export async function insertBerthTags(
  databaseUrl: string,
  repository: string,
  existingTag: string,
  count: number,
  prefix: string,
  width: number,
): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const inserted = await client.query(
      `INSERT INTO tags (repository_id, name, manifest_id)
       SELECT t.repository_id, $4 || lpad(g::text, $5, '0'), t.manifest_id
       FROM tags t JOIN repositories r ON r.id = t.repository_id, generate_series(1, $2::int) g
       WHERE r.name = $1 AND t.name = $3`,
      [repository, count, existingTag, prefix, width],
    );
    if (inserted.rowCount !== count) throw new Error(`inserted ${inserted.rowCount} tags, not ${count}`);
    await client.query('ANALYZE tags');
  } finally {
    await client.end();
  }
}
