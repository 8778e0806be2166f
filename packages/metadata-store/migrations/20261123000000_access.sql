-- Who may do what: users, namespaces (the first path component of repository names) with their
-- members' roles, and robot accounts of a namespace. Names use the "C" collation, as in the initial
-- migration, so that listings sort by bytes. Namespaces do not reference repositories: access is
-- granted on names, whether or not anything has been pushed under them yet.

CREATE TABLE users (
    name text COLLATE "C" PRIMARY KEY,
    password_hash text NOT NULL,
    global_admin boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE namespaces (
    name text COLLATE "C" PRIMARY KEY,
    public boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE namespace_members (
    namespace_name text COLLATE "C" NOT NULL REFERENCES namespaces (name) ON DELETE CASCADE,
    user_name text COLLATE "C" NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('reader', 'writer', 'maintainer', 'admin')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace_name, user_name)
);

-- A user's memberships, and deleting a user, which cascades to them.
CREATE INDEX namespace_members_user_name_idx ON namespace_members (user_name);

CREATE TABLE robots (
    namespace_name text COLLATE "C" NOT NULL REFERENCES namespaces (name) ON DELETE CASCADE,
    name text COLLATE "C" NOT NULL,
    secret_hash text NOT NULL,
    -- Containment also refuses NULL elements, which equal nothing.
    actions text[] NOT NULL CHECK (actions <@ ARRAY['pull', 'push', 'delete']),
    description text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    revoked_at timestamptz,
    PRIMARY KEY (namespace_name, name)
);
