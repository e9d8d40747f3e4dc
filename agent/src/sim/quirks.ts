/**
 * Request-size quirks of embedded SNMP agents, for the simulators: no answer
 * at all to a request asking more than some number of varbinds (snmpsimd and
 * many UPS/PDU cards), a tooBig answer above some size, or no GETBULK at all.
 * "Asking" counts what a request may return: GET/GETNEXT one varbind per OID,
 * GETBULK non-repeaters + max-repetitions × repeaters. Counts what it saw.
 */
import snmp from 'net-snmp';

export interface Quirks {
  /** Never answer a request asking more varbinds than this. */
  dropAbove?: number;
  /** Answer tooBig to a request asking more varbinds than this. */
  tooBigAbove?: number;
  /** Never answer a GETBULK. */
  noBulk?: boolean;
}

export interface QuirkStats { get: number; getNext: number; getBulk: number; dropped: number; tooBig: number }

interface Pdu { type: number; nonRepeaters?: number; maxRepetitions?: number; varbinds: unknown[]; getResponsePduForRequest(): { errorStatus: number; errorIndex: number; varbinds: unknown[] } }
interface AgentLike {
  getRequest(socket: unknown, message: { pdu: Pdu }, rinfo: unknown): void;
  getNextRequest(socket: unknown, message: { pdu: Pdu }, rinfo: unknown): void;
  getBulkRequest(socket: unknown, message: { pdu: Pdu }, rinfo: unknown): void;
  sendResponse(socket: unknown, rinfo: unknown, message: unknown, pdu: unknown): void;
}

function asked(pdu: Pdu): number {
  if (pdu.type !== snmp.PduType.GetBulkRequest) return pdu.varbinds.length;
  const n = Math.min(pdu.nonRepeaters ?? 0, pdu.varbinds.length);
  return n + (pdu.maxRepetitions ?? 0) * (pdu.varbinds.length - n);
}

/** Wraps the agent's request handlers (install after rfcGetBulk); returns live counts. */
export function applyQuirks(agent: unknown, q: Quirks): QuirkStats {
  const a = agent as AgentLike;
  const stats: QuirkStats = { get: 0, getNext: 0, getBulk: 0, dropped: 0, tooBig: 0 };
  const wrap = (name: 'getRequest' | 'getNextRequest' | 'getBulkRequest', count: 'get' | 'getNext' | 'getBulk'): void => {
    const real = a[name].bind(a);
    a[name] = (socket, message, rinfo) => {
      stats[count]++;
      const n = asked(message.pdu);
      if ((q.noBulk && count === 'getBulk') || (q.dropAbove !== undefined && n > q.dropAbove)) { stats.dropped++; return; }
      if (q.tooBigAbove !== undefined && n > q.tooBigAbove) {
        stats.tooBig++;
        // RFC 3416 §4.2.1: tooBig, error-index 0, no variable bindings.
        const pdu = message.pdu.getResponsePduForRequest();
        pdu.errorStatus = snmp.ErrorStatus.TooBig;
        pdu.errorIndex = 0;
        pdu.varbinds = [];
        a.sendResponse(socket, rinfo, message, pdu);
        return;
      }
      real(socket, message, rinfo);
    };
  };
  wrap('getRequest', 'get');
  wrap('getNextRequest', 'getNext');
  wrap('getBulkRequest', 'getBulk');
  return stats;
}
