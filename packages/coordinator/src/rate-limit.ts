/** A token bucket: holds up to `capacity` tokens and gains `refillPerSecond` of them each second. */
export interface TokenBucketLimit {
  capacity: number;
  refillPerSecond: number;
}

/** What taking from a bucket did. */
export interface TokenBucketResult {
  /** Whether the tokens were taken; when false, nothing was taken. */
  allowed: boolean;
  /** Whole tokens left after this call. */
  remaining: number;
  /** When refused, how long until `cost` tokens will be there; 0 when allowed. */
  retryAfterMs: number;
}
