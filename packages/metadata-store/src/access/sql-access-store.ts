import { pageParams } from '../db/page-params';
import type { SqlClient } from '../db/sql-database';
import type { PageRequest } from '../model';
import type { AccessStore } from './access-store';
import type {
  CreateResult,
  Membership,
  NamespaceRecord,
  NamespaceRole,
  NewNamespace,
  NewRobot,
  NewUser,
  RobotRecord,
  UserRecord,
} from './access-model';
import {
  MEMBERSHIP_COLUMNS,
  NAMESPACE_COLUMNS,
  ROBOT_COLUMNS,
  USER_COLUMNS,
  toMembership,
  toNamespaceRecord,
  toRobotRecord,
  toUserRecord,
  type MembershipRow,
  type NamespaceRow,
  type RobotRow,
  type UserRow,
} from './access-rows';

// The statements inserting a membership or a robot lock the rows they reference FOR KEY SHARE: a
// concurrent delete then either completes first, and the insert sees the row gone, or waits for the
// insert to commit and cascades to what it inserted. Without the lock, the insert could find the row
// and then fail its foreign key check.

/** A CTE `known_namespace` holding the namespace named by `$1`, if any, locked. */
const KNOWN_NAMESPACE = 'known_namespace AS (SELECT name FROM namespaces WHERE name = $1 FOR KEY SHARE)';

/** What a statement inserting a row that references a namespace found and did. */
interface NamespacedInsertRow {
  namespace_known: boolean;
  created: boolean;
}

/** The AccessStore in SQL, over the database of the SqlMetadataStore that owns it. */
export class SqlAccessStore implements AccessStore {
  readonly #db: SqlClient;

  constructor(db: SqlClient) {
    this.#db = db;
  }

