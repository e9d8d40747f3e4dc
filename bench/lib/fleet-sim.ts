/**
 * Many simulated access switches at the price of few: an SNMPv2c responder
 * over plain UDP sockets (one per switch) answering GET, GETNEXT and GETBULK
 * from one shared, sorted OID index (sysUpTime, ifTable, ifXTable), with each
 * switch's own sysUpTime, ifOperStatus and ifLastChange. The fleet benchmark
 * needs 2,000 switches on a 2-core machine that also runs the agent and the
 * collector; net-snmp's own agent (sim/switch.ts) costs ~0.3 ms of CPU per
 * poll of 50 ports, this ~0.02 ms, so the agent's figure is not starved.
 *
 * What it answers is what the integration tests' sim switch answers for the
 * same table (bench/lib tests hold it to that): ifName ge-M/0/P, ifAlias
 * CUST:cust-NN, two uplinks xe-0/1/0 and xe-0/1/1, GETBULK capped at
 * `bulkLimit` varbinds (RFC 3416: non-repeaters + repetitions × repeaters).
 */
import dgram from 'node:dgram';

const T = { INT: 0x02, OCTETS: 0x04, NULL: 0x05, OID: 0x06, SEQ: 0x30, TICKS: 0x43, NO_SUCH_OBJECT: 0x80, NO_SUCH_INSTANCE: 0x81, END_OF_MIB: 0x82 } as const;
const PDU = { GET: 0xa0, GETNEXT: 0xa1, RESPONSE: 0xa2, GETBULK: 0xa5 } as const;

// ---- BER, just what SNMPv2c needs ---------------------------------------------------------

function lenBytes(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0x81, n];
  return [0x82, n >> 8, n & 0xff];
}

function tlv(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type, ...lenBytes(body.length)]), body]);
}

function intBody(v: number): Buffer {
  const out: number[] = [];
  let x = v;
  do { out.unshift(x & 0xff); x = Math.floor(x / 256); } while (x > 0 && x !== -1);
  if (v >= 0 && out[0]! & 0x80) out.unshift(0);
  return Buffer.from(out);
}

const encInt = (type: number, v: number): Buffer => tlv(type, intBody(v));

function encOid(parts: readonly number[]): Buffer {
  const out = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const b: number[] = [p & 0x7f];
    for (let x = Math.floor(p / 128); x > 0; x = Math.floor(x / 128)) b.unshift((x & 0x7f) | 0x80);
    out.push(...b);
  }
  return tlv(T.OID, Buffer.from(out));
}

/** A cursor over one datagram. */
class Reader {
  constructor(private readonly b: Buffer, public i = 0) {}
  header(): { type: number; len: number } {
    const type = this.b[this.i++]!;
    let len = this.b[this.i++]!;
    if (len & 0x80) { const n = len & 0x7f; len = 0; for (let k = 0; k < n; k++) len = len * 256 + this.b[this.i++]!; }
    return { type, len };
  }
  int(): number {
    const { len } = this.header();
    let v = this.b[this.i]! & 0x80 ? -1 : 0;
    for (let k = 0; k < len; k++) v = v * 256 + this.b[this.i++]!;
    return v;
  }
  bytes(): Buffer { const { len } = this.header(); const s = this.b.subarray(this.i, this.i + len); this.i += len; return s; }
  oid(): number[] {
    const body = this.bytes();
    const out = [Math.floor(body[0]! / 40), body[0]! % 40];
    let v = 0;
    for (let k = 1; k < body.length; k++) { v = v * 128 + (body[k]! & 0x7f); if (!(body[k]! & 0x80)) { out.push(v); v = 0; } }
    return out;
  }
  skip(): void { const { len } = this.header(); this.i += len; }
}

function cmp(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
  return a.length - b.length;
}

// ---- the table ------------------------------------------------------------------------------

type Cell = { kind: 'static'; value: Buffer } | { kind: 'uptime' } | { kind: 'oper' | 'lastChange'; row: number };
interface Entry { oid: number[]; oidTlv: Buffer; cell: Cell }

const IF_ENTRY = [1, 3, 6, 1, 2, 1, 2, 2, 1];
const IFX_ENTRY = [1, 3, 6, 1, 2, 1, 31, 1, 1, 1];

function names(ports: number): string[] {
  const out: string[] = [];
  for (let i = 1; i <= ports; i++) out.push(`ge-${Math.floor((i - 1) / 48)}/0/${((i - 1) % 48) + 1}`);
  return [...out, 'xe-0/1/0', 'xe-0/1/1'];
}

function buildIndex(ports: number): Entry[] {
  const rows = names(ports);
  const entries: Entry[] = [];
  const add = (oid: number[], cell: Cell) => entries.push({ oid, oidTlv: encOid(oid), cell });
  add([1, 3, 6, 1, 2, 1, 1, 3, 0], { kind: 'uptime' });
  const octets = (s: string): Cell => ({ kind: 'static', value: tlv(T.OCTETS, Buffer.from(s)) });
  const int = (v: number): Cell => ({ kind: 'static', value: encInt(T.INT, v) });
  rows.forEach((name, r) => {
    const i = r + 1;
    const alias = r < ports ? `CUST:cust-${String(i).padStart(2, '0')}` : `UPLINK:core-${r === ports ? 'a' : 'b'}`;
    add([...IF_ENTRY, 1, i], int(i));
    add([...IF_ENTRY, 2, i], octets(`${r < ports ? 'GigabitEthernet' : '10GigabitEthernet'} ${name}`));
    add([...IF_ENTRY, 3, i], int(6));
    add([...IF_ENTRY, 7, i], int(1));
    add([...IF_ENTRY, 8, i], { kind: 'oper', row: r });
    add([...IF_ENTRY, 9, i], { kind: 'lastChange', row: r });
    add([...IFX_ENTRY, 1, i], octets(name));
    add([...IFX_ENTRY, 18, i], octets(alias));
  });
  return entries.sort((a, b) => cmp(a.oid, b.oid));
}

