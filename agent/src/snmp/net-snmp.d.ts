// net-snmp's community typings disagree with the library in several places
// (error classes, v3 session options, callback shapes); this project uses it
// only inside snmp/client.ts, snmp/traps.ts and the simulators, so it is typed loosely here.
declare module 'net-snmp' {
  const snmp: any;
  export default snmp;
}

// net-snmp's BER library, reached only by snmp/fast-oid.ts.
declare module 'asn1-ber' {
  const asn1: unknown;
  export default asn1;
}
