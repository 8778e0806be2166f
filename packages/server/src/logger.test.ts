import { createLogger } from './logger';

describe('createLogger', () => {
  const written: string[] = [];
  const logger = createLogger({ log: { level: 'info' } }, { write: (line: string) => written.push(line) });

  beforeEach(() => {
    written.length = 0;
  });

  it('redacts credentials wherever a log call puts them', () => {
    // As body-parser leaves a form it could not parse on its error.
    const parseError = Object.assign(new Error('bad form'), { body: 'password=p4ss-body' });
    logger.warn({ err: parseError }, 'request failed');
    logger.info({ password: 'p4ss-top', user: { password: 'p4ss-nested', secret: 's3cret' } }, 'account');
    logger.info({ token: 't0ken', grant: { refresh_token: 'r3fresh', access_token: 'acc3ss' } }, 'grant');
    logger.info(
      { req: { headers: { authorization: 'Basic YWRtaW46cA==', cookie: 'c00kie' } }, res: { headers: {} } },
      'request',
    );
    const text = written.join('');
    expect(text).toContain('bad form');
    for (const secret of ['p4ss', 's3cret', 't0ken', 'r3fresh', 'acc3ss', 'YWRtaW46cA', 'c00kie'])
      expect(text).not.toContain(secret);
  });

  it('names no request outside one', () => {
    logger.info('idle');
    expect(JSON.parse(written[0] as string)).not.toHaveProperty('reqId');
  });
});
