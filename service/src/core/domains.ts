/**
 * Domain matching for accountOwner targets: the lead's e-mail domain (else its website's domain), lower case,
 * without `www.`; public mail domains never match an account (ruleset.md "Assignment targets").
 */
import type { Lead } from './types';

/** Public / free mail providers: exact domains. */
const PUBLIC_MAIL_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'hotmail.com', 'hotmail.co.uk', 'hotmail.fr', 'hotmail.de', 'hotmail.it',
  'hotmail.es', 'outlook.com', 'outlook.fr', 'outlook.de', 'live.com', 'live.fr', 'live.co.uk', 'msn.com',
  'icloud.com', 'me.com', 'mac.com', 'aol.com', 'aim.com', 'proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me',
  'gmx.com', 'gmx.de', 'gmx.net', 'gmx.at', 'gmx.ch', 'gmx.fr', 'web.de', 'mail.com', 'mail.ru', 'yandex.com',
  'yandex.ru', 'zoho.com', 'zohomail.com', 'tutanota.com', 'tuta.io', 'fastmail.com', 'hey.com', 'qq.com',
  '163.com', '126.com', 'sina.com', 'naver.com', 'daum.net', 'orange.fr', 'wanadoo.fr', 'free.fr', 'sfr.fr',
  'laposte.net', 't-online.de', 'freenet.de', 'libero.it', 'virgilio.it', 'btinternet.com', 'comcast.net',
  'verizon.net', 'att.net', 'sbcglobal.net', 'rediffmail.com', 'seznam.cz', 'wp.pl', 'o2.pl', 'interia.pl',
]);
/** Providers with many country domains (yahoo.co.uk, hotmail.es, live.nl...): the first label decides. */
const PUBLIC_MAIL_FIRST_LABELS = new Set(['yahoo', 'ymail', 'rocketmail', 'hotmail', 'outlook', 'live', 'gmx', 'aol', 'yandex']);

export function isPublicMailDomain(domain: string): boolean {
  if (PUBLIC_MAIL_DOMAINS.has(domain)) return true;
  const dot = domain.indexOf('.');
  return dot > 0 && PUBLIC_MAIL_FIRST_LABELS.has(domain.slice(0, dot));
}

const DOMAIN_SHAPE = /^[a-z0-9](?:[a-z0-9-]{0,62}\.)+[a-z0-9-]{1,63}$/;

function cleanDomain(host: string): string | null {
  let d = host.trim().toLowerCase();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d.startsWith('www.')) d = d.slice(4);
  if (d.length === 0 || d.length > 253 || !DOMAIN_SHAPE.test(d)) return null;
  return d;
}

/** `https://www.Acme.com/about?x` -> `acme.com`; `acme.com:8080` -> `acme.com`; not a domain -> null. */
export function normalizeWebsiteDomain(website: string): string | null {
  if (typeof website !== 'string') return null;
  let s = website.trim();
  if (s.length === 0 || s.length > 2048) return null;
  const scheme = s.indexOf('://');
  if (scheme >= 0) s = s.slice(scheme + 3);
  const end = s.search(/[/?#]/);
  if (end >= 0) s = s.slice(0, end);
  const at = s.lastIndexOf('@'); // user-info in a URL
  if (at >= 0) s = s.slice(at + 1);
  const colon = s.indexOf(':');
  if (colon >= 0) s = s.slice(0, colon);
  return cleanDomain(s);
}

function emailDomain(email: unknown): string | null {
  if (typeof email !== 'string') return null;
  const s = email.trim();
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return null;
  return cleanDomain(s.slice(at + 1));
}

/**
 * The domain an account lookup uses: the e-mail's domain when the lead has a usable e-mail, else the website's.
 * A public mail domain (gmail.com...) yields the website's domain instead, or null: those never match an account.
 */
export function emailOrWebsiteDomain(lead: Lead): string | null {
  const fromEmail = emailDomain(lead.Email);
  if (fromEmail !== null && !isPublicMailDomain(fromEmail)) return fromEmail;
  const fromWebsite = typeof lead.Website === 'string' ? normalizeWebsiteDomain(lead.Website) : null;
  if (fromWebsite !== null && !isPublicMailDomain(fromWebsite)) return fromWebsite;
  return null;
}
