import { formatTable, wrap } from '../src/output';

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
