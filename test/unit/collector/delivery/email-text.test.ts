/**
 * What the e-mail sender does to customer text before it reaches a header or
 * the body: header texts are one line of printable characters, bounded;
 * body line breaks are LF only and other control characters are gone.
 */
import { describe, expect, it } from 'vitest';
import { bodyText, headerText } from '../../../../collector/src/delivery/email.ts';

describe('e-mail text', () => {
  it.each([
    ['CR LF', 'a\r\nBcc: x@y', 'a Bcc: x@y'],
    ['bare CR and LF', 'a\rb\nc', 'a b c'],
    ['NUL, TAB, DEL', 'a\u0000b\tc\u007fd', 'a b c d'],
    ['Unicode line separators', 'a\u2028b\u2029c\u0085d', 'a b c d'],
    ['runs of space', '  a   b  ', 'a b'],
  ])('header text: %s', (_n, input, want) => {
    expect(headerText(input)).toBe(want);
  });

  it('bounds a header text', () => {
    expect(headerText('x'.repeat(500))).toBe(`${'x'.repeat(199)}…`);
  });

  it('normalises body line breaks and drops control characters but TAB', () => {
    expect(bodyText('a\r\nb\rc\nd\u0000e\tf\u001bg')).toBe('a\nb\nc\nde\tfg');
  });
});
