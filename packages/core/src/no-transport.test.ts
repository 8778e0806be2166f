import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RegistryError } from './errors/domain-errors';
import * as core from './index';

// Every driver (HTTP routes, the CLI, workers) calls the core the same way, so nothing in it may
// speak HTTP, log, keep metrics, handle tokens or reach back into what composes it.
const TRANSPORT_MODULES = [
  'express',
  'pino',
  'pino-http',
  'prom-client',
  'jsonwebtoken',
  'jwks-rsa',
  'raw-body',
  'http',
  'https',
  'node:http',
  'node:https',
  '@berth/server',
  '@berth/cli',
];

// How a transport says an error; domain errors carry what happened instead (a size, a delay).
const TRANSPORT_FIELDS = ['status', 'statusCode', 'headers'];

const PACKAGE = join(__dirname, '..');

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const SOURCES = sourceFiles(join(PACKAGE, 'src')).map((path) => ({
  file: relative(PACKAGE, path),
  text: readFileSync(path, 'utf8'),
}));

/** The modules a source imports: statically, dynamically, for types only or through require. */
function importsOf(text: string): string[] {
  const specifiers = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
  return [...text.matchAll(specifiers)].map((match) => match[1] ?? '');
}

function isTransport(specifier: string): boolean {
  return TRANSPORT_MODULES.some((name) => specifier === name || specifier.startsWith(`${name}/`));
}

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

/** The body of every class that extends an error class, by class name. */
function errorClassBodies(text: string): Map<string, string> {
  const bodies = new Map<string, string>();
  for (const match of text.matchAll(/\bclass\s+(\w+)\s+extends\s+\w*Error\b[^{]*\{/g)) {
    let depth = 1;
    let end = (match.index ?? 0) + match[0].length;
    while (depth > 0 && end < text.length) {
      const char = text[end++];
      if (char === '{') depth++;
      else if (char === '}') depth--;
    }
    bodies.set(match[1] ?? '', text.slice((match.index ?? 0) + match[0].length, end - 1));
  }
  return bodies;
}

/** Transport fields a class body declares, assigns or defines accessors for. */
function transportFieldsIn(body: string): string[] {
  const code = withoutComments(body);
  return TRANSPORT_FIELDS.filter((field) => new RegExp(`\\b${field}\\s*[?!]?\\s*[:=(]`).test(code));
}

describe('the core has no transport in it', () => {
  it('finds what it looks for', () => {
    // The samples spell the field names through `${...}`, or this file's own scan would flag them.
    const named = (module: string) =>
      `import { thing } from '${module}';\nconst lazy = import('${module}/sub');`;
    expect(importsOf(named('express')).filter(isTransport)).toEqual(['express', 'express/sub']);
    expect(importsOf(named('@berth/metadata-store')).filter(isTransport)).toEqual([]);
    const sample = `class TooBig extends InvalidManifestError {\n  readonly code = 'MANIFEST_INVALID';\n  override readonly ${'status'} = 413;\n}`;
    expect(
      Object.fromEntries(
        [...errorClassBodies(sample)].map(([name, body]) => [name, transportFieldsIn(body)]),
      ),
    ).toEqual({
      TooBig: ['status'],
    });
    expect(transportFieldsIn(`constructor(readonly size: number) {\n  this.${'headers'} = {};\n}`)).toEqual([
      'headers',
    ]);
    expect(SOURCES.some(({ text }) => importsOf(text).includes('@berth/metadata-store/port'))).toBe(true);
    expect(SOURCES.some(({ text }) => errorClassBodies(text).has('RangeNotSatisfiableError'))).toBe(true);
  });

  it('depends on no transport library and not on the server', () => {
    const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const dependencies = [
      'dependencies',
      'devDependencies',
      'peerDependencies',
      'optionalDependencies',
    ].flatMap((field) => Object.keys((manifest[field] as Record<string, string> | undefined) ?? {}));
    expect(dependencies.filter(isTransport)).toEqual([]);
  });

  it.each(SOURCES.map(({ file }) => file))('imports no transport module in %s', (file) => {
    const { text } = SOURCES.find((source) => source.file === file)!;
    expect(importsOf(text).filter(isTransport)).toEqual([]);
  });

  it('gives no error class a status or headers', () => {
    const offending = SOURCES.flatMap(({ file, text }) =>
      [...errorClassBodies(text)].flatMap(([name, body]) =>
        transportFieldsIn(body).map((field) => `${file}: ${name}.${field}`),
      ),
    );
    expect(offending).toEqual([]);
  });

  it('builds no domain error that carries a status or headers', () => {
    const errorClasses = Object.values(core as Record<string, unknown>).filter(
      (value): value is new (...args: unknown[]) => RegistryError =>
        typeof value === 'function' && value.prototype instanceof RegistryError,
    );
    expect(errorClasses.length).toBeGreaterThan(20);
    for (const ErrorClass of errorClasses) {
      const error = new ErrorClass('what went wrong', 1);
      expect([ErrorClass.name, TRANSPORT_FIELDS.filter((field) => field in error)]).toEqual([
        ErrorClass.name,
        [],
      ]);
    }
  });
});
