import type { PageRequest } from '../model';
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

/**
 * Who may do what: users, namespaces with their members' roles, and robot accounts. Names are
 * compared byte-wise. Deleting a user or a namespace removes its memberships (and a namespace's
 * robots); repositories are never touched. Text holding NUL or an unpaired UTF-16 surrogate is
 * refused with UnstorableTextError, as in the MetadataStore, pages' `last` excepted.
 */
export interface AccessStore {
  /** 'exists' when the name is taken. */
  createUser(user: NewUser): Promise<'created' | 'exists'>;
  findUser(name: string): Promise<UserRecord | undefined>;
  /** False when the user does not exist. */
  updateUser(name: string, changes: { passwordHash?: string; globalAdmin?: boolean }): Promise<boolean>;
  deleteUser(name: string): Promise<boolean>;
  /** Users in lexical order of name. */
  usersPage(page: PageRequest): Promise<UserRecord[]>;

  createNamespace(namespace: NewNamespace): Promise<'created' | 'exists'>;
  findNamespace(name: string): Promise<NamespaceRecord | undefined>;
  updateNamespace(name: string, changes: { public?: boolean }): Promise<boolean>;
  deleteNamespace(name: string): Promise<boolean>;
  /** Namespaces in lexical order of name. */
  namespacesPage(page: PageRequest): Promise<NamespaceRecord[]>;

  /** Adds a member or changes its role. */
  setMember(
    namespace: string,
    user: string,
    role: NamespaceRole,
  ): Promise<'created' | 'exists' | 'unknown-namespace' | 'unknown-user'>;
  removeMember(namespace: string, user: string): Promise<boolean>;
  /** Members of a namespace, by user name. */
  members(namespace: string): Promise<Membership[]>;
  /** A user's memberships, by namespace name. */
  membershipsOf(user: string): Promise<Membership[]>;
  /** The user's role in the namespace, if a member. */
  roleOf(namespace: string, user: string): Promise<NamespaceRole | undefined>;

  createRobot(robot: NewRobot): Promise<Extract<CreateResult, 'created' | 'exists' | 'unknown-namespace'>>;
  findRobot(namespace: string, name: string): Promise<RobotRecord | undefined>;
  /** Robots of a namespace, by name, revoked and expired ones included. */
  robots(namespace: string): Promise<RobotRecord[]>;
  /** Marks a robot revoked at `at`; false when it does not exist. Revoking twice keeps the first time. */
  revokeRobot(namespace: string, name: string, at: Date): Promise<boolean>;
  deleteRobot(namespace: string, name: string): Promise<boolean>;
}
