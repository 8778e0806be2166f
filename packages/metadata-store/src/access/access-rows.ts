import type {
  Membership,
  NamespaceRecord,
  NamespaceRole,
  RepositoryAction,
  RobotRecord,
  UserRecord,
} from './access-model';

// Role and action columns are typed as the model's unions: CHECK constraints keep other values out.

/** Columns of `users u` that make a UserRecord. */
export const USER_COLUMNS = 'u.name, u.password_hash, u.global_admin, u.created_at';

/** A row of USER_COLUMNS. */
export interface UserRow {
  name: string;
  password_hash: string;
  global_admin: boolean;
  created_at: Date;
}

/** Maps a UserRow to the model. */
export function toUserRecord(row: UserRow): UserRecord {
  return {
    name: row.name,
    passwordHash: row.password_hash,
    globalAdmin: row.global_admin,
    createdAt: row.created_at,
  };
}

/** Columns of `namespaces n` that make a NamespaceRecord. */
export const NAMESPACE_COLUMNS = 'n.name, n.public, n.created_at';

/** A row of NAMESPACE_COLUMNS. */
export interface NamespaceRow {
  name: string;
  public: boolean;
  created_at: Date;
}

/** Maps a NamespaceRow to the model. */
export function toNamespaceRecord(row: NamespaceRow): NamespaceRecord {
  return { name: row.name, public: row.public, createdAt: row.created_at };
}

/** Columns of `namespace_members nm` that make a Membership. */
export const MEMBERSHIP_COLUMNS = 'nm.namespace_name, nm.user_name, nm.role';

/** A row of MEMBERSHIP_COLUMNS. */
export interface MembershipRow {
  namespace_name: string;
  user_name: string;
  role: NamespaceRole;
}

/** Maps a MembershipRow to the model. */
export function toMembership(row: MembershipRow): Membership {
  return { namespace: row.namespace_name, user: row.user_name, role: row.role };
}

/** Columns of `robots r` that make a RobotRecord. */
export const ROBOT_COLUMNS =
  'r.namespace_name, r.name, r.secret_hash, r.actions, r.description, r.created_at, r.expires_at, r.revoked_at';

/** A row of ROBOT_COLUMNS. */
export interface RobotRow {
  namespace_name: string;
  name: string;
  secret_hash: string;
  actions: RepositoryAction[];
  description: string | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

/** Maps a RobotRow to the model. */
export function toRobotRecord(row: RobotRow): RobotRecord {
  return {
    namespace: row.namespace_name,
    name: row.name,
    secretHash: row.secret_hash,
    actions: row.actions,
    ...(row.description !== null ? { description: row.description } : {}),
    createdAt: row.created_at,
    ...(row.expires_at !== null ? { expiresAt: row.expires_at } : {}),
    ...(row.revoked_at !== null ? { revokedAt: row.revoked_at } : {}),
  };
}
