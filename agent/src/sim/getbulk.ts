/**
 * net-snmp's agent answers GETBULK with at most `max-repetitions` varbinds in
 * total, whatever the number of columns asked. Real agents follow RFC 3416
 * §4.2.3: N non-repeaters plus M repetitions of every repeater, cut only by
 * the message size (snmpd caps at 100 varbinds). A poller tuned against the
 * library's behaviour would be mis-tuned for switches, so the simulator swaps
 * in the RFC behaviour, built on the agent's own getNext and request steps.
 */
interface AgentInternals {
  addGetNextVarbind(out: unknown[], startOid: string): { oid: string } | null | undefined;
  request(socket: unknown, message: unknown, rinfo: unknown): void;
  getBulkRequest(socket: unknown, message: unknown, rinfo: unknown): void;
}

interface BulkPdu {
  nonRepeaters?: number;
  maxRepetitions?: number;
  varbinds: { oid: string }[];
}

export function rfcGetBulk(agent: unknown, limit: number): void {
  const a = agent as AgentInternals;
  // If a future net-snmp renames its internals, keep its own behaviour rather than break.
  if (typeof a.addGetNextVarbind !== 'function' || typeof a.request !== 'function') return;
  a.getBulkRequest = function (socket, message, rinfo) {
    const pdu = (message as { pdu: BulkPdu }).pdu;
    const asked = pdu.varbinds;
    const n = Math.max(0, Math.min(pdu.nonRepeaters ?? 0, asked.length));
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) this.addGetNextVarbind(out, asked[i]!.oid);
    const cursors = asked.slice(n).map((v) => v.oid);
    if (cursors.length > 0) {
      const reps = Math.max(1, Math.min(pdu.maxRepetitions ?? 0, Math.floor((limit - n) / cursors.length)));
      for (let r = 0; r < reps; r++) {
        let advanced = false;
        cursors.forEach((c, k) => {
          // At the end of the MIB the agent appends endOfMibView and returns null: the cursor stays.
          const next = this.addGetNextVarbind(out, c);
          if (next) { cursors[k] = next.oid; advanced = true; }
        });
        if (!advanced) break;
      }
    }
    pdu.varbinds = out as { oid: string }[];
    this.request(socket, message, rinfo);
  };
}
