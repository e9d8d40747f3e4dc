import { describe, expect, it } from 'vitest';
import { builtinProfiles, loadBuiltinProfile, parseProfile } from '../../../agent/src/profiles/pdu/loader.ts';
import { evaluateFeed, type RawValue } from '../../../agent/src/profiles/pdu/rules.ts';
import type { PduFeedDef } from '../../../agent/src/profiles/pdu/schema.ts';

const feed = (name: string, profile = loadBuiltinProfile('apc-ats')): PduFeedDef => profile.feeds.find((f) => f.feed === name)!;
const vals = (o: Record<string, RawValue>) => new Map(Object.entries(o));

describe('built-in profiles', () => {
  it('ship ups-mib-input and apc-ats, each valid', () => {
    expect(builtinProfiles()).toEqual(['apc-ats', 'ups-mib-input']);
    for (const n of builtinProfiles()) expect(loadBuiltinProfile(n).name).toBe(n);
  });

  it('rejects an unknown name, listing the known ones', () => {
    expect(() => loadBuiltinProfile('nope')).toThrow('unknown profile "nope" (built in: apc-ats, ups-mib-input; or give profileFile)');
  });
});

describe('ups-mib-input: input voltage threshold', () => {
  const input = loadBuiltinProfile('ups-mib-input').feeds[0]!;
  it.each([
    [{ voltage: 231, frequency: 500 }, 'mains', { voltage_volts: 231, frequency_hertz: 50 }],
    [{ voltage: 80, frequency: 500 }, 'mains', { voltage_volts: 80, frequency_hertz: 50 }],
    [{ voltage: 79, frequency: 0 }, 'off', { voltage_volts: 79, frequency_hertz: 0 }],
    [{ voltage: 0, frequency: 0 }, 'off', { voltage_volts: 0, frequency_hertz: 0 }],
    [{ voltage: null, frequency: 500 }, 'unknown', { frequency_hertz: 50 }],
    [{ voltage: 'n/a', frequency: null }, 'unknown', {}],
  ] as [Record<string, RawValue>, string, Record<string, number>][])('%j → %s', (raw, state, gauges) => {
    const r = evaluateFeed(input, vals(raw));
    expect(r.state).toBe(state);
    expect(r.gauges).toEqual(gauges);
  });
});

describe('apc-ats: output status and selected source', () => {
  it.each([
    [{ voltageOutStatus: 2, selectedSource: 1, voltage: 230 }, 'mains', 'sourceA'],
    [{ voltageOutStatus: 2, selectedSource: 2, voltage: 229 }, 'mains', 'sourceB'],
    [{ voltageOutStatus: 1, selectedSource: 2, voltage: 0 }, 'off', 'sourceB'],
    [{ voltageOutStatus: 2, selectedSource: 3, voltage: 230 }, 'unknown', 'outOfRange'],
    [{ voltageOutStatus: 2, selectedSource: null, voltage: 230 }, 'unknown', undefined],
    [{ voltageOutStatus: null, selectedSource: 1, voltage: null }, 'unknown', 'sourceA'],
  ] as [Record<string, RawValue>, string, string | undefined][])('%j → %s', (raw, state, selectedName) => {
    const r = evaluateFeed(feed('output'), vals(raw));
    expect(r.state).toBe(state);
    expect(r.evidence.selectedSourceName).toBe(selectedName);
  });

  it.each([
    [2, 'mains'], [1, 'off'], [0, 'unknown'], [null, 'unknown'],
  ] as [RawValue, string][])('sourceB status %j → %s', (status, state) => {
    expect(evaluateFeed(feed('sourceB'), vals({ status, voltage: 0, frequency: 0 })).state).toBe(state);
  });
});

describe('rule conditions', () => {
  const p = parseProfile(`
name: t
description: t
source: test
feeds:
  - feed: f
    values:
      a: { oid: 1.3.6.1.1.0 }
      s: { oid: 1.3.6.1.2.0 }
    rules:
      - { when: { a: { gt: 10, lte: 20 } }, state: bypass }
      - { when: { a: { ne: 5 }, s: { eq: "on" } }, state: mains }
      - { when: { s: { in: ["batt", 7] } }, state: battery }
      - { when: { a: { gte: 0 } }, state: "off" }
`, 't.yaml').feeds[0]!;
  it.each([
    [{ a: 15, s: null }, 'bypass'],
    [{ a: 10, s: 'on' }, 'mains'],
    [{ a: 5, s: 'on' }, 'off'],
    [{ a: null, s: 'batt' }, 'battery'],
    [{ a: null, s: 7 }, 'battery'],
    [{ a: '15', s: null }, 'unknown'],
    [{ a: -1, s: 'x' }, 'unknown'],
  ] as [Record<string, RawValue>, string][])('%j → %s (first matching rule wins)', (raw, state) => {
    expect(evaluateFeed(p, vals(raw)).state).toBe(state);
  });
});

describe('invalid profiles: each with its exact message', () => {
  const head = 'name: x\ndescription: d\nsource: s\n';
  it.each([
    ['name: x\n', 'bad.yaml: description: Invalid input: expected string, received undefined'],
    [`${head}feeds: []\n`, 'bad.yaml: feeds: Too small: expected array to have >=1 items'],
    [`${head}extra: 1\nfeeds:\n  - feed: f\n    values: { v: { oid: 1.3.6.1.1.0 } }\n    rules: [{ when: { v: { eq: 1 } }, state: mains }]\n`, 'bad.yaml: extra: unknown key'],
    [`${head}feeds:\n  - feed: f\n    values: { v: { oid: "1.3.6.1.{index}" } }\n    rules: [{ when: { v: { eq: 1 } }, state: mains }]\n`, 'bad.yaml: feeds[0].values.v.oid: {index} needs rows'],
    [`${head}feeds:\n  - feed: f\n    rows: 1.3.6.1.2\n    values: { v: { oid: "1.3.6.1.{index}" } }\n    rules: [{ when: { v: { eq: 1 } }, state: mains }]\n`, 'bad.yaml: feeds[0].feed: a feed with rows needs {index} in its name'],
    [`${head}feeds:\n  - feed: f\n    values: { v: { oid: 1.3.6.1.1.0 } }\n    rules: [{ when: { volts: { lt: 1 } }, state: mains }]\n`, 'bad.yaml: feeds[0].rules[0].when.volts: no value named "volts" in this feed'],
    [`${head}feeds:\n  - feed: f\n    values: { v: { oid: 1.3.6.1.1.0 } }\n    rules: [{ when: { v: { lt: 1 } }, state: down }]\n`, 'bad.yaml: feeds[0].rules[0].state: Invalid option: expected one of "mains"|"battery"|"bypass"|"off"|"unknown"'],
    [`${head}feeds:\n  - feed: f\n    values: { v: { oid: ifOperStatus } }\n    rules: [{ when: { v: { lt: 1 } }, state: mains }]\n`, 'bad.yaml: feeds[0].values.v.oid: a numeric OID, optionally with {index} for the row'],
    [`${head}feeds:\n  - feed: f\n    values: { v: { oid: 1.3.6.1.1.0 } }\n    rules: [{ when: { v: {} }, state: mains }]\n`, 'bad.yaml: feeds[0].rules[0].when.v: a condition needs at least one of eq, ne, lt, lte, gt, gte, in'],
    ['feeds: [', 'bad.yaml: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 9'],
  ])('%#', (text, message) => {
    expect(() => parseProfile(text, 'bad.yaml')).toThrow(message);
    try { parseProfile(text, 'bad.yaml'); } catch (e) { expect((e as Error).message).toBe(message); }
  });
});