  createUser(user: NewUser): Promise<'created' | 'exists'> {
    return this.#insert(
      `INSERT INTO users (name, password_hash, global_admin) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO NOTHING
       RETURNING 1`,
      [user.name, user.passwordHash, user.globalAdmin],
    );
  }

  async findUser(name: string): Promise<UserRecord | undefined> {
    const [row] = await this.#db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.name = $1`, [
      name,
    ]);
    return row && toUserRecord(row);
  }

  updateUser(name: string, changes: { passwordHash?: string; globalAdmin?: boolean }): Promise<boolean> {
    return this.#affects(
      `UPDATE users
       SET password_hash = coalesce($2, password_hash), global_admin = coalesce($3, global_admin)
       WHERE name = $1
       RETURNING 1`,
      [name, changes.passwordHash ?? null, changes.globalAdmin ?? null],
    );
  }

  deleteUser(name: string): Promise<boolean> {
    return this.#affects('DELETE FROM users WHERE name = $1 RETURNING 1', [name]);
  }

  async usersPage(page: PageRequest): Promise<UserRecord[]> {
    const rows = await this.#db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users u WHERE u.name > $1 ORDER BY u.name LIMIT $2`,
      pageParams(page),
    );
    return rows.map(toUserRecord);
  }

  createNamespace(namespace: NewNamespace): Promise<'created' | 'exists'> {
    return this.#insert(
      `INSERT INTO namespaces (name, public) VALUES ($1, $2)
       ON CONFLICT (name) DO NOTHING
       RETURNING 1`,
      [namespace.name, namespace.public],
    );
  }

  async findNamespace(name: string): Promise<NamespaceRecord | undefined> {
    const [row] = await this.#db.query<NamespaceRow>(
      `SELECT ${NAMESPACE_COLUMNS} FROM namespaces n WHERE n.name = $1`,
      [name],
    );
    return row && toNamespaceRecord(row);
  }

  updateNamespace(name: string, changes: { public?: boolean }): Promise<boolean> {
    return this.#affects('UPDATE namespaces SET public = coalesce($2, public) WHERE name = $1 RETURNING 1', [
      name,
      changes.public ?? null,
    ]);
  }

  deleteNamespace(name: string): Promise<boolean> {
    return this.#affects('DELETE FROM namespaces WHERE name = $1 RETURNING 1', [name]);
  }

  async namespacesPage(page: PageRequest): Promise<NamespaceRecord[]> {
    const rows = await this.#db.query<NamespaceRow>(
      `SELECT ${NAMESPACE_COLUMNS} FROM namespaces n WHERE n.name > $1 ORDER BY n.name LIMIT $2`,
      pageParams(page),
    );
    return rows.map(toNamespaceRecord);
  }

  async setMember(
    namespace: string,
    user: string,
    role: NamespaceRole,
  ): Promise<'created' | 'exists' | 'unknown-namespace' | 'unknown-user'> {
    // One statement, so that concurrent calls need no retry: the upsert waits for a concurrent
    // insert of the same membership and then updates it. PostgreSQL leaves xmax zero only on a row
    // version that the statement inserted; the updated version carries the upsert's row lock. That is
    // an implementation detail, though a long-standing one, and the contract tests pin it down.
    const [row] = await this.#db.query<NamespacedInsertRow & { user_known: boolean }>(
      `WITH ${KNOWN_NAMESPACE},
         known_user AS (SELECT name FROM users WHERE name = $2 FOR KEY SHARE),
         upserted AS (
           INSERT INTO namespace_members AS nm (namespace_name, user_name, role)
           SELECT known_namespace.name, known_user.name, $3 FROM known_namespace, known_user
           ON CONFLICT (namespace_name, user_name) DO UPDATE SET role = excluded.role
           RETURNING nm.xmax = 0 AS created
         )
       SELECT EXISTS (SELECT FROM known_namespace) AS namespace_known,
         EXISTS (SELECT FROM known_user) AS user_known,
         EXISTS (SELECT FROM upserted WHERE created) AS created`,
      [namespace, user, role],
    );
    if (row!.namespace_known && !row!.user_known) return 'unknown-user';
    return namespacedInsertResult(row!);
  }

  removeMember(namespace: string, user: string): Promise<boolean> {
    return this.#affects(
      'DELETE FROM namespace_members WHERE namespace_name = $1 AND user_name = $2 RETURNING 1',
      [namespace, user],
    );
  }

  members(namespace: string): Promise<Membership[]> {
    return this.#memberships('nm.namespace_name = $1 ORDER BY nm.user_name', namespace);
  }

  membershipsOf(user: string): Promise<Membership[]> {
    return this.#memberships('nm.user_name = $1 ORDER BY nm.namespace_name', user);
  }

  async roleOf(namespace: string, user: string): Promise<NamespaceRole | undefined> {
    const [row] = await this.#db.query<{ role: NamespaceRole }>(
      'SELECT role FROM namespace_members WHERE namespace_name = $1 AND user_name = $2',
      [namespace, user],
    );
    return row?.role;
  }

  async createRobot(
    robot: NewRobot,
  ): Promise<Extract<CreateResult, 'created' | 'exists' | 'unknown-namespace'>> {
    const [row] = await this.#db.query<NamespacedInsertRow>(
      `WITH ${KNOWN_NAMESPACE},
         inserted AS (
           INSERT INTO robots (namespace_name, name, secret_hash, actions, description, expires_at)
           SELECT name, $2, $3, $4::text[], $5, $6::timestamptz FROM known_namespace
           ON CONFLICT (namespace_name, name) DO NOTHING
           RETURNING 1
         )
       SELECT EXISTS (SELECT FROM known_namespace) AS namespace_known,
         EXISTS (SELECT FROM inserted) AS created`,
      [
        robot.namespace,
        robot.name,
        robot.secretHash,
        robot.actions,
        robot.description ?? null,
        robot.expiresAt ?? null,
      ],
    );
    return namespacedInsertResult(row!);
  }

  async findRobot(namespace: string, name: string): Promise<RobotRecord | undefined> {
    const [row] = await this.#db.query<RobotRow>(
      `SELECT ${ROBOT_COLUMNS} FROM robots r WHERE r.namespace_name = $1 AND r.name = $2`,
      [namespace, name],
    );
    return row && toRobotRecord(row);
  }

  async robots(namespace: string): Promise<RobotRecord[]> {
    const rows = await this.#db.query<RobotRow>(
      `SELECT ${ROBOT_COLUMNS} FROM robots r WHERE r.namespace_name = $1 ORDER BY r.name`,
      [namespace],
    );
    return rows.map(toRobotRecord);
  }

  revokeRobot(namespace: string, name: string, at: Date): Promise<boolean> {
    return this.#affects(
      `UPDATE robots SET revoked_at = coalesce(revoked_at, $3::timestamptz)
       WHERE namespace_name = $1 AND name = $2
       RETURNING 1`,
      [namespace, name, at],
    );
  }

  deleteRobot(namespace: string, name: string): Promise<boolean> {
    return this.#affects('DELETE FROM robots WHERE namespace_name = $1 AND name = $2 RETURNING 1', [
      namespace,
      name,
    ]);
  }

  /** Runs an INSERT ... ON CONFLICT DO NOTHING RETURNING, which returns a row only when it inserted one. */
  async #insert(text: string, params: readonly unknown[]): Promise<'created' | 'exists'> {
    return (await this.#affects(text, params)) ? 'created' : 'exists';
  }

  /** Runs a statement that RETURNS a row per row it wrote; true when it wrote any. */
  async #affects(text: string, params: readonly unknown[]): Promise<boolean> {
    const rows = await this.#db.query(text, params);
    return rows.length > 0;
  }

  async #memberships(condition: string, param: string): Promise<Membership[]> {
    const rows = await this.#db.query<MembershipRow>(
      `SELECT ${MEMBERSHIP_COLUMNS} FROM namespace_members nm WHERE ${condition}`,
      [param],
    );
    return rows.map(toMembership);
  }
}

function namespacedInsertResult(row: NamespacedInsertRow): 'created' | 'exists' | 'unknown-namespace' {
  if (!row.namespace_known) return 'unknown-namespace';
  return row.created ? 'created' : 'exists';
}
