import { retryTransient } from './retry-transient';

function sqlError(code: string): Error {
  return Object.assign(new Error(`sqlstate ${code}`), { code });
}

describe('retryTransient', () => {
  it.each(['40001', '40P01'])('runs the transaction again after SQLSTATE %s', async (code) => {
    const transaction = jest.fn().mockRejectedValueOnce(sqlError(code)).mockResolvedValueOnce('done');
    expect(await retryTransient(transaction)).toBe('done');
    expect(transaction).toHaveBeenCalledTimes(2);
  });

  it('gives up after five attempts', async () => {
    const transaction = jest.fn().mockRejectedValue(sqlError('40P01'));
    await expect(retryTransient(transaction)).rejects.toMatchObject({ code: '40P01' });
    expect(transaction).toHaveBeenCalledTimes(5);
  });

  it('does not retry other failures', async () => {
    const transaction = jest.fn().mockRejectedValue(sqlError('23505'));
    await expect(retryTransient(transaction)).rejects.toMatchObject({ code: '23505' });
    expect(transaction).toHaveBeenCalledTimes(1);
  });
});
