import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configSecrets, describeConfig, generatedTokensNotice, loadConfig } from '../../../service/src/config';

const TOKENS = { ROUTER_API_TOKEN: 'callout-token-0123456789', ROUTER_ADMIN_TOKEN: 'admin-token-0123456789' };

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  test('defaults from http-api.md', () => {
    const c = loadConfig({ ...TOKENS });
    expect(c.port).toBe(3000);
    expect(c.database).toEqual({ kind: 'sqlite', path: './data/lead-router.db', writeBehind: true });
    expect(c.defaultRuleset).toBe('default');
    expect(c.salesforce).toBeNull();
    expect(c.sfApiVersion).toBe('62.0');
    expect(c.sfCdcChannels).toEqual(['/data/LeadChangeEvent']);
    expect(c.closedStatuses).toEqual(['Closed - Converted', 'Closed - Not Converted', 'Unqualified']);
    expect(c.outboxFlushMs).toBe(50);
    expect(c.sfApiBudgetShare).toBe(0.8);
    expect(c.hubspot).toEqual({ accessToken: null, clientSecret: null, baseUrl: 'https://api.hubapi.com' });
    expect(c.tokensGenerated).toBe(false);
    expect(c.apiToken).toBe(TOKENS.ROUTER_API_TOKEN);
  });

  test('SQLITE_WRITE_BEHIND: true by default, false turns it off, anything else is named', () => {
    expect(loadConfig({ ...TOKENS, SQLITE_WRITE_BEHIND: '' }).database).toMatchObject({ writeBehind: true });
    expect(loadConfig({ ...TOKENS, SQLITE_WRITE_BEHIND: 'FALSE' }).database).toMatchObject({ writeBehind: false });
    expect(() => loadConfig({ ...TOKENS, SQLITE_WRITE_BEHIND: 'off' })).toThrow(/SQLITE_WRITE_BEHIND.*true or false/s);
  });

  test('empty strings count as unset', () => {
    const c = loadConfig({ ...TOKENS, PORT: '', SF_INSTANCE_URL: '', SLACK_WEBHOOK_URL: '' });
    expect(c.port).toBe(3000);
    expect(c.salesforce).toBeNull();
    expect(c.slackWebhookUrl).toBeNull();
  });

  test('generates random tokens when unset and says which', () => {
    const a = loadConfig({});
    const b = loadConfig({});
    expect(a.tokensGenerated).toBe(true);
    expect(a.generatedTokens).toEqual(['ROUTER_API_TOKEN', 'ROUTER_ADMIN_TOKEN']);
    expect(a.apiToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.apiToken).not.toBe(a.adminToken);
    expect(a.apiToken).not.toBe(b.apiToken);
    const notice = generatedTokensNotice(a);
    expect(notice).toContain(a.apiToken);
    expect(notice).toContain(a.adminToken);
    const half = loadConfig({ ROUTER_API_TOKEN: TOKENS.ROUTER_API_TOKEN });
    expect(half.generatedTokens).toEqual(['ROUTER_ADMIN_TOKEN']);
    expect(generatedTokensNotice(half)).not.toContain(TOKENS.ROUTER_API_TOKEN);
  });

  test('parses postgres, lists, numbers and the optional integrations', () => {
    const c = loadConfig({
      ...TOKENS,
      PORT: '0',
      DATABASE_URL: 'postgres://root@127.0.0.1:5432/test',
      SF_CDC_CHANNELS: '/data/LeadChangeEvent, /data/SalesEvents__chn',
      ROUTER_CLOSED_STATUSES: 'Converted,Dead',
      OUTBOX_FLUSH_MS: '10',
      SF_API_BUDGET_SHARE: '0.5',
      HUBSPOT_ACCESS_TOKEN: 'pat-na1-secret',
      HUBSPOT_BASE_URL: 'http://127.0.0.1:4010/',
      SMTP_URL: 'smtp://127.0.0.1:2525',
      NOTIFY_EMAIL_FROM: 'Lead Router <router@example.com>',
      LOG_LEVEL: 'warn',
    });
    expect(c.port).toBe(0);
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://root@127.0.0.1:5432/test' });
    expect(c.sfCdcChannels).toEqual(['/data/LeadChangeEvent', '/data/SalesEvents__chn']);
    expect(c.closedStatuses).toEqual(['Converted', 'Dead']);
    expect(c.outboxFlushMs).toBe(10);
    expect(c.sfApiBudgetShare).toBe(0.5);
    expect(c.hubspot.baseUrl).toBe('http://127.0.0.1:4010');
    expect(c.logLevel).toBe('warn');
  });

  test('Salesforce auth: access token, client credentials, JWT bearer', () => {
    const base = { ...TOKENS, SF_INSTANCE_URL: 'https://acme.my.salesforce.com/' };
    expect(loadConfig({ ...base, SF_ACCESS_TOKEN: '00D!abc' }).salesforce).toMatchObject({
      instanceUrl: 'https://acme.my.salesforce.com',
      auth: { kind: 'accessToken', accessToken: '00D!abc' },
    });
    expect(loadConfig({ ...base, SF_CLIENT_ID: 'id', SF_CLIENT_SECRET: 's3cret' }).salesforce?.auth).toEqual({
      kind: 'clientCredentials',
      loginUrl: 'https://acme.my.salesforce.com',
      clientId: 'id',
      clientSecret: 's3cret',
    });
    const dir = mkdtempSync(join(tmpdir(), 'lr-config-'));
    const key = join(dir, 'server.key');
    writeFileSync(key, 'not really a key');
    expect(
      loadConfig({ ...base, SF_CLIENT_ID: 'id', SF_USERNAME: 'u@example.com', SF_PRIVATE_KEY_FILE: key, SF_LOGIN_URL: 'https://login.salesforce.com' })
        .salesforce?.auth,
    ).toEqual({ kind: 'jwt', loginUrl: 'https://login.salesforce.com', clientId: 'id', username: 'u@example.com', privateKeyFile: key });
  });

  test('every invalid variable is named, with why', () => {
    const err = configError({
      PORT: '70000',
      DATABASE_URL: 'mysql://x',
      ROUTER_API_TOKEN: 'short',
      ROUTER_DEFAULT_RULESET: 'Not A Name',
      LOG_LEVEL: 'loud',
      SF_INSTANCE_URL: 'ftp://acme',
      SF_LOGIN_URL: 'not a url',
      SF_API_VERSION: 'v62',
      SF_CDC_CHANNELS: '/topic/Leads',
      SF_API_BUDGET_SHARE: '1.5',
      ROUTER_CLOSED_STATUSES: ' , ',
      OUTBOX_FLUSH_MS: 'soon',
      HUBSPOT_BASE_URL: 'api.hubapi.com',
      SLACK_WEBHOOK_URL: 'hooks.slack.com/x',
      ALERT_WEBHOOK_URL: 'nope',
      SMTP_URL: 'http://mail',
      NOTIFY_EMAIL_FROM: 'router',
    });
    const named = err.issues.map((i) => i.variable).sort();
    expect(named).toEqual(
      [
        'PORT', 'DATABASE_URL', 'ROUTER_API_TOKEN', 'ROUTER_DEFAULT_RULESET', 'LOG_LEVEL', 'SF_INSTANCE_URL', 'SF_LOGIN_URL',
        'SF_API_VERSION', 'SF_CDC_CHANNELS', 'SF_API_BUDGET_SHARE', 'ROUTER_CLOSED_STATUSES', 'OUTBOX_FLUSH_MS',
        'HUBSPOT_BASE_URL', 'SLACK_WEBHOOK_URL', 'ALERT_WEBHOOK_URL', 'SMTP_URL', 'NOTIFY_EMAIL_FROM',
      ].sort(),
    );
    for (const name of named) expect(err.message).toMatch(new RegExp(`^  ${name}: \\S`, 'm'));
    expect(err.message).toMatch(/PORT: must be an integer from 0 to 65535/);
  });

  test('inconsistent combinations are named too', () => {
    const cases: Array<[NodeJS.ProcessEnv, string, RegExp]> = [
      [{ ...TOKENS, SF_INSTANCE_URL: 'https://acme.my.salesforce.com' }, 'SF_INSTANCE_URL', /no credentials/],
      [{ ...TOKENS, SF_ACCESS_TOKEN: '00D!x' }, 'SF_INSTANCE_URL', /SF_INSTANCE_URL is not/],
      [{ ...TOKENS, SF_INSTANCE_URL: 'https://a.my.salesforce.com', SF_CLIENT_SECRET: 's3cret-value' }, 'SF_CLIENT_SECRET', /SF_CLIENT_ID/],
      [{ ...TOKENS, SF_INSTANCE_URL: 'https://a.my.salesforce.com', SF_CLIENT_ID: 'id' }, 'SF_CLIENT_ID', /SF_CLIENT_SECRET/],
      [
        { ...TOKENS, SF_INSTANCE_URL: 'https://a.my.salesforce.com', SF_CLIENT_ID: 'id', SF_USERNAME: 'u', SF_PRIVATE_KEY_FILE: '/nope/key.pem' },
        'SF_PRIVATE_KEY_FILE',
        /does not exist/,
      ],
      [{ ROUTER_API_TOKEN: TOKENS.ROUTER_API_TOKEN, ROUTER_ADMIN_TOKEN: TOKENS.ROUTER_API_TOKEN }, 'ROUTER_ADMIN_TOKEN', /differ/],
    ];
    for (const [env, variable, why] of cases) {
      const err = configError(env);
      const issue = err.issues.find((i) => i.variable === variable);
      expect(issue?.message).toMatch(why);
    }
  });

  test('secret values never appear in the error or in describeConfig', () => {
    const secrets = {
      ROUTER_API_TOKEN: 'tok en with spaces 123456',
      SF_CLIENT_SECRET: 'sf-client-secret-value-xyz',
      SF_ACCESS_TOKEN: 'access-token-value-xyz',
      HUBSPOT_CLIENT_SECRET: 'hubspot-secret-value-xyz',
      SLACK_WEBHOOK_URL: 'not-a-url-but-secret-xyz',
    };
    const err = configError({ ...secrets, SF_INSTANCE_URL: 'bad' });
    for (const value of Object.values(secrets)) expect(err.message).not.toContain(value);
    const ok = loadConfig({
      ...TOKENS,
      SF_INSTANCE_URL: 'https://a.my.salesforce.com',
      SF_CLIENT_ID: 'id',
      SF_CLIENT_SECRET: secrets.SF_CLIENT_SECRET,
      DATABASE_URL: 'postgres://user:dbpassword@127.0.0.1/test',
    });
    expect(configSecrets(ok).sort()).toEqual(
      [TOKENS.ROUTER_API_TOKEN, TOKENS.ROUTER_ADMIN_TOKEN, secrets.SF_CLIENT_SECRET, 'dbpassword'].sort(),
    );
    const described = JSON.stringify(describeConfig(ok));
    for (const value of [secrets.SF_CLIENT_SECRET, TOKENS.ROUTER_API_TOKEN, TOKENS.ROUTER_ADMIN_TOKEN, 'dbpassword']) {
      expect(described).not.toContain(value);
    }
  });
});
