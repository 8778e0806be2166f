import { z } from 'zod';

const booleanSetting = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
  if (['false', '0', 'no', 'off'].includes(normalized)) return false;
  return value;
}, z.boolean());
const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().nonnegative();
const positiveInt = z.coerce.number().int().positive();
/** How long to wait for a backend; there is always a limit, so a stalled backend becomes a 503. */
const deadlineSeconds = z.coerce.number().positive();
const MiB = 1024 * 1024;

/** A PEM key given inline or as a file path; `kid` defaults to the key's JWK thumbprint. */
const keySource = z
  .object({
    pem: z.string().min(1).optional(),
    file: z.string().min(1).optional(),
    kid: z.string().min(1).optional(),
  })
  .strict()
  .refine((key) => (key.pem === undefined) !== (key.file === undefined), 'give exactly one of pem or file');

/** A sustained rate with a burst: the token bucket every request class is limited by. */
const rate = z.object({ perSecond: z.coerce.number().positive(), burst: positiveInt }).strict();

export const REQUEST_CLASSES = ['manifestReads', 'blobReads', 'writes'] as const;

/** The whole configuration: YAML file and BERTH_* environment variables both map onto this tree. */
export const configSchema = z
  .object({
    http: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(5000),
        /**
         * Proxies in front of Berth (ingress, load balancer) whose X-Forwarded-For is believed, so
         * rate limits and failed-login counts see the client's address instead of the proxy's.
         */
        trustedProxyHops: z.coerce.number().int().min(0).max(10).default(0),
        /** External base URL, when the registry sits behind a proxy that rewrites the host. */
        publicUrl: z.url().optional(),
        /** Time allowed to receive request headers; cuts off slowloris clients. */
        headersTimeoutSeconds: seconds.default(30),
        /** A connection with no bytes moving for this long is closed, even mid-body. */
        idleTimeoutSeconds: seconds.default(120),
        keepAliveTimeoutSeconds: seconds.default(65),
        /**
         * Processes serving the port (Node's cluster module), so one pod uses every core it is
         * given. Above 1 it needs shared backends: postgres metadata and redis coordination.
         */
        workers: positiveInt.default(1),
      })
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .prefault({}),
    blobs: z
      .object({
        driver: z.enum(['filesystem', 's3']).default('filesystem'),
        /** Serve pulls by redirecting to a presigned URL; defaults to on where the store can presign. */
        redirect: booleanSetting.optional(),
        redirectExpirySeconds: positiveInt.default(1200),
        filesystem: z.object({ root: z.string().min(1).default('./data/blobs') }).prefault({}),
        s3: z
          .object({
            bucket: z.string().min(1).optional(),
            region: z.string().min(1).default('us-east-1'),
            endpoint: z.url().optional(),
            forcePathStyle: booleanSetting.default(false),
            accessKeyId: z.string().min(1).optional(),
            secretAccessKey: z.string().min(1).optional(),
            prefix: z.string().optional(),
            partSize: positiveInt.min(5 * MiB).optional(),
            /** To open a connection: a SYN lost twice is retried within 3 s. */
            connectTimeoutSeconds: deadlineSeconds.default(5),
            /**
             * S3 may keep a call waiting this long for its answer, or between two bytes of a body it
             * sends or takes. A client that pauses mid-push or reads slowly is not counted against
             * it (that is http.idleTimeoutSeconds); an S3 that stops answering is, whatever the client.
             */
            requestTimeoutSeconds: deadlineSeconds.default(30),
          })
          .prefault({}),
      })
      .prefault({}),
    metadata: z
      .object({
        driver: z.enum(['pglite', 'postgres']).default('pglite'),
        pglite: z.object({ dataDir: z.string().min(1).default('./data/metadata') }).prefault({}),
        postgres: z
          .object({
            url: z.string().min(1).optional(),
            poolSize: positiveInt.default(10),
            /** To open a connection, or to be given one while every connection of the pool is busy. */
            connectTimeoutSeconds: deadlineSeconds.default(5),
            /**
             * PostgreSQL cancels a statement running longer (statement_timeout), and a statement
             * with no answer a second after that is given up: the server or the path to it is gone.
             * The registry's statements take milliseconds; migrations are exempt.
             */
            statementTimeoutSeconds: deadlineSeconds.default(10),
          })
          .prefault({}),
      })
      .prefault({}),
    coordinator: z
      .object({
        driver: z.enum(['memory', 'redis']).default('memory'),
        redis: z
          .object({
            url: z.string().min(1).optional(),
            keyPrefix: z.string().default('berth:'),
            connectTimeoutSeconds: deadlineSeconds.default(3),
            /**
             * A command with no reply this long fails, and its connection is replaced. Commands
             * take well under a millisecond; this is about a Redis that stopped answering.
             */
            commandTimeoutSeconds: deadlineSeconds.default(5),
          })
          .prefault({}),
      })
      .prefault({}),
    uploads: z
      .object({
        /** An upload with no activity for this long is forgotten and its bytes discarded. */
        sessionTtlSeconds: positiveInt.default(86_400),
        /** How often each process looks for abandoned uploads to discard; 0 turns the janitor off. */
        janitorIntervalSeconds: seconds.default(300),
      })
      .prefault({}),
    manifests: z
      .object({
        maxBytes: positiveInt.default(4 * MiB),
        /** Manifests each process keeps after reading them; see ManifestCache. */
        cache: z
          .object({
            /** The longest an entry is served from memory; 0 turns the cache off. */
            ttlSeconds: seconds.default(10),
            maxBytes: positiveInt.default(32 * MiB),
          })
          .prefault({}),
      })
      .prefault({}),
    shutdown: z.object({ graceSeconds: seconds.default(25) }).prefault({}),
    auth: z
      .object({
        /** Off, anyone may pull and push: only for a registry nobody else can reach. */
        enabled: booleanSetting.default(false),
        /** The token endpoint clients are sent to; defaults to /auth/token on this registry. */
        realm: z.url().optional(),
        /** Names this registry in tokens (`aud`) and challenges. */
        service: z.string().min(1).default('berth'),
        /** `iss` of the tokens this registry issues. */
        issuer: z.string().min(1).default('berth'),
        tokenTtlSeconds: positiveInt.max(86_400).default(300),
        refreshTokenTtlSeconds: positiveInt.default(7 * 86_400),
        /** Signs issued tokens. Without one, a key is generated per start (single process only). */
        signingKey: keySource.optional(),
        /** Further keys that tokens may be signed with: previous signing keys while they expire. */
        verificationKeys: z.array(keySource).default([]),
        /** Identity services whose tokens are trusted as they are. */
        externalIssuers: z
          .array(
            z
              .object({
                issuer: z.string().min(1),
                audience: z.string().min(1),
                jwksUrl: z.url().optional(),
                keys: z.array(keySource).optional(),
              })
              .strict()
              .refine(
                (external) => (external.jwksUrl === undefined) !== (external.keys === undefined),
                'give exactly one of jwksUrl or keys',
              ),
          )
          .default([]),
        /**
         * Repository name prefixes that are namespaces of their own (e.g. `team/app` so that
         * `team/app/api` belongs to it); otherwise a namespace is the first path component.
         */
        namespacePrefixes: z.array(z.string().min(1)).default([]),
        /** Creates this global admin at start when no user exists yet. */
        initialAdmin: z
          .object({ username: z.string().min(1), password: z.string().min(12) })
          .strict()
          .optional(),
        /** Failed logins allowed per client address before they are refused for a while. */
        failedLogins: rate.default({ perSecond: 0.2, burst: 10 }),
      })
      .prefault({}),
    rateLimits: z
      .object({
        enabled: booleanSetting.default(false),
        /** Per identity (client address when anonymous) and request class. */
        defaults: z
          .object({
            manifestReads: rate.default({ perSecond: 100, burst: 300 }),
            blobReads: rate.default({ perSecond: 100, burst: 300 }),
            writes: rate.default({ perSecond: 50, burst: 200 }),
          })
          .prefault({}),
        /** Limits for one namespace's traffic, or one robot's (`<namespace>+<robot>`), replacing the defaults. */
        overrides: z
          .array(
            z
              .object({
                namespace: z.string().min(1).optional(),
                account: z.string().min(1).optional(),
                class: z.enum(REQUEST_CLASSES),
                limit: rate,
              })
              .strict()
              .refine(
                (override) => (override.namespace === undefined) !== (override.account === undefined),
                'give exactly one of namespace or account',
              ),
          )
          .default([]),
      })
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const require = (ok: boolean, path: string[], message: string) => {
      if (!ok) ctx.addIssue({ code: 'custom', path, message });
    };
    require(config.blobs.driver !== 's3' || config.blobs.s3.bucket !== undefined, [
      'blobs',
      's3',
      'bucket',
    ], 'required when blobs.driver is s3');
    require(config.metadata.driver !== 'postgres' || config.metadata.postgres.url !== undefined, [
      'metadata',
      'postgres',
      'url',
    ], 'required when metadata.driver is postgres');
    require(config.http.workers === 1 ||
      (config.metadata.driver === 'postgres' && config.coordinator.driver === 'redis'), [
      'http',
      'workers',
    ], 'above 1 needs metadata.driver postgres and coordinator.driver redis (processes share no memory)');
    require(config.coordinator.driver !== 'redis' || config.coordinator.redis.url !== undefined, [
      'coordinator',
      'redis',
      'url',
    ], 'required when coordinator.driver is redis');
    require(!config.auth.enabled ||
      config.auth.signingKey !== undefined ||
      config.coordinator.driver === 'memory', [
      'auth',
      'signingKey',
    ], 'required when auth is enabled with shared coordination (every process must sign with the same key)');
  });

/** Validated configuration. */
export type Config = z.infer<typeof configSchema>;

/** Paths of settings whose values must never be printed or logged. */
export const SECRET_SETTINGS = [
  ['blobs', 's3', 'secretAccessKey'],
  ['metadata', 'postgres', 'url'],
  ['coordinator', 'redis', 'url'],
  ['auth', 'signingKey', 'pem'],
  ['auth', 'initialAdmin', 'password'],
] as const;

/** A class of requests that shares one rate limit. */
export type RequestClass = (typeof REQUEST_CLASSES)[number];
