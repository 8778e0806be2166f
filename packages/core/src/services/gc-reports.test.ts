import { gcDryRunOf, gcStatusOf } from './gc-reports';

const AT = new Date('2026-12-05T12:00:00Z');
const TIMING = { reviewDelaySeconds: 86_400, reviewJitterSeconds: 3_600 };

describe('gc reports', () => {
  it('says how long the oldest due review has waited, and when the next comes due', () => {
    const status = gcStatusOf({
      at: AT,
      timing: TIMING,
      untaggedManifests: false,
      recent: { reviews: 0, since: new Date('2026-12-05T11:55:00Z') },
      manifests: { queued: 0, due: 0 },
      links: { queued: 3, due: 2, oldestDueAt: new Date('2026-12-05T11:58:30Z') },
      blobs: { queued: 1, due: 0, dueBytes: 0, nextDueAt: new Date('2026-12-06T00:00:00Z') },
    });
    expect(status).toEqual({
      at: AT,
      timing: TIMING,
      untaggedManifests: false,
      progress: { reviewsPerSecond: 0 },
      manifests: { queued: 0, due: 0 },
      links: { queued: 3, due: 2, oldestDueAt: new Date('2026-12-05T11:58:30Z'), overdueSeconds: 90 },
      blobs: { queued: 1, due: 0, dueBytes: 0, nextDueAt: new Date('2026-12-06T00:00:00Z') },
    });
  });

  it('reports the rate of every process together, and when what is due is done at it', () => {
    const stats = {
      at: AT,
      timing: TIMING,
      untaggedManifests: true,
      recent: { reviews: 3_000, since: new Date('2026-12-05T11:55:00Z') },
      manifests: { queued: 10, due: 10 },
      links: { queued: 100, due: 90 },
      blobs: { queued: 0, due: 0, dueBytes: 0 },
    };
    // 3,000 reviews in 5 minutes: 10 a second, so the 100 due take 10 s.
    expect(gcStatusOf(stats).progress).toEqual({ reviewsPerSecond: 10, etaSeconds: 10 });
    const idle = { ...stats, manifests: { queued: 0, due: 0 }, links: { queued: 0, due: 0 } };
    expect(gcStatusOf({ ...idle, recent: { ...stats.recent, reviews: 0 } }).progress).toEqual({
      reviewsPerSecond: 0,
      etaSeconds: 0,
    });
  });

  it('groups the manifests and links of a preview by repository, in name order, with byte totals', () => {
    const dryRun = gcDryRunOf({
      at: AT,
      manifests: [
        { repository: 'b', digest: 'sha256:m', size: 400 },
        { repository: 'c', digest: 'sha256:n', size: 300 },
      ],
      links: [
        { repository: 'a', digest: 'sha256:1', size: 10 },
        { repository: 'a', digest: 'sha256:2', size: 5 },
        { repository: 'b', digest: 'sha256:1', size: 10 },
      ],
      blobs: [{ digest: 'sha256:1', size: 10 }],
    });
    expect(dryRun).toEqual({
      at: AT,
      repositories: [
        {
          repository: 'a',
          manifests: [],
          links: [
            { digest: 'sha256:1', size: 10 },
            { digest: 'sha256:2', size: 5 },
          ],
          bytes: 15,
        },
        {
          repository: 'b',
          manifests: [{ digest: 'sha256:m', size: 400 }],
          links: [{ digest: 'sha256:1', size: 10 }],
          bytes: 10,
        },
        { repository: 'c', manifests: [{ digest: 'sha256:n', size: 300 }], links: [], bytes: 0 },
      ],
      blobs: [{ digest: 'sha256:1', size: 10 }],
      totals: { manifests: 2, manifestBytes: 700, links: 3, linkBytes: 25, blobs: 1, blobBytes: 10 },
    });
  });
});
