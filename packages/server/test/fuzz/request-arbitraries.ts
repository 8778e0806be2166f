import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER,
  OCI_MANIFEST,
  sha256,
  type TestImage,
} from '../support/oci-client';

/** What generated requests refer to: a repository and an image pushed to it before they run. */
export interface FuzzTargets {
  repository: string;
  image: TestImage;
}

/** How a generated body reaches the server. */
export type Delivery =
  | { kind: 'whole' }
  /** The client sends this fraction of the body, then closes its side. */
  | { kind: 'cut'; fraction: number }
  /** The client sends this fraction of the body, waits, then resets the connection. */
  | { kind: 'reset'; fraction: number; delayMs: number };

/** How the body is framed on the wire. */
export type Framing = 'length' | 'chunked' | 'broken-chunked' | 'wrong-length';

/** A request as generated; when `needsUpload`, its path takes an upload opened just before it is sent. */
export interface FuzzRequest {
  method: string;
  path: (uploadId: string) => string;
  needsUpload: boolean;
  query: [string, string][];
  headers: Record<string, string>;
  body: Buffer;
  framing: Framing;
  delivery: Delivery;
}

// Strings a parser or a database might choke on, beside random ones of every code point
// (lone surrogates included).
const TRICKY = [
  '\0',
  'a\0b',
  '\ud800',
  'x\udfffy',
  '\u202e',
  '..',
  '.',
  '%00',
  '%zz',
  '%',
  'a'.repeat(300),
  '-1',
  '1e3',
  '9007199254740993',
  '18446744073709551616',
  '73786976294838206464',
  ' ',
  '\r\n',
  '😀',
];

const hostileString = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'binary-ascii', maxLength: 24 }),
);

const number = fc.oneof(
  fc.nat({ max: 100_000 }),
  fc.constantFrom(0, 1, 2 ** 31, 2 ** 53 - 1, 2 ** 53, 2 ** 64, 1e21),
  fc.integer({ min: -5, max: -1 }),
);
const numberText = fc.oneof(number.map(String), fc.constantFrom(...TRICKY));

const digest = (targets: FuzzTargets) =>
  fc.oneof(
    fc.constantFrom(
      targets.image.digest,
      sha256(targets.image.config),
      sha256(targets.image.layers[0] ?? ''),
    ),
    fc
      .uint8Array({ minLength: 32, maxLength: 32 })
      .map((bytes) => `sha256:${Buffer.from(bytes).toString('hex')}`),
    fc.constantFrom(
      'sha256:',
      'sha512:abc',
      'md5:0123',
      'sha256:' + 'g'.repeat(64),
      'sha256:' + 'A'.repeat(64),
    ),
    hostileString,
  );

const repositoryName = (targets: FuzzTargets) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(targets.repository) },
    fc.constantFrom('library/alpine', 'a', 'A/B', 'a//b', 'a/', '/a', 'a/../b', '_catalog', 'x'.repeat(256)),
    hostileString,
  );

const reference = (targets: FuzzTargets) =>
  fc.oneof(fc.constantFrom('latest', 'v1.0', '_', 'x'.repeat(129)), digest(targets), hostileString);

/** Paths of every API route, with their variable parts fuzzed; `{upload}` is filled in at send time. */
const path = (targets: FuzzTargets) =>
  fc.oneof(
    fc.constantFrom('/v2/', '/v2', '/v2/_catalog', '/', '/metrics', '/readyz', '/v2/../etc/passwd'),
    fc.tuple(repositoryName(targets), reference(targets)).map(([n, r]) => `/v2/${n}/manifests/${r}`),
    fc.tuple(repositoryName(targets), digest(targets)).map(([n, d]) => `/v2/${n}/blobs/${d}`),
    repositoryName(targets).map((n) => `/v2/${n}/blobs/uploads/`),
    fc
      .tuple(
        repositoryName(targets),
        fc.oneof(fc.constant('{upload}'), fc.constant(randomUUID()), hostileString),
      )
      .map(([n, id]) => `/v2/${n}/blobs/uploads/${id}`),
    repositoryName(targets).map((n) => `/v2/${n}/tags/list`),
    fc.tuple(repositoryName(targets), digest(targets)).map(([n, d]) => `/v2/${n}/referrers/${d}`),
  );

const query = (targets: FuzzTargets) =>
  fc.array(
    fc.tuple(
      fc.oneof(fc.constantFrom('n', 'last', 'digest', 'mount', 'from', 'artifactType'), hostileString),
      fc.oneof(numberText, digest(targets), repositoryName(targets), hostileString),
    ),
    { maxLength: 3 },
  );

const contentRange = fc.oneof(
  fc.tuple(number, number).map(([a, b]) => `${a}-${b}`),
  fc.tuple(number, number).map(([a, b]) => `bytes ${a}-${b}/*`),
  fc.constantFrom('0-73786976294838206464', 'bytes=0-', '-', '5-1', '0-0/0'),
  hostileString,
);

