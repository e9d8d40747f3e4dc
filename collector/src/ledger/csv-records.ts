/**
 * CSV as operators' spreadsheets write it (RFC 4180 plus what exports really
 * contain: LF or CRLF line ends, a UTF-8 BOM, a last line without its line end,
 * blank lines). Quoted fields may hold commas, doubled quotes and line breaks.
 * Each record keeps the line it starts on, so errors can name it.
 */
import { DcprobeError, E } from '@dcprobe/shared';

export interface CsvRecord { line: number; fields: string[] }

export function readCsvRecords(text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  const s = text.replace(/^\uFEFF/, '');
  let fields: string[] = [], field = '', quoted = false, line = 1, start = 1, touched = false;
  const endRecord = () => {
    fields.push(field);
    if (touched || fields.length > 1 || field !== '') out.push({ line: start, fields });
    fields = []; field = ''; touched = false;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false;
      else { if (c === '\n') line++; field += c; }
      continue;
    }
    if (c === '"' && field === '') { quoted = true; touched = true; continue; }
    if (c === ',') { fields.push(field); field = ''; touched = true; continue; }
    if (c === '\r' && s[i + 1] === '\n') continue;
    if (c === '\n') { endRecord(); line++; start = line; continue; }
    if (c === '"') throw new DcprobeError(E.VALIDATION, `line ${line}: a quote inside an unquoted field (quote the whole field and double the quote)`);
    field += c;
  }
  if (quoted) throw new DcprobeError(E.VALIDATION, `line ${start}: a quoted field is not closed`);
  endRecord();
  return out;
}
