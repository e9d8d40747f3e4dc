/**
 * Bounds on JSON before and after it is parsed, without recursion, so a
 * hostile peer cannot spend the stack of whoever reads its JSON. V8's
 * JSON.parse itself copes with deep nesting, but what comes after does not:
 * JSON.stringify, zod, a logger or SQLite's JSON functions recurse (or stop at
 * 1,000 levels), and an event nested 150,000 levels deep, once stored, fails at
 * every later step. So depth is refused on the raw text, before JSON.parse, and
 * parsed values kept as data (evidence, host facts) are held to smaller bounds.
 */

export interface JsonBounds {
  /** Levels of objects and arrays, the value itself counting as 1. */
  depth: number;
  /** Keys plus array items, at every level. */
  entries: number;
  /** Characters in keys and string values, at every level. */
  chars: number;
  /** Longest key, at every level. */
  keyChars?: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Why raw JSON text is out of bounds, or null when it is within them: longer
 * than `maxBytes`, or objects/arrays nested deeper than `maxDepth`. One pass
 * over the text, skipping strings (whose brackets do not nest); it does not
 * validate the JSON, JSON.parse does that after. UTF-8 bytes are scanned as
 * they are (no multi-byte sequence holds an ASCII byte), so a frame can be
 * checked before it is decoded.
 *
 * Why before JSON.parse: V8 parses deep nesting without overflowing, but
 * slowly (1 MiB of `[` took 1.7 s), so one frame would stall the thread.
 */
export function checkJsonBounds(text: string | Uint8Array, maxDepth: number, maxBytes: number): string | null {
  const isText = typeof text === 'string';
  // A string's length in UTF-16 units is at most its UTF-8 byte length, and at least a third of it.
  if (text.length > maxBytes || (isText && text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes)) {
    return `larger than ${maxBytes} bytes`;
  }
  const deep = isText ? textDepthOver(text, maxDepth) : bytesDepthOver(text, maxDepth);
  return deep ? `nested deeper than ${maxDepth} levels` : null;
}

/** Two loops, one per input type: a loop reading both kinds runs at a third of the speed. */
function textDepthOver(text: string, maxDepth: number): boolean {
  const n = text.length;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // The closing quote is the next one not escaped by an odd run of backslashes.
      for (;;) {
        const q = text.indexOf('"', i + 1);
        if (q < 0) return false;
        let b = q - 1;
        while (text.charCodeAt(b) === BACKSLASH) b--;
        i = q;
        if ((q - 1 - b) % 2 === 0) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

function bytesDepthOver(bytes: Uint8Array, maxDepth: number): boolean {
  const n = bytes.length;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      for (i++; i < n; i++) {
        const s = bytes[i]!;
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/**
 * Whether a parsed JSON value stays within `b`. Iterative (an explicit stack),
 * and it stops at the first bound crossed, so its cost is bounded by `b`, not
 * by the value. The stack is only allocated when the value nests at all: flat
 * evidence, the common case, costs one pass over its keys.
 */
export function withinJsonBounds(value: unknown, b: JsonBounds): boolean {
  let entries = 0;
  let chars = 0;
  const keyChars = b.keyChars ?? Infinity;
  let stack: { v: object; depth: number }[] | undefined;
  let cur: { v: object; depth: number } | undefined = isContainer(value) ? { v: value, depth: 1 } : undefined;
  if (!cur) return typeof value !== 'string' || value.length <= b.chars;
  if (b.depth < 1) return false;
  while (cur) {
    const { v, depth } = cur;
    if (Array.isArray(v)) {
      entries += v.length;
      if (entries > b.entries) return false;
      for (const x of v) {
        if (typeof x === 'string') { chars += x.length; if (chars > b.chars) return false; } else if (isContainer(x)) {
          if (depth + 1 > b.depth) return false;
          (stack ??= []).push({ v: x, depth: depth + 1 });
        }
      }
    } else {
      for (const k in v) {
        if (++entries > b.entries || k.length > keyChars) return false;
        const x = (v as Record<string, unknown>)[k];
        chars += k.length;
        if (typeof x === 'string') chars += x.length;
        else if (isContainer(x)) {
          if (depth + 1 > b.depth) return false;
          (stack ??= []).push({ v: x, depth: depth + 1 });
        }
        if (chars > b.chars) return false;
      }
    }
    cur = stack?.pop();
  }
  return true;
}

function isContainer(v: unknown): v is object {
  return v !== null && typeof v === 'object';
}
