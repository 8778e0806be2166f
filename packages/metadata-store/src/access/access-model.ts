/** What a namespace member may do, each role including the ones before it. */
export const NAMESPACE_ROLES = ['reader', 'writer', 'maintainer', 'admin'] as const;
export type NamespaceRole = (typeof NAMESPACE_ROLES)[number];

/** Actions on a repository, as token scopes name them. */
export const REPOSITORY_ACTIONS = ['pull', 'push', 'delete'] as const;
export type RepositoryAction = (typeof REPOSITORY_ACTIONS)[number];

/** A person who logs in with a password. */
export interface UserRecord {
  name: string;
  /** Self-describing hash (algorithm and parameters included); never the password. */
  passwordHash: string;
  /** May do anything, anywhere, including managing users. */
  globalAdmin: boolean;
  createdAt: Date;
}

export interface NewUser {
  name: string;
  passwordHash: string;
  globalAdmin: boolean;
}

/** The first path component of repository names (or a configured prefix) that access is granted on. */
export interface NamespaceRecord {
  name: string;
  /** Anyone, even without credentials, may pull from a public namespace. */
  public: boolean;
  createdAt: Date;
}

export interface NewNamespace {
  name: string;
  public: boolean;
}

export interface Membership {
  namespace: string;
  user: string;
  role: NamespaceRole;
}

/** A machine account of one namespace, limited to some actions, logging in with a random secret. */
export interface RobotRecord {
  namespace: string;
  /** Unique within the namespace. */
  name: string;
  secretHash: string;
  actions: RepositoryAction[];
  description?: string;
  createdAt: Date;
  expiresAt?: Date;
  revokedAt?: Date;
}

export interface NewRobot {
  namespace: string;
  name: string;
  secretHash: string;
  actions: RepositoryAction[];
  description?: string;
  expiresAt?: Date;
}

/** Outcome of an insert that names other records. */
export type CreateResult = 'created' | 'exists' | 'unknown-namespace' | 'unknown-user';
