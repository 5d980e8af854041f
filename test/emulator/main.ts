/**
 * `npm run emulator`: starts the local emulator on one port and prints its base URLs and credentials.
 * Env: EMULATOR_PORT (8787), EMULATOR_ACCESS_TOKEN, EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET,
 * EMULATOR_SEED (a JSON file of Users, Queues, Accounts, Leads), EMULATOR_JWT_PUBLIC_KEY (a PEM file).
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_HUBSPOT_TOKEN } from './hubspot/index';
import { normaliseSeed } from './salesforce/org';
import { DEFAULT_ACCESS_TOKEN } from './salesforce/options';
import { startEmulator } from './server';

function fail(message: string): never {
  console.error(`emulator: ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const portText = process.env.EMULATOR_PORT ?? '8787';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`EMULATOR_PORT must be a port number, got ${JSON.stringify(portText)}`);
  const accessToken = process.env.EMULATOR_ACCESS_TOKEN ?? DEFAULT_ACCESS_TOKEN;
  if (!/^00D[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?!.+/.test(accessToken)) fail('EMULATOR_ACCESS_TOKEN must look like <orgId>!<rest> (toolchain.md: the sf CLI needs this shape)');
  let seed;
  if (process.env.EMULATOR_SEED) {
    try {
      seed = normaliseSeed(JSON.parse(readFileSync(process.env.EMULATOR_SEED, 'utf8')));
    } catch (err) {
      fail(`EMULATOR_SEED ${process.env.EMULATOR_SEED}: ${(err as Error).message}`);
    }
  }
  let jwtPublicKey: string | undefined;
  if (process.env.EMULATOR_JWT_PUBLIC_KEY) {
    try {
      jwtPublicKey = readFileSync(process.env.EMULATOR_JWT_PUBLIC_KEY, 'utf8');
    } catch (err) {
      fail(`EMULATOR_JWT_PUBLIC_KEY: ${(err as Error).message}`);
    }
  }

  const emulator = await startEmulator({
    port,
    seed,
    salesforce: { accessToken, clientId: process.env.EMULATOR_CLIENT_ID, clientSecret: process.env.EMULATOR_CLIENT_SECRET, jwtPublicKey },
  }).catch((err: Error) => fail(`cannot start on port ${port}: ${err.message}`));
  const slackHook = emulator.slack.createWebhook('#leads');
  const u = emulator.url;
  const org = emulator.salesforce.org;
  const lines = [
    'lead-router local emulator (NOT Salesforce, HubSpot or Slack: a stand-in for development and tests)',
    '',
    'Salesforce',
    `  instance URL     ${u}`,
    `  REST             ${u}/services/data/v${org.options.maxApiVersion}.0/`,
    `  OAuth token      ${u}/services/oauth2/token  (client_credentials, JWT bearer${jwtPublicKey ? '' : ': set EMULATOR_JWT_PUBLIC_KEY'})`,
    `  CometD           ${u}/cometd/${org.options.maxApiVersion}.0`,
    `  access token     ${emulator.accessToken}`,
    `  client id        ${emulator.clientId}`,
    `  client secret    ${emulator.clientSecret}`,
    `  integration user ${org.integrationUserId} (integration@lead-router.emulator)`,
    `  lead queue       ${org.queueByDeveloperName('Lead_Inbox')?.Id ?? '-'} (Lead_Inbox; the active assignment rule's target)`,
    `  records          ${org.records.count('Lead')} leads, ${org.records.count('Account')} accounts, ${org.records.count('User')} users`,
    '',
    'HubSpot',
    `  base URL         ${u}/hubspot`,
    `  private app token ${DEFAULT_HUBSPOT_TOKEN}`,
    '',
    'Slack',
    `  incoming webhook ${emulator.slack.url(slackHook)}  (${slackHook.channel})`,
    '',
    'Control surface',
    `  ${u}/__emulator  (reset, seed, calls, clock, faults, tokens: see test/emulator/README.md)`,
    '',
    'sf CLI:  SF_ACCESS_TOKEN=' + emulator.accessToken + ' sf org login access-token --instance-url ' + u + ' --no-prompt',
  ];
  console.log(lines.join('\n'));

  const stop = async () => {
    await emulator.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

void main();
