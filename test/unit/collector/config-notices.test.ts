/** The `notices` section: channels per customer, the relay they need, secrets printed as <secret>. */
import { describe, expect, it } from 'vitest';
import { buildConfig, printableConfig } from '../../../collector/src/config.ts';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const base = (notices: unknown) => ({ customers: [{ id: 'cust-a', network: { ports: ['sw1/p1'] } }], notices });

describe('collector config: notices', () => {
  it('fills the defaults and keeps the webhook secret and the relay password out of what is printed', () => {
    const c = buildConfig(base({
      smtp: { host: '127.0.0.1', from: 'noc@provider.example', user: 'noc', password: 'relay-password-1' },
      customers: [{ customer: 'cust-a', webhook: { url: 'https://hooks.cust-a.example/dcprobe', secret: SECRET }, email: { to: ['ops@cust-a.example'] } }],
    }));
    expect(c.notices).toMatchObject({ settlingSeconds: 900, checkIntervalSeconds: 30, customers: [{ customer: 'cust-a', autoSend: false }] });
    const printed = JSON.stringify(printableConfig(c));
    expect(printed).not.toContain(SECRET);
    expect(printed).not.toContain('relay-password-1');
  });

  it.each([
    [{ customers: [{ customer: 'cust-a', email: { to: ['ops@cust-a.example'] } }] }, 'notices.customers[0].email: needs notices.smtp'],
    [{ customers: [{ customer: 'cust-a' }] }, 'notices.customers[0]: needs a webhook or an email channel'],
    [{ customers: [{ customer: 'cust-a', webhook: { url: 'https://x.example/h', secret: 'plain' } }] }, 'notices.customers[0].webhook.secret: expected whsec_<base64>'],
    [{ smtp: { host: 'relay', from: 'noc@provider.example', user: 'noc' } }, 'notices.smtp: user and password go together'],
  ])('refuses %j', (notices, message) => {
    expect(() => buildConfig(base(notices))).toThrow(message);
  });

  it('takes notices and statements with a postgres:// database as with a SQLite file', () => {
    const c = buildConfig({ ...base({ customers: [{ customer: 'cust-a', webhook: { url: 'https://hooks.cust-a.example/dcprobe', secret: SECRET } }] }),
      statements: {}, database: 'postgres://noc:pw-long-enough@db1.example/dcprobe' });
    expect(c.notices?.customers).toHaveLength(1);
    expect(c.statements).toBeDefined();
  });
});