/** Index of the first entry after `oid` (GETNEXT), or of `oid` itself when `exact`. */
function find(index: readonly Entry[], oid: readonly number[], exact: boolean): number {
  let lo = 0, hi = index.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (cmp(index[mid]!.oid, oid) <= 0) lo = mid + 1; else hi = mid; }
  if (!exact) return lo;
  return lo > 0 && cmp(index[lo - 1]!.oid, oid) === 0 ? lo - 1 : -1;
}

// ---- one switch ------------------------------------------------------------------------------

export interface FleetSwitch {
  port: number;
  /** Flips port `row` (0-based) up/down, setting its ifLastChange. */
  flip(row: number): void;
}

interface Device { oper: Uint8Array; lastChange: Uint32Array; bootAt: number }

const uptime = (d: Device): number => Math.floor((performance.now() - d.bootAt) / 10);

function value(d: Device, c: Cell): Buffer {
  switch (c.kind) {
    case 'static': return c.value;
    case 'uptime': return encInt(T.TICKS, uptime(d));
    case 'oper': return encInt(T.INT, d.oper[c.row]!);
    case 'lastChange': return encInt(T.TICKS, d.lastChange[c.row]!);
  }
}

function answer(index: readonly Entry[], d: Device, msg: Buffer, bulkLimit: number): Buffer | null {
  const r = new Reader(msg);
  if (r.header().type !== T.SEQ) return null;
  const version = r.int();
  if (version !== 1) return null; // v2c only
  const community = r.bytes();
  const pdu = r.header();
  const reqId = r.int();
  const a = r.int();
  const b = r.int();
  r.header(); // varbind list
  const asked: number[][] = [];
  while (r.i < msg.length) { r.header(); asked.push(r.oid()); r.skip(); }
  const out: Buffer[] = [];
  const push = (oidTlv: Buffer, val: Buffer) => out.push(tlv(T.SEQ, Buffer.concat([oidTlv, val])));
  const next = (oid: readonly number[]): number => find(index, oid, false);
  const put = (at: number, fallback: readonly number[]) => {
    if (at < index.length) push(index[at]!.oidTlv, value(d, index[at]!.cell));
    else push(encOid(fallback), Buffer.from([T.END_OF_MIB, 0]));
  };
  if (pdu.type === PDU.GET) {
    for (const oid of asked) {
      const at = find(index, oid, true);
      if (at >= 0) push(index[at]!.oidTlv, value(d, index[at]!.cell));
      else push(encOid(oid), Buffer.from([T.NO_SUCH_INSTANCE, 0]));
    }
  } else if (pdu.type === PDU.GETNEXT) {
    for (const oid of asked) put(next(oid), oid);
  } else if (pdu.type === PDU.GETBULK) {
    const n = Math.max(0, Math.min(a, asked.length));
    for (let k = 0; k < n; k++) put(next(asked[k]!), asked[k]!);
    const cursors = asked.slice(n).map((oid) => ({ at: next(oid), oid }));
    const reps = cursors.length ? Math.max(1, Math.min(b, Math.floor((bulkLimit - n) / cursors.length))) : 0;
    for (let rep = 0; rep < reps && cursors.some((c) => c.at < index.length); rep++) {
      for (const c of cursors) { put(c.at, c.oid); if (c.at < index.length) c.at++; }
    }
  } else return null;
  const body = Buffer.concat([encInt(T.INT, reqId), encInt(T.INT, 0), encInt(T.INT, 0), tlv(T.SEQ, Buffer.concat(out))]);
  return tlv(T.SEQ, Buffer.concat([encInt(T.INT, version), tlv(T.OCTETS, community), tlv(PDU.RESPONSE, body)]));
}

export interface FleetOptions {
  switches: number;
  /** Access ports per switch (two uplinks follow). */
  ports: number;
  bulkLimit?: number;
}

export async function startFleet(o: FleetOptions): Promise<{ switches: FleetSwitch[]; close(): Promise<void> }> {
  const index = buildIndex(o.ports);
  const rows = o.ports + 2;
  const sockets: dgram.Socket[] = [];
  const switches: FleetSwitch[] = [];
  for (let s = 0; s < o.switches; s++) {
    // Up for a day already, as a real switch would be.
    const d: Device = { oper: new Uint8Array(rows).fill(1), lastChange: new Uint32Array(rows), bootAt: performance.now() - 86_400_000 };
    const sock = dgram.createSocket('udp4');
    sock.on('message', (msg, rinfo) => {
      let reply: Buffer | null = null;
      try { reply = answer(index, d, msg, o.bulkLimit ?? 100); } catch { /* not SNMP: no answer, as a device would */ }
      if (reply) sock.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
    sockets.push(sock);
    switches.push({
      port: sock.address().port,
      flip(row) { d.oper[row] = d.oper[row] === 1 ? 2 : 1; d.lastChange[row] = uptime(d); },
    });
  }
  return {
    switches,
    close: () => Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => {}),
  };
}
