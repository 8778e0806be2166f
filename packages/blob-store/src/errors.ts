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
