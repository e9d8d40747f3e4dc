/**
 * Canonical JSON (RFC 8785, the JSON Canonicalization Scheme): the exact bytes
 * a digest and a signature are taken over. Whoever holds a file can rebuild
 * them from the parsed JSON whatever its whitespace or key order, with this
 * function or any other JCS implementation.
 *
 * JCS is defined on ECMAScript's own serialisation: numbers in their shortest
 * round-trip form and strings escaped as JSON.stringify does; object keys are
 * sorted by UTF-16 code units, which is what Array.prototype.sort compares.
 * Anything JSON cannot carry exactly is refused rather than dropped, so a
 * digest is never taken over something other than what the file will hold.
 */
import { DcprobeError, E } from '@dcprobe/shared';

// A lone surrogate cannot be written as UTF-8: JCS forbids it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function canonicalJson(value: unknown): string {
  return write(value, '');
}

function write(v: unknown, path: string): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean': return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) refuse(path, `${v} is not a JSON number`);
      return JSON.stringify(v);
    case 'string':
      if (LONE_SURROGATE.test(v)) refuse(path, 'a string with a lone surrogate');
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((x, i) => write(x, `${path}[${i}]`)).join(',')}]`;
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) refuse(path, 'not a plain object');
      const o = v as Record<string, unknown>;
      const parts: string[] = [];
      for (const k of Object.keys(o).sort()) {
        if (LONE_SURROGATE.test(k)) refuse(path, 'a key with a lone surrogate');
        parts.push(`${JSON.stringify(k)}:${write(o[k], path ? `${path}.${k}` : k)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return refuse(path, `${typeof v} has no JSON form`);
  }
}

function refuse(path: string, why: string): never {
  throw new DcprobeError(E.EVIDENCE_INVALID, `${path || 'document'}: ${why}`);
}
