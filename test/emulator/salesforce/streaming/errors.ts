/**
 * The Streaming API's error strings, word for word (platform-facts 1.1, 1.3, 1.5). Salesforce runs a customised
 * CometD server: its strings are used, not stock CometD's (platform-facts 1.1, cometd#2480).
 */

/** The latest API version the error texts name (platform-facts 1.1: "URI format: '/cometd/68.0'"). */
export const URI_FORMAT_VERSION = '68.0';
/** platform-facts 1.1: durable (replay) streaming needs 37.0+. */
export const MIN_API_VERSION = 37;

export const SF_ERRORS = {
  // platform-facts 1.1 (error-codes page).
  versionMissing: `API version in the URI is mandatory. URI format: '/cometd/${URI_FORMAT_VERSION}'`,
  versionUnsupported: `Unsupported API version. Only API versions '37.0' and later are supported. URI format: '/cometd/${URI_FORMAT_VERSION}'`,
  invalidConnectionType: (type: string) => `400::Invalid connection type ${type}`,
  requestTooLarge: 'Maximum Request Size Exceeded',
  // platform-facts 1.5.
  requiresAuthentication: '401::Request requires authentication',
  authenticationInvalid: '401::Authentication invalid',
  handshakeDenied: '403::Handshake denied',
  unknownClient: '403::Unknown client',
  unknownChannel: (channel: string) => `400::The channel you requested to subscribe to doesn't exist {${channel}}`,
  channelNotSpecified: '400::Channel name not specified',
  leadingSlash: "400::Channel subscriptions must start with a leading '/'",
  // platform-facts 1.3 (kdcllc#20, EMP-Connector#14; the one-space variant).
  invalidReplayId: (replayId: unknown) =>
    `400::The replayId {${String(replayId)}} you provided was invalid. Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
  // platform-facts 1.3 (EMP-Connector#41): the map is printed the way a Java Map prints ({} or {k=v, k2=v2}).
  replayMapMismatch: (channel: string, map: Record<string, unknown>) =>
    `400::The replayId for channel {${channel}} wasn't found using the provided replay ID map {${javaMap(map)}}. Ensure that the channel name you provided in the replay map is valid and matches the channel name used for subscribing.`,
  // platform-facts 1.1 error table.
  noCookie: (clientId: string, cookie: string) => `400::Client ${clientId} has established a session, but no ${cookie} cookie present`,
  // Not a documented string: clients cannot publish on change event channels.
  publishDenied: (channel: string) => `403::Publishing is not allowed on channel {${channel}}`,
} as const;

function javaMap(map: Record<string, unknown>): string {
  return `{${Object.entries(map)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ')}}`;
}
