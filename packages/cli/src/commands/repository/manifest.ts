import type { ManifestRecord } from '@berth/metadata-store';
import { defineCommand, type CommandContext } from '../../command';
import { formatTable, writeLine } from '../../output';
import { withMigratedServices } from '../metadata';
import { findManifest } from './lookup';

const inspect = defineCommand({
  name: 'manifest inspect',
  args: ['repository', 'tag|digest'],
  summary: 'show a manifest, by tag or digest, as the registry stores it',
  description:
    'Prints its digest, media type, size, artifact type and subject (the last two when it has ' +
    'them), then the manifest as indented JSON.',
  options: {
    raw: { type: 'boolean', help: "print only the stored bytes, exactly: their digest is the manifest's" },
  },
  async run({ args: { repository, 'tag|digest': reference }, options }, context) {
    const manifest = await withMigratedServices(context, (services) =>
      findManifest(services, repository, reference),
    );
    if (options.raw) context.stdout.write(manifest.payload);
    else printManifest(context, manifest);
  },
});

function printManifest(context: CommandContext, manifest: ManifestRecord): void {
  const fields: [string, string | undefined][] = [
    ['digest:', manifest.digest],
    ['media type:', manifest.mediaType],
    ['size:', `${manifest.size} bytes`],
    ['artifact type:', manifest.artifactType],
    ['subject:', manifest.subjectDigest],
  ];
  const present = fields.flatMap(([label, value]) => (value === undefined ? [] : [[label, value]]));
  writeLine(context.stdout, formatTable(present));
  writeLine(context.stdout);
  writeLine(context.stdout, indented(manifest.payload));
}

/**
 * The registry stores only manifests that parse as JSON, but this is where an operator looks
 * when something is wrong: bytes that do not parse are shown as they are instead of failing.
 */
function indented(payload: Buffer): string {
  const text = payload.toString('utf8');
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export const MANIFEST_COMMANDS = [inspect];
