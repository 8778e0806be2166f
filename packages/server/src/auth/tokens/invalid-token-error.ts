/**
 * A bearer token was refused. `reason` is fixed text chosen by the verifier, never token content,
 * so it can go to logs and to the client as is.
 */
export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(`invalid token: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}
