import { gcDryRunOf, gcStatusOf } from './gc-reports';

const AT = new Date('2026-12-05T12:00:00Z');
const TIMING = { reviewDelaySeconds: 86_400, reviewJitterSeconds: 3_600 };

describe('gc reports', () => {
  it('says how long the oldest due review has waited, and when the next comes due', () => {
    const status = gcStatusOf({
      at: AT,
      timing: TIMING,
      links: { queued: 3, due: 2, oldestDueAt: new Date('2026-12-05T11:58:30Z') },
      blobs: { queued: 1, due: 0, dueBytes: 0, nextDueAt: new Date('2026-12-06T00:00:00Z') },
    });
    expect(status).toEqual({
      at: AT,
      timing: TIMING,
      links: { queued: 3, due: 2, oldestDueAt: new Date('2026-12-05T11:58:30Z'), overdueSeconds: 90 },
      blobs: { queued: 1, due: 0, dueBytes: 0, nextDueAt: new Date('2026-12-06T00:00:00Z') },
    });
  });

  it('groups the links of a preview by repository, in its order, with byte totals', () => {
    const dryRun = gcDryRunOf({
      at: AT,
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
          links: [
            { digest: 'sha256:1', size: 10 },
            { digest: 'sha256:2', size: 5 },
          ],
          bytes: 15,
        },
        { repository: 'b', links: [{ digest: 'sha256:1', size: 10 }], bytes: 10 },
      ],
      blobs: [{ digest: 'sha256:1', size: 10 }],
      totals: { links: 3, linkBytes: 25, blobs: 1, blobBytes: 10 },
    });
  });
});