const range = fc.oneof(
  fc.tuple(number, number).map(([a, b]) => `bytes=${a}-${b}`),
  number.map((n) => `bytes=-${n}`),
  number.map((n) => `bytes=${n}-`),
  fc.constantFrom('bytes=0-99999999999999999999', 'bytes=0-1,5-6', 'items=0-1', 'bytes=', 'bytes=-0'),
  hostileString,
);

const mediaType = fc.oneof(
  fc.constantFrom(OCI_MANIFEST, OCI_INDEX, 'application/vnd.docker.distribution.manifest.v2+json'),
  fc.constantFrom('application/vnd.docker.distribution.manifest.v1+prettyjws', 'application/json', '*/*'),
  hostileString,
);

/** Header values as a socket can carry them: no line breaks, bytes as latin1. */
const headerValue = (value: string) => Buffer.from(value.replace(/[\r\n]/g, ' '), 'utf8').toString('latin1');

const headers = fc
  .record(
    {
      'Content-Type': mediaType,
      'Content-Range': contentRange,
      Range: range,
      Accept: mediaType,
      'If-None-Match': hostileString,
      'X-Request-Id': hostileString,
    },
    { requiredKeys: [] },
  )
  .map((picked) =>
    Object.fromEntries(Object.entries(picked).map(([name, value]) => [name, headerValue(value)])),
  );

/** An image manifest for the target image, with annotations, types and a subject drawn at random. */
const manifest = (targets: FuzzTargets) =>
  fc
    .record({
      mediaType: fc.oneof({ weight: 3, arbitrary: fc.constant(OCI_MANIFEST) }, hostileString),
      artifactType: fc.option(fc.oneof(fc.constant('application/vnd.example.sbom+json'), hostileString)),
      annotations: fc.option(fc.dictionary(hostileString, hostileString, { maxKeys: 3 })),
      subject: fc.boolean(),
      layers: fc.boolean(),
    })
    .map(({ mediaType: type, artifactType, annotations, subject, layers }) => {
      const { image } = targets;
      const document = {
        schemaVersion: 2,
        mediaType: type,
        ...(artifactType !== null ? { artifactType } : {}),
        config: { mediaType: OCI_CONFIG, digest: sha256(image.config), size: image.config.length },
        layers: layers
          ? image.layers.map((layer) => ({ mediaType: OCI_LAYER, digest: sha256(layer), size: layer.length }))
          : [],
        ...(subject
          ? { subject: { mediaType: OCI_MANIFEST, digest: image.digest, size: image.manifest.length } }
          : {}),
        ...(annotations !== null ? { annotations } : {}),
      };
      return Buffer.from(JSON.stringify(document));
    });

/** A body: empty, random bytes, random JSON, a manifest, or a manifest with a byte changed. */
const body = (targets: FuzzTargets) =>
  fc.oneof(
    fc.constant(Buffer.alloc(0)),
    fc.uint8Array({ maxLength: 70_000 }).map((bytes) => Buffer.from(bytes)),
    fc.json().map((text) => Buffer.from(text)),
    { weight: 3, arbitrary: manifest(targets) },
    fc.tuple(manifest(targets), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([bytes, at, value]) => {
      const copy = Buffer.from(bytes);
      copy[at % copy.length] = value;
      return copy;
    }),
  );

const delivery: fc.Arbitrary<Delivery> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'whole' as const }) },
  fc.double({ min: 0, max: 0.99, noNaN: true }).map((fraction) => ({ kind: 'cut' as const, fraction })),
  fc
    .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 30 }))
    .map(([fraction, delayMs]) => ({ kind: 'reset' as const, fraction, delayMs })),
);

const framing: fc.Arbitrary<Framing> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('length' as const) },
  fc.constantFrom('chunked' as const, 'broken-chunked' as const, 'wrong-length' as const),
);

/** A request before its upload id is known; `{upload}` in the path stands for it. */
type Draft = Omit<FuzzRequest, 'path' | 'needsUpload'> & { path: string };

/** Mostly `valid`, sometimes `hostile`: most requests get past the checks in front of a route's work. */
const mostly = <T>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: hostile });

const wellSent = {
  framing: mostly(fc.constant<Framing>('length'), framing),
  delivery: mostly(fc.constant<Delivery>({ kind: 'whole' }), delivery),
};

/** Requests of any method to any route, every part drawn at random. */
const anyRequest = (targets: FuzzTargets): fc.Arbitrary<Draft> =>
  fc.record({
    method: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE') },
      fc.constantFrom('OPTIONS', 'TRACE', 'PROPFIND', 'CONNECT'),
    ),
    path: path(targets),
    query: query(targets),
    headers,
    body: body(targets),
    framing,
    delivery,
  });

/** Manifest pushes by tag or by the body's digest, most of them well formed apart from their content. */
const manifestPush = (targets: FuzzTargets): fc.Arbitrary<Draft> =>
  mostly(manifest(targets), body(targets)).chain((bytes) =>
    fc.record({
      method: mostly(fc.constant('PUT'), fc.constantFrom('POST', 'PATCH')),
      path: mostly(fc.constantFrom('fuzzed', sha256(bytes)), reference(targets)).map(
        (ref) => `/v2/${targets.repository}/manifests/${ref}`,
      ),
      query: fc.constant([]),
      headers: mostly(fc.constant(OCI_MANIFEST), mediaType).map((type) => ({
        'Content-Type': headerValue(type),
      })),
      body: fc.constant(bytes),
      ...wellSent,
    }),
  );

