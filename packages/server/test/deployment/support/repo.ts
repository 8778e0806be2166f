import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The repository root, so that every test names deployment files the way a reader finds them. */
export const REPO_ROOT = join(__dirname, '../../../../..');

export function repoPath(...segments: string[]): string {
  return join(REPO_ROOT, ...segments);
}

export function readRepoFile(path: string): string {
  return readFileSync(repoPath(path), 'utf8');
}

/** Paths relative to the repository root, sorted so that test names are stable. */
export function repoFiles(dir: string, accept: (name: string) => boolean): string[] {
  return readdirSync(repoPath(dir), { withFileTypes: true })
    .filter((entry) => entry.isFile() && accept(entry.name))
    .map((entry) => relative(REPO_ROOT, join(repoPath(dir), entry.name)))
    .sort();
}

export function repoDirs(dir: string): string[] {
  return readdirSync(repoPath(dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(dir, entry.name))
    .sort();
}

/** 1-based line of an offset, for messages that point at the text to fix. */
export function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}
