/**
 * A lead created in the (emulated) org reaches the router through CDC; its decision sends one Slack message that
 * names the lead and owner and links to the record (<SF_INSTANCE_URL>/lightning/r/Lead/<Id>/view).
 */
import { startStack, type Stack } from '../e2e/stack';
import { createLead } from '../e2e/helpers';
import { eventually, sleep } from './helpers';

describe('CDC decisions notify Slack', () => {
  let stack: Stack;
  afterEach(async () => {
    await stack?.close();
  });

  test('one message per lead created in Salesforce, with the record link', async () => {
    // The stack owns its emulator: create the webhook first, then point SLACK_WEBHOOK_URL at it.
    const { emulator } = await import('../e2e/helpers');
    const { SEED } = await import('../e2e/stack');
    const emu = await emulator({ seed: SEED, streaming: { longPollTimeoutMs: 2_000 } });
    const hook = emu.slack.createWebhook('#leads');
    stack = await startStack({ emu, env: { SLACK_WEBHOOK_URL: emu.slack.url(hook), NOTIFY_POLL_MS: '20' } });
    try {
      const id1 = await createLead(emu, { LastName: 'Cdc', Company: 'Globex', Country: 'US' });
      const id2 = await createLead(emu, { LastName: 'Cdc2', Company: 'Globex', Country: 'FR' });
      const d1 = await stack.owned(id1);
      const d2 = await stack.owned(id2);
      await eventually(() => hook.messages.length >= 2, 10_000, 'two messages');
      await sleep(1200);
      expect(hook.messages).toHaveLength(2);
      for (const d of [d1, d2]) {
        const text = String(hook.messages.find((m) => String(m.payload.text).includes(d.leadId))?.payload.text);
        expect(text).toContain(d.ownerId);
        expect(text).toContain(`<${emu.url}/lightning/r/Lead/${d.leadId}/view|${d.leadId}>`);
        expect(d.source).toBe('cdc');
      }
    } finally {
      await stack.close();
      await emu.close();
    }
  }, 30_000);
});
