import { filesystemOptionsSchema, s3OptionsSchema } from '@berth/blob-store';
import { redisOptionsSchema } from '@berth/coordinator';
import { pgliteOptionsSchema, postgresOptionsSchema } from '@berth/metadata-store';
import { z } from 'zod';

/** A YAML boolean, or the words environment variables spell one with (`true`, `0`, `off`...). */
const booleanSetting = z.union([z.boolean(), z.stringbool()], { error: 'expected true or false' });
const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().nonnegative();
const positiveInt = z.coerce.number().int().positive();
const MiB = 1024 * 1024;

/** `object` refined to hold exactly one of two optional keys, a rule its JSON Schema states too. */
function exactlyOneOf<Shape extends z.ZodRawShape>(
  object: z.ZodObject<Shape, z.core.$strict>,
  first: keyof Shape & string,
  second: keyof Shape & string,
) {
  const given = (value: object, key: string) => (value as Record<string, unknown>)[key] !== undefined;
  return object
    .refine(
      (value) => given(value, first) !== given(value, second),
      `give exactly one of ${first} or ${second}`,
    )
    .meta({ oneOf: [{ required: [first] }, { required: [second] }] });
}

/** A PEM key given inline or as a file path; `kid` defaults to the key's JWK thumbprint. */
const keySource = exactlyOneOf(
  z
    .object({
      pem: z.string().min(1).optional(),
      file: z.string().min(1).optional(),
      kid: z.string().min(1).optional(),
    })
    .strict(),
  'pem',
  'file',
);

/** A sustained rate with a burst: the token bucket every request class is limited by. */
const rate = z.object({ perSecond: z.coerce.number().positive(), burst: positiveInt }).strict();

export const REQUEST_CLASSES = ['manifestReads', 'blobReads', 'writes'] as const;

/**
 * The options of a driver other than the one chosen: one file may hold every driver's (as the
 * example file and the Helm chart do), so none is required, yet each is checked as far as it goes.
 */
function unused<Shape extends z.ZodRawShape>(options: z.ZodObject<Shape>) {
  return z.object(options.shape).strict().partial().optional();
}

/**
 * The chosen driver's options. When they are absent altogether they are checked as an empty
 * object, so that the error names each missing option (`blobs.s3.bucket`) rather than the group.
 */
function chosen<Options extends z.ZodType<object>>(options: Options) {
  // An empty object is not a valid input, which is the point: parsing it reports what is missing.
  return options.prefault({} as z.input<Options>);
}

/*
 * Each backend is a union by driver of the adapters' own option schemas, which hold every bound and
 * default of their options: only the chosen driver's options must be complete.
 */

const blobsShared = {
  /** Serve pulls by redirecting to a presigned URL; defaults to on where the store can presign. */
  redirect: booleanSetting.optional(),
  redirectExpirySeconds: positiveInt.default(1200),
};

const blobs = z
  .discriminatedUnion('driver', [
    z
      .object({
        driver: z.literal('filesystem').default('filesystem'),
        ...blobsShared,
        filesystem: filesystemOptionsSchema.prefault({}),
        s3: unused(s3OptionsSchema),
      })
      .strict(),
    z
      .object({
        driver: z.literal('s3'),
        ...blobsShared,
        s3: chosen(s3OptionsSchema),
        filesystem: unused(filesystemOptionsSchema),
      })
      .strict(),
  ])
  .prefault({});

const metadata = z
  .discriminatedUnion('driver', [
    z
      .object({
        driver: z.literal('pglite').default('pglite'),
        pglite: pgliteOptionsSchema.prefault({}),
        postgres: unused(postgresOptionsSchema),
      })
      .strict(),
    z
      .object({
        driver: z.literal('postgres'),
        postgres: chosen(postgresOptionsSchema),
        pglite: unused(pgliteOptionsSchema),
      })
      .strict(),
  ])
  .prefault({});

