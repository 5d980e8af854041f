/**
 * A CometD subscriber built on the `cometd` npm package (the CometD project's JavaScript client, not faye) with
 * its Node adapter. Run as a child process by test/emulator-clients/cometd-client.test.ts (the packages are ES
 * modules): `node cometd-subscriber.mjs <cometdUrl> <accessToken> '<[{"channel":..,"replayId":..}]>'`.
 * Subscribes inside the /meta/handshake listener (platform-facts 1.2: re-subscribe after every re-handshake),
 * sends the replay map itself (a hand-written replay extension, platform-facts 1.3) and tracks the last
 * replayId per channel. Prints one JSON object per line: {type: 'meta' | 'event', message}. A line "quit" on
 * stdin disconnects and exits.
 */
import { adapt } from 'cometd-nodejs-client';
import { CometD } from 'cometd';

adapt();

const [url, token, spec] = process.argv.slice(2);
const subscriptions = JSON.parse(spec);
const replayFrom = Object.fromEntries(subscriptions.map((s) => [s.channel, s.replayId]));
const print = (type, message) => process.stdout.write(`${JSON.stringify({ type, message })}\n`);

const cometd = new CometD();
cometd.configure({ url, requestHeaders: { Authorization: `OAuth ${token}` }, logLevel: 'warn' });

cometd.registerExtension('sfdc-replay', {
  incoming(message) {
    const replayId = message.data?.event?.replayId;
    if (replayId !== undefined && message.channel in replayFrom) replayFrom[message.channel] = replayId;
    return message;
  },
  outgoing(message) {
    if (message.channel === '/meta/subscribe') {
      message.ext = { ...(message.ext ?? {}), replay: { [message.subscription]: replayFrom[message.subscription] } };
    }
    return message;
  },
});

for (const channel of ['/meta/handshake', '/meta/connect', '/meta/subscribe', '/meta/unsuccessful']) {
  cometd.addListener(channel, (message) => print('meta', message));
}

cometd.addListener('/meta/handshake', (reply) => {
  if (!reply.successful) return;
  for (const { channel } of subscriptions) {
    cometd.subscribe(channel, (message) => print('event', message));
  }
});

cometd.handshake();

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  if (!chunk.includes('quit')) return;
  cometd.disconnect(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
