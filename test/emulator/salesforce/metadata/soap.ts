/**
 * SOAP envelopes of the Metadata API as jsforce (and so the sf CLI) speaks them: requests carry the session in
 * `SessionHeader/sessionId` and the call as the first element of the Body; answers are
 * `<soapenv:Envelope><soapenv:Body><{call}Response><result>...` and faults are HTTP 500 with faultcode/faultstring.
 */
import { XMLParser } from 'fast-xml-parser';

export interface SoapCall {
  sessionId: string | null;
  method: string;
  args: Record<string, unknown>;
}

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, trimValues: true });

export function parseSoapCall(xml: string): SoapCall | null {
  let doc: Record<string, any>;
  try {
    doc = parser.parse(xml) as Record<string, any>;
  } catch {
    return null;
  }
  const envelope = doc['Envelope'];
  const body = envelope?.['Body'];
  if (!body || typeof body !== 'object') return null;
  const method = Object.keys(body)[0];
  if (!method) return null;
  const sessionId = envelope?.['Header']?.['SessionHeader']?.['sessionId'];
  const args = body[method];
  return { sessionId: typeof sessionId === 'string' ? sessionId : null, method, args: args && typeof args === 'object' ? args : {} };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A plain object as XML elements; arrays repeat the element, null becomes xsi:nil. */
export function toXml(value: unknown, name: string): string {
  if (Array.isArray(value)) return value.map((v) => toXml(v, name)).join('');
  if (value === null || value === undefined) return `<${name} xsi:nil="true"/>`;
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => toXml(v, k))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
  'xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>';
const ENVELOPE_CLOSE = '</soapenv:Body></soapenv:Envelope>';

export function soapResult(method: string, result: unknown): string {
  return `${ENVELOPE_OPEN}<${method}Response>${toXml(result, 'result')}</${method}Response>${ENVELOPE_CLOSE}`;
}

export function soapFault(code: string, message: string): string {
  return `${ENVELOPE_OPEN}<soapenv:Fault><faultcode>sf:${escapeXml(code)}</faultcode><faultstring>${escapeXml(message)}</faultstring></soapenv:Fault>${ENVELOPE_CLOSE}`;
}
