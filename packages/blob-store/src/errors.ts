/** The object does not exist. */
export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}

/** The requested byte range lies outside the object. */
export class InvalidRangeError extends Error {
  constructor(readonly size: number) {
    super(`range not satisfiable for an object of ${size} bytes`);
    this.name = 'InvalidRangeError';
  }
}

/** A key that is not a safe relative path. */
export class InvalidKeyError extends Error {
  constructor(readonly key: string) {
    super(`invalid object key: ${JSON.stringify(key)}`);
    this.name = 'InvalidKeyError';
  }
}

/**
 * The store refused a write for lack of space: a quota on the bucket or account, or full disks.
 * Nothing of the write became visible; it may succeed once space is freed.
 */
export class StorageFullError extends Error {
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`the object store refused the write for lack of space (${reason})`, options);
    this.name = 'StorageFullError';
  }
}
