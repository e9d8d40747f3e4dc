/**
 * The dispatcher both programs run (runProgram): the command found in the
 * table, --version and --help, a command's own help when it has one, and every
 * way a command can end turned into one exit code and one error line.
 */
import { describe, expect, it } from 'vitest';
import {
  DcprobeError, E, checkConfigCommand, invalidConfig, requiredFlag, runProgram,
  type BuildInfo, type Command,
} from '@dcprobe/shared';

const BUILD: BuildInfo = { program: 'dcprobe-test', version: '9.9.9', commit: 'abc', node: 'v20' };

/** A command that throws what it is given, or returns a code. */
function ending(name: string, end: () => number): Command {
  return { spec: { name, args: '', summary: `ends: ${name}`, flags: [] }, async run() { return end(); } };
}

const COMMANDS: readonly Command[] = [
  {
    spec: { name: 'needs', args: '--file F', summary: 'a required flag', flags: [{ name: 'file', value: 'F', help: 'a file' }] },
    async run(args, io) { io.out(`file ${requiredFlag(this.spec, args, 'file')}`); return 0; },
  },
  { ...ending('helped', () => 0), async help(program, args) { return `${program}: own help for ${args.join(' ')}`; } },
  ending('three', () => 3),
  ending('config', () => { throw invalidConfig(['a.b: wrong']); }),
  ending('read', () => { throw new DcprobeError(E.CONFIG_READ, 'cannot read config x.yml: ENOENT'); }),
  ending('scenario', () => { throw new DcprobeError(E.SCENARIO_INVALID, 'events[0]: bad'); }),
  ending('store', () => { throw new DcprobeError(E.STORE_LOCKED, 'the store is locked'); }),
  ending('bug', () => { throw new TypeError('x is undefined'); }),
  checkConfigCommand('check a config', { name: 'config', short: 'c', value: 'FILE', help: 'the config' }, (file, io) => {
    if (file === 'good.yml') { io.out('all: fine'); return []; }
    if (file === 'files.yml') return ['tls.cert: cannot read c.pem (ENOENT)'];
    if (file === 'unreadable.yml') throw new DcprobeError(E.CONFIG_READ, `cannot read config ${file}: ENOENT`);
    throw invalidConfig(['listen: expected HOST:PORT', 'agents[1].id: duplicate "a"']);
  }),
];

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await runProgram(BUILD, COMMANDS, argv, { out: (s) => { out += `${s}\n`; }, err: (s) => { err += `${s}\n`; } });
  return { code, out, err };
}

describe('runProgram', () => {
  it('--version, --help, no command, an unknown command', async () => {
    expect(await cli('--version')).toEqual({ code: 0, out: 'dcprobe-test 9.9.9 (commit abc, node v20)\n', err: '' });
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: dcprobe-test <command> \[flags\]\n/);
    expect(help.out).toMatch(/^ {2}needs --file F +a required flag$/m);
    expect(help.out).toMatch(/^ {2}--version +print the version/m);
    const none = await cli();
    expect([none.code, none.out, none.err]).toEqual([2, '', help.out]);
    const unknown = await cli('nope');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe(`unknown command "nope"\n${help.out}`);
  });

  it("COMMAND --help: the spec's help, or the command's own when it has one", async () => {
    const r = await cli('needs', '--help');
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toMatch(/^usage: dcprobe-test needs --file F\n/);
    expect(r.out).toContain('--file F');
    expect(await cli('helped', 'kind', '-h')).toEqual({ code: 0, out: 'dcprobe-test: own help for kind -h\n', err: '' });
  });

  it.each([
    [['needs', '--file', 'x'], 0, 'file x\n', ''],
    [['needs'], 2, '', 'needs: --file F is required\n(dcprobe-test needs --help lists its flags)\n'],
    [['needs', '--flie', 'x'], 2, '', 'needs: --flie: unknown flag\n(dcprobe-test needs --help lists its flags)\n'],
    [['three'], 3, '', ''],
    [['config'], 2, '', 'a.b: wrong\n'],
    [['read'], 2, '', 'cannot read config x.yml: ENOENT\n'],
    [['scenario'], 2, '', 'events[0]: bad\n'],
    [['store'], 1, '', 'the store is locked\n'],
  ])('%j → exit %i', async (argv, code, out, err) => {
    expect(await cli(...argv)).toEqual({ code, out, err });
  });

  it('an error that is not coded is a bug: its stack, exit 1', async () => {
    const r = await cli('bug');
    expect([r.code, r.out]).toEqual([1, '']);
    expect(r.err).toMatch(/^unexpected error: TypeError: x is undefined\n {4}at /);
  });
});

describe('checkConfigCommand', () => {
  it('prints a valid config and exits 0; FILE or --config FILE, not both', async () => {
    expect(await cli('check-config', 'good.yml')).toEqual({ code: 0, out: 'all: fine\n', err: '' });
    expect(await cli('check-config', '-c', 'good.yml')).toEqual({ code: 0, out: 'all: fine\n', err: '' });
    expect((await cli('check-config', '-c', 'good.yml', 'other.yml')).err).toMatch(/^check-config: give one config file\n/);
    expect((await cli('check-config')).code).toBe(2);
  });

  it("every problem one a line, each naming the file and the field, then the count", async () => {
    expect(await cli('check-config', 'bad.yml')).toEqual({
      code: 2, out: '',
      err: 'bad.yml: listen: expected HOST:PORT\nbad.yml: agents[1].id: duplicate "a"\nbad.yml: 2 problems\n',
    });
  });

  it('one problem found after loading is one line, without a count', async () => {
    expect(await cli('check-config', 'files.yml')).toEqual({ code: 2, out: '', err: 'files.yml: tls.cert: cannot read c.pem (ENOENT)\n' });
  });

  it('a file that cannot be read is its one line, the file named once', async () => {
    expect(await cli('check-config', 'unreadable.yml')).toEqual({ code: 2, out: '', err: 'cannot read config unreadable.yml: ENOENT\n' });
  });
});
