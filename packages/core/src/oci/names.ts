import { InvalidNameError, InvalidTagError } from '../errors/domain-errors';

// Path components per the OCI distribution spec's name grammar.
const NAME_GRAMMAR = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG_GRAMMAR = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** Longest accepted repository name; clients cap host + "/" + name at 255 characters. */
export const MAX_NAME_LENGTH = 255;

/** Throws InvalidNameError unless `name` is a valid repository name. */
export function assertRepositoryName(name: string): void {
  if (name.length > MAX_NAME_LENGTH) {
    throw new InvalidNameError(`repository name longer than ${MAX_NAME_LENGTH} characters`);
  }
  if (!NAME_GRAMMAR.test(name)) throw new InvalidNameError(`invalid repository name ${JSON.stringify(name)}`);
}

/** Throws InvalidTagError unless `tag` is a valid tag. */
export function assertTag(tag: string): void {
  if (!TAG_GRAMMAR.test(tag)) throw new InvalidTagError(`invalid tag ${JSON.stringify(tag)}`);
}
