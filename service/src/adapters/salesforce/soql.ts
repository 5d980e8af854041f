/**
 * SOQL literals. Every value that comes from lead, account or event data goes through these before it is put
 * into a query string (TEAM.md: SOQL from lead data escaped).
 */

/** A quoted SOQL string literal: backslash, quotes and control characters escaped (SOQL reference, quoted string escapes). */
export function soqlString(value: string): string {
  let out = "'";
  for (const ch of value) {
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case "'":
        out += "\\'";
        break;
      case '"':
        out += '\\"';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      default:
        out += ch;
    }
  }
  return `${out}'`;
}

/** A record id checked to be 15/18 alphanumerics, quoted. Throws on anything else: ids never need escaping. */
export function soqlId(id: string): string {
  if (!/^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/.test(id)) throw new Error(`not a Salesforce id: ${JSON.stringify(id.slice(0, 40))}`);
  return `'${id}'`;
}

/** A SOQL dateTime literal (unquoted, UTC with seconds): 2024-05-01T12:00:00Z. */
export function soqlDateTime(at: Date | number | string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) throw new Error('invalid date for a SOQL literal');
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A field API name, checked (field names cannot be escaped, only validated). */
export function soqlField(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,79}(?:\.[A-Za-z][A-Za-z0-9_]{0,79})*$/.test(name)) {
    throw new Error(`not a field API name: ${JSON.stringify(name.slice(0, 80))}`);
  }
  return name;
}

/** `'a','b'` for an IN list of ids. */
export function soqlIdList(ids: string[]): string {
  return ids.map(soqlId).join(',');
}
