/** File patterns of inbound channels: `*`, `?` and character classes, as the partner schema promises. */
import { globMatch } from '../../src/channels/dir';

describe('globMatch', () => {
  it.each([
    ['*.edi', 'a.edi', true],
    ['*.edi', 'a.edix', false],
    ['*.[eE][dD][iI]', 'A.EDI', true],
    ['po_[0-9]*.x12', 'po_7a.x12', true],
    ['po_[0-9]*.x12', 'po_a.x12', false],
    ['[!.]*', '.hidden', false],
    ['[!.]*', 'visible', true],
    ['a?c', 'abc', true],
    ['a.c', 'abc', false],
    ['(x)+[', '(x)+[', true],
    ['*', 'anything', true],
  ])('%s on %s → %s', (pattern, name, expected) => {
    expect(globMatch(pattern, name)).toBe(expected);
  });
});
