import { formatBytes, formatDuration, formatTable, wrap } from '../src/output';

describe('formatTable', () => {
  it('aligns columns two spaces apart without trailing spaces', () => {
    expect(
      formatTable([
        ['NAME', 'ROLE', 'NOTE'],
        ['alexandra', 'admin', ''],
        ['bo', 'reader', 'x'],
      ]),
    ).toBe('NAME       ROLE    NOTE\nalexandra  admin\nbo         reader  x');
  });
});

describe('wrap', () => {
  it('breaks at spaces before the width, keeping longer words whole', () => {
    expect(wrap('aaa bbb ccc', 7)).toBe('aaa bbb\nccc');
    expect(wrap('a averyveryverylongword b', 5)).toBe('a\naveryveryverylongword\nb');
  });
});

describe('formatBytes', () => {
  it('says bytes below a KiB, then one decimal of the largest binary unit reached', () => {
    expect([0, 512, 1023, 1024, 1536, 5 * 1024 ** 2, 1024 ** 3 * 2.25, 1024 ** 6].map(formatBytes)).toEqual([
      '0 B',
      '512 B',
      '1023 B',
      '1.0 KiB',
      '1.5 KiB',
      '5.0 MiB',
      '2.3 GiB',
      '1024.0 PiB',
    ]);
  });
});

describe('formatDuration', () => {
  it('gives milliseconds below a second, tenths below ten, then the two largest units', () => {
    expect([0, 0.0001, 0.04, 2.345, 12, 60, 63, 3_600, 3_725, 90_000, 86_400].map(formatDuration)).toEqual([
      '0s',
      '1ms',
      '40ms',
      '2.3s',
      '12s',
      '1m',
      '1m 3s',
      '1h',
      '1h 2m',
      '1d 1h',
      '1d',
    ]);
  });
});