const coordinator = z
  .discriminatedUnion('driver', [
    z.object({ driver: z.literal('memory').default('memory'), redis: unused(redisOptionsSchema) }).strict(),
    z.object({ driver: z.literal('redis'), redis: chosen(redisOptionsSchema) }).strict(),
  ])
  .prefault({});

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
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .strict()
      .prefault({}),
    blobs,
    metadata,
    coordinator,
    uploads: z
      .object({
        /** An upload with no activity for this long is forgotten and its bytes discarded. */
        sessionTtlSeconds: positiveInt.default(86_400),
        /** How often each process looks for abandoned uploads to discard; 0 turns the janitor off. */
        janitorIntervalSeconds: seconds.default(300),
      })
      .strict()
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
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    events: z
      .object({
        /** Events are kept this long once every consumer has handled them. */
        retentionSeconds: positiveInt.default(604_800),
        /** How often old events are pruned (one process at a time); 0 turns pruning off. */
        pruneIntervalSeconds: seconds.default(3_600),
      })
      .strict()
      .prefault({}),
    gc: z
      .object({
        /**
         * How long after a change that may leave a blob unused it is reviewed (plus up to the
         * jitter): a client that checked a blob exists has this long to push the manifest using
         * it. For the whole deployment: the last process to start sets it.
         */
        reviewDelaySeconds: seconds.default(86_400),
        reviewJitterSeconds: seconds.default(3_600),
        /**
         * Deletes manifests that no tag names, no index lists and no subject keeps, with their
         * referrers, after the delay. Off by default: clusters pull by digest. For the whole
         * deployment, like the delay.
         */
        untaggedManifests: booleanSetting.default(false),
        /** How often each process reviews what is due; 0 turns garbage collection off here. */
        intervalSeconds: seconds.default(60),
        /**
         * The share of its time a process's collection works through a backlog; it rests the
         * rest, so that pushes and pulls keep the cores and the database. 1 works flat out.
         */
        busyFraction: z.coerce.number().gt(0).max(1).default(0.1),
        /**
         * Blob objects that no row names (left by a process killed mid-push) are deleted once this
         * old, which must exceed the longest upload, by a sweep run this often (0: never).
         */
        orphanMinimumAgeSeconds: positiveInt.default(172_800),
        orphanSweepIntervalSeconds: seconds.default(21_600),
      })
      .strict()
      .prefault({}),
    workers: z
      .object({
        /**
         * Off, this process runs no background work (upload janitor, event pruning, garbage
         * collection): for API
         * pods of a deployment whose dedicated worker pods run it.
         */
        enabled: booleanSetting.default(true),
      })
      .strict()
      .prefault({}),
    shutdown: z
      .object({
        /** After SIGTERM, still serving while /readyz says draining, before the listener closes. */
        drainSeconds: seconds.default(0),
        /** Then how long requests in flight get to finish. */
        graceSeconds: seconds.default(25),
      })
      .strict()
      .prefault({}),
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
            exactlyOneOf(
              z
                .object({
                  issuer: z.string().min(1),
                  audience: z.string().min(1),
                  jwksUrl: z.url().optional(),
                  keys: z.array(keySource).optional(),
                })
                .strict(),
              'jwksUrl',
              'keys',
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
      .strict()
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
          .strict()
          .prefault({}),
        /** Limits for one namespace's traffic, or one robot's (`<namespace>+<robot>`), replacing the defaults. */
        overrides: z
          .array(
            exactlyOneOf(
              z
                .object({
                  namespace: z.string().min(1).optional(),
                  account: z.string().min(1).optional(),
                  class: z.enum(REQUEST_CLASSES),
                  limit: rate,
                })
                .strict(),
              'namespace',
              'account',
            ),
          )
          .default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const require = (ok: boolean, path: string[], message: string) => {
      if (!ok) ctx.addIssue({ code: 'custom', path, message });
    };
    require(config.http.workers === 1 ||
      (config.metadata.driver === 'postgres' && config.coordinator.driver === 'redis'), [
      'http',
      'workers',
    ], 'above 1 needs metadata.driver postgres and coordinator.driver redis (processes share no memory)');
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
