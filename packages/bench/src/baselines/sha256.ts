import { createHash, randomBytes } from 'node:crypto';
import type { Baseline } from '../scenario';
import type { Sizes } from '../options';
import { formatSize, megabytesPerSecond, MiB, now } from '../util/units';

/** Node's sha256 (OpenSSL) over bytes in memory: the ceiling of any digest-verifying transfer. */
export function sha256Throughput(sizes: Sizes): Baseline {
  const label = `sha256, ${formatSize(sizes.sha256)} through crypto.createHash`;
  return {
    id: 'sha256',
    title: label,
    metrics: [{ id: 'sha256', label, unit: 'MB/s', better: 'higher' }],
    async run() {
      const block = randomBytes(MiB);
      const start = now();
      const hash = createHash('sha256');
      for (let left = sizes.sha256; left > 0; left -= block.length) {
        hash.update(left >= block.length ? block : block.subarray(0, left));
      }
      hash.digest();
      return [{ metric: 'sha256', value: megabytesPerSecond(sizes.sha256, now() - start) }];
    },
  };
}
