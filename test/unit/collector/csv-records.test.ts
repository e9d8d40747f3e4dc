import { describe, expect, it } from 'vitest';
import { readCsvRecords } from '../../../collector/src/ledger/csv-records.ts';
import { isCoded } from '@dcprobe/shared';

describe('readCsvRecords', () => {
  it.each([
    ['LF ends, and no end on the last line', 'id,ports\na,sw1/p1\nb,sw1/p2', [[1, ['id', 'ports']], [2, ['a', 'sw1/p1']], [3, ['b', 'sw1/p2']]]],
    ['CRLF ends and a BOM', '\uFEFFid,ports\r\na,sw1/p1\r\n', [[1, ['id', 'ports']], [2, ['a', 'sw1/p1']]]],
    ['quoted commas, doubled quotes, and a line break that moves the next record\'s line', 'id,name\na,"ACME, ""Ltd""\nsecond line"\nb,x\n',
      [[1, ['id', 'name']], [2, ['a', 'ACME, "Ltd"\nsecond line']], [4, ['b', 'x']]]],
    ['blank lines skipped, empty fields kept', 'id,ports,feeds\n\na,,\n\n', [[1, ['id', 'ports', 'feeds']], [3, ['a', '', '']]]],
    ['a record of one empty quoted field is a record', 'id\n""\n', [[1, ['id']], [2, ['']]]],
  ] as [string, string, [number, string[]][]][])('%s', (_name, text, want) => {
    expect(readCsvRecords(text).map((r) => [r.line, r.fields])).toEqual(want);
  });

  it.each([
    ['a bare quote', 'id,name\na,AC"ME\n', 'line 2: a quote inside an unquoted field (quote the whole field and double the quote)'],
    ['a quoted field never closed', 'id,name\na,"ACME\nb,c\n', 'line 2: a quoted field is not closed'],
  ])('refuses %s, naming the line', (_name, text, message) => {
    let err: unknown;
    try { readCsvRecords(text); } catch (e) { err = e; }
    expect(isCoded(err, 'DCP_VALIDATION')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
