// Imports every source kind so the registry in index.ts is complete. Import lines only.
import './snmp-switch.ts';
import './nut.ts';
import './snmp-ups.ts';
import './snmp-pdu.ts';
