/**
 * The emulator's Metadata API module over real HTTP, call by call: session check, deploy of a good and a broken
 * zip (stored and deflated entries, under a root folder or not), status before and after the check, faults.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32, deflateRawSync } from 'node:zlib';
import express from 'express';
import { createMetadataRouter } from '../emulator/salesforce/metadata/index';
import { readZip } from '../emulator/salesforce/metadata/zip';
import { CLASS_META, GOOD_CLASS } from './helpers';

const TOKEN = '00D000000000001AAA!test-token';

/** A zip file (local headers + central directory), deflated or stored. */
function makeZip(files: Record<string, string>, deflate = true): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const raw = Buffer.from(text, 'utf8');
    const data = deflate ? deflateRawSync(raw) : raw;
    const nameBuf = Buffer.from(name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(raw), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc32(raw), 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + data.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDir, end]);
}

const PACKAGE_XML = `<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata">
    <types><members>GoodThing</members><name>ApexClass</name></types>
    <version>62.0</version>
</Package>
`;

function envelope(sessionId: string, body: string): string {
  return (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Header xmlns="http://soap.sforce.com/2006/04/metadata"><SessionHeader><sessionId>${sessionId}</sessionId></SessionHeader></soapenv:Header>` +
    `<soapenv:Body xmlns="http://soap.sforce.com/2006/04/metadata">${body}</soapenv:Body></soapenv:Envelope>`
  );
}

describe('emulated Metadata API', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const app = express();
    app.use(createMetadataRouter({ validateSession: (t) => t === TOKEN, now: () => Date.parse('2026-11-26T10:00:00Z') }));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/Soap/m/62.0`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function call(body: string, session = TOKEN): Promise<{ status: number; text: string }> {
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/xml', SOAPAction: '""' }, body: envelope(session, body) });
    return { status: res.status, text: await res.text() };
  }

  async function deployAndWait(zip: Buffer): Promise<string> {
    const started = await call(`<deploy><ZipFile>${zip.toString('base64')}</ZipFile><DeployOptions><rollbackOnError>true</rollbackOnError></DeployOptions></deploy>`);
    expect(started.status).toBe(200);
    expect(started.text).toContain('<deployResponse><result><done>false</done>');
    const id = /<id>(0Af\w{15})<\/id>/.exec(started.text)![1]!;
    for (let i = 0; i < 50; i++) {
      const status = await call(`<checkDeployStatus><asyncProcessId>${id}</asyncProcessId><includeDetails>true</includeDetails></checkDeployStatus>`);
      if (status.text.includes('<done>true</done>')) return status.text;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('deploy never finished');
  }

  it('refuses a missing or wrong session with the INVALID_SESSION_ID fault jsforce recognises', async () => {
    const res = await call('<checkDeployStatus><asyncProcessId>0Af000000000001AAA</asyncProcessId></checkDeployStatus>', 'nope');
    expect(res.status).toBe(500);
    expect(res.text).toMatch(/<faultcode>sf:INVALID_SESSION_ID<\/faultcode>/);
  });

  it('deploys a good package: Succeeded with one success per package.xml member', async () => {
    const text = await deployAndWait(makeZip({ 'package.xml': PACKAGE_XML, 'classes/GoodThing.cls': GOOD_CLASS, 'classes/GoodThing.cls-meta.xml': CLASS_META }));
    expect(text).toContain('<status>Succeeded</status>');
    expect(text).toContain('<success>true</success>');
    expect(text).toContain('<numberComponentsDeployed>1</numberComponentsDeployed>');
    expect(text).toMatch(/<componentSuccesses><changed>true<\/changed><componentType>ApexClass<\/componentType>.*<fileName>classes\/GoodThing.cls<\/fileName><fullName>GoodThing<\/fullName>/);
  });

  it('reads stored entries under a root folder too', async () => {
    const text = await deployAndWait(
      makeZip({ 'unpackaged/package.xml': PACKAGE_XML, 'unpackaged/classes/GoodThing.cls': GOOD_CLASS, 'unpackaged/classes/GoodThing.cls-meta.xml': CLASS_META }, false),
    );
    expect(text).toContain('<status>Succeeded</status>');
  });

  it('fails a broken package with file, line and column per problem, deploying nothing', async () => {
    const text = await deployAndWait(
      makeZip({
        'package.xml': PACKAGE_XML.replace('<members>GoodThing</members>', '<members>GoodThing</members><members>Broken</members>'),
        'classes/GoodThing.cls': GOOD_CLASS,
        'classes/Broken.cls': 'public class Broken {\n  void x( {\n}\n',
        'classes/Broken.cls-meta.xml': CLASS_META,
        'permissionsets/Oops.permissionset': '<PermissionSet><label>x</lable></PermissionSet>',
      }),
    );
    expect(text).toContain('<status>Failed</status>');
    expect(text).toContain('<numberComponentsDeployed>0</numberComponentsDeployed>');
    expect(text).toMatch(/<componentFailures><changed>false<\/changed><columnNumber>\d+<\/columnNumber><componentType>ApexClass<\/componentType>.*?<fileName>classes\/Broken.cls<\/fileName><fullName>Broken<\/fullName><lineNumber>2<\/lineNumber>/);
    expect(text).toMatch(/<componentType>PermissionSet<\/componentType>.*?<fileName>permissionsets\/Oops.permissionset<\/fileName><fullName>Oops<\/fullName><lineNumber>1<\/lineNumber>/);
    expect(text).not.toContain('<componentSuccesses>');
  });

  it('fails a zip without package.xml, and a body that is not a zip', async () => {
    const noPackage = await deployAndWait(makeZip({ 'classes/GoodThing.cls': GOOD_CLASS, 'classes/GoodThing.cls-meta.xml': CLASS_META }));
    expect(noPackage).toContain('<problem>No package.xml found</problem>');
    const notZip = await deployAndWait(Buffer.from('hello'));
    expect(notZip).toContain('<status>Failed</status>');
    expect(notZip).toContain('<errorMessage>Invalid zip: not a zip file');
  });

  it('answers faults for an unknown deploy id and an unimplemented call', async () => {
    const unknown = await call('<checkDeployStatus><asyncProcessId>0Af000000000009AAA</asyncProcessId></checkDeployStatus>');
    expect(unknown.status).toBe(500);
    expect(unknown.text).toContain('sf:INVALID_CROSS_REFERENCE_KEY');
    const other = await call('<retrieve><request/></retrieve>');
    expect(other.text).toContain('does not implement the Metadata API call retrieve');
  });

  it('reads zips it wrote itself back byte for byte', () => {
    const entries = readZip(makeZip({ 'a/b.txt': 'x'.repeat(5000), 'c.txt': 'é' }));
    expect([...entries.keys()]).toEqual(['a/b.txt', 'c.txt']);
    expect(entries.get('c.txt')!.toString('utf8')).toBe('é');
    expect(() => readZip(makeZip({ '../evil.txt': 'x' }))).toThrow('unsafe entry path');
  });
});