/** Manifest and blob reads, with Accept and Range headers that are mostly meaningful. */
const reads = (targets: FuzzTargets): fc.Arbitrary<Draft> => {
  const { image, repository } = targets;
  const blobs = [image.config, ...image.layers].map((blob) => sha256(blob));
  return fc.record({
    method: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('GET', 'HEAD') }, fc.constant('DELETE')),
    path: fc.oneof(
      mostly(fc.constantFrom('latest', image.digest), reference(targets)).map(
        (ref) => `/v2/${repository}/manifests/${ref}`,
      ),
      mostly(fc.constantFrom(...blobs), digest(targets)).map((d) => `/v2/${repository}/blobs/${d}`),
    ),
    query: fc.constant([]),
    headers: fc
      .record({ Accept: mediaType, Range: range, 'If-None-Match': hostileString }, { requiredKeys: [] })
      .map((picked) =>
        Object.fromEntries(Object.entries(picked).map(([name, value]) => [name, headerValue(value)])),
      ),
    body: fc.constant(Buffer.alloc(0)),
    ...wellSent,
  });
};

/** Blob uploads: monolithic POSTs, chunks and completions, with digests that mostly match. */
const uploads = (targets: FuzzTargets): fc.Arbitrary<Draft> =>
  fc.uint8Array({ maxLength: 300_000 }).chain((raw) => {
    const bytes = Buffer.from(raw);
    const matching = sha256(bytes);
    const uploadsPath = `/v2/${targets.repository}/blobs/uploads/`;
    return fc.record({
      method: fc.constantFrom('POST', 'PATCH', 'PUT'),
      path: fc.constantFrom(uploadsPath, `${uploadsPath}{upload}`),
      query: fc.oneof(
        mostly(fc.constant(matching), digest(targets)).map((d): [string, string][] => [['digest', d]]),
        fc.constant<[string, string][]>([]),
        query(targets),
      ),
      headers: fc
        .record(
          {
            'Content-Type': fc.constant('application/octet-stream'),
            'Content-Range': mostly(fc.constant(`0-${Math.max(bytes.length - 1, 0)}`), contentRange),
          },
          { requiredKeys: ['Content-Type'] },
        )
        .map((picked) =>
          Object.fromEntries(Object.entries(picked).map(([name, value]) => [name, headerValue(value)])),
        ),
      body: fc.constant(bytes),
      ...wellSent,
    });
  });

/** Tag, catalog and referrer listings with paging and filters. */
const listings = (targets: FuzzTargets): fc.Arbitrary<Draft> =>
  fc.record({
    method: mostly(fc.constant('GET'), fc.constantFrom('HEAD', 'POST', 'DELETE')),
    path: fc.constantFrom(
      `/v2/${targets.repository}/tags/list`,
      '/v2/_catalog',
      `/v2/${targets.repository}/referrers/${targets.image.digest}`,
    ),
    query: fc.array(
      fc.tuple(
        fc.constantFrom('n', 'last', 'artifactType'),
        mostly(
          fc.constantFrom('1', '2', '100', 'latest', 'fuzzed', 'application/vnd.example.sbom+json'),
          numberText,
        ),
      ),
      { maxLength: 3 },
    ),
    headers: fc.constant({}),
    body: fc.constant(Buffer.alloc(0)),
    ...wellSent,
  });

/**
 * Requests of every kind: most shaped like a client's (a manifest push, a read, an upload step, a
 * listing) with a part or two mutated, so they reach the code behind the route, and some drawn
 * entirely at random.
 */
export function fuzzRequest(targets: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  return fc
    .oneof(
      { weight: 3, arbitrary: manifestPush(targets) },
      { weight: 2, arbitrary: reads(targets) },
      { weight: 3, arbitrary: uploads(targets) },
      { weight: 1, arbitrary: listings(targets) },
      { weight: 2, arbitrary: anyRequest(targets) },
    )
    .map(({ path: template, ...rest }) => ({
      ...rest,
      needsUpload: template.includes('{upload}'),
      path: (uploadId: string) => encodePath(template.replace('{upload}', uploadId)),
    }));
}

// Characters a request target may carry as they are; everything else is percent-encoded, except
// that a `%` stays raw, so broken escapes (`%zz`) reach the server too.
const SAFE = /[A-Za-z0-9._~:@!$&'()*+,;=/%-]/;

function encodePath(path: string): string {
  let encoded = '';
  for (const char of path) {
    encoded += SAFE.test(char)
      ? char
      : [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
  }
  return encoded;
}

/** A query string from pairs, each part percent-encoded as a client would. */
export function queryString(pairs: [string, string][]): string {
  if (pairs.length === 0) return '';
  const encode = (text: string) =>
    encodePath(text).replace(/[&=+/]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
  return `?${pairs.map(([key, value]) => `${encode(key)}=${encode(value)}`).join('&')}`;
}
