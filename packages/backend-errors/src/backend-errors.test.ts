import { BackendUnavailableError, isNetworkFailure, reportingOutages } from './index';

describe('reportingOutages', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

  it('reports what the adapter calls an outage as BackendUnavailableError, its cause kept', async () => {
    const failing = reportingOutages('metadata', isNetworkFailure, () => Promise.reject(refused));
    await expect(failing).rejects.toThrow(BackendUnavailableError);
    await failing.catch((error: BackendUnavailableError) => {
      expect(error.backend).toBe('metadata');
      expect(error.cause).toBe(refused);
      expect(error.message).toBe('metadata backend unavailable: connect ECONNREFUSED 127.0.0.1:5432');
    });
  });

  it('passes every other error, and results, as they are', async () => {
    const bug = new TypeError('not a function');
    await expect(reportingOutages('blobs', isNetworkFailure, () => Promise.reject(bug))).rejects.toBe(bug);
    await expect(reportingOutages('blobs', isNetworkFailure, () => Promise.resolve(7))).resolves.toBe(7);
  });

  it('does not wrap an outage twice', async () => {
    const outage = new BackendUnavailableError('coordinator', refused);
    await expect(
      reportingOutages(
        'metadata',
        () => true,
        () => Promise.reject(outage),
      ),
    ).rejects.toBe(outage);
  });
});
