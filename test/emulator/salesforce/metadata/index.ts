/**
 * The Metadata API's deploy, enough for `sf project deploy start` (toolchain.md: SOAP `POST /services/Soap/m/<ver>`
 * with `deploy` (a base64 zip), then `checkDeployStatus` polls). The zip is checked with the project's offline
 * checks (package-check.ts) and the answer is a DeployResult with a componentSuccess per package.xml member or a
 * componentFailure per problem (file, line, column). Nothing is stored: the emulated org has no metadata.
 *
 * Mount: `mountMetadataApi(app, { validateSession: (t) => org.tokens.validateAccessToken(t).ok, now })`.
 */
import express, { Router, type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import { componentOf, packageMembers, type ComponentRef } from './components';
import { checkWithProjectScripts, type PackageChecker, type PackageProblem } from './package-check';
import { parseSoapCall, soapFault, soapResult } from './soap';
import { readZip, ZipError } from './zip';

export interface MetadataApiOptions {
  /** True when the SessionHeader's sessionId is a valid access token of the emulated org. */
  validateSession(sessionId: string): boolean;
  /** Emulated time (ms), for the result's dates; default Date.now. */
  now?: () => number;
  /** The zip check; default: the project's offline checks. */
  check?: PackageChecker;
  /** Username reported as createdByName. */
  userName?: string;
}

interface DeployMessage {
  changed: boolean;
  columnNumber?: number;
  componentType: string;
  created: boolean;
  createdDate: string;
  deleted: boolean;
  fileName: string;
  fullName: string;
  lineNumber?: number;
  problem?: string;
  problemType?: string;
  success: boolean;
}

interface DeployJob {
  id: string;
  createdDate: string;
  checkOnly: boolean;
  result: Promise<Record<string, unknown>>;
  settled: Record<string, unknown> | null;
}

/** Deploy request ids start with 0Af (the DeployRequest key prefix). */
function deployId(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(15);
  return '0Af' + Array.from(bytes, (b) => chars[b % chars.length]).join('').slice(0, 12) + 'AAA';
}

function stripRoot(files: Map<string, Buffer>): Map<string, Buffer> {
  // sf zips the tree at the root; other clients put it under one folder (e.g. unpackaged/): drop that folder.
  const names = [...files.keys()];
  const firsts = new Set(names.map((n) => n.split('/')[0]));
  if (firsts.size !== 1 || names.some((n) => !n.includes('/'))) return files;
  const prefix = [...firsts][0] + '/';
  return new Map(names.map((n) => [n.slice(prefix.length), files.get(n)!]));
}

function asBoolean(value: unknown): boolean {
  return value === true || value === 'true';
}

export function createMetadataRouter(opts: MetadataApiOptions): Router {
  const now = opts.now ?? Date.now;
  const check = opts.check ?? checkWithProjectScripts;
  const userName = opts.userName ?? 'Integration User';
  const jobs = new Map<string, DeployJob>();
  const router = Router();

  async function runDeploy(zipBase64: string, job: DeployJob): Promise<Record<string, unknown>> {
    const at = new Date(now()).toISOString();
    const base = {
      id: job.id,
      checkOnly: job.checkOnly,
      createdBy: '005000000000001AAA',
      createdByName: userName,
      createdDate: job.createdDate,
      startDate: at,
      completedDate: at,
      lastModifiedDate: at,
      done: true,
      ignoreWarnings: false,
      rollbackOnError: true,
      runTestsEnabled: false,
      numberTestErrors: 0,
      numberTestsCompleted: 0,
      numberTestsTotal: 0,
    };
    let files: Map<string, Buffer>;
    try {
      files = stripRoot(readZip(Buffer.from(zipBase64, 'base64')));
    } catch (err) {
      const message = err instanceof ZipError ? err.message : String(err);
      return { ...base, status: 'Failed', success: false, errorStatusCode: 'UNKNOWN_EXCEPTION', errorMessage: `Invalid zip: ${message}`,
        numberComponentErrors: 0, numberComponentsDeployed: 0, numberComponentsTotal: 0, details: { componentFailures: [], componentSuccesses: [] } };
    }
    const pkg = files.get('package.xml');
    const members: ComponentRef[] = pkg ? packageMembers(pkg.toString('utf8')) : [];
    const problems: PackageProblem[] = await check(files);
    const failures: DeployMessage[] = problems.map((p) => {
      const ref = componentOf(p.fileName) ?? { type: '', fullName: p.fileName };
      return {
        changed: false, columnNumber: p.column, componentType: ref.type, created: false, createdDate: at, deleted: false,
        fileName: p.fileName, fullName: ref.fullName, lineNumber: p.line, problem: p.problem, problemType: 'Error', success: false,
      };
    });
    const failed = new Set(failures.map((f) => `${f.componentType}:${f.fullName}`));
    const ok = failures.length === 0;
    // A deploy is all or nothing (rollbackOnError): on failure nothing counts as deployed.
    const successes: DeployMessage[] = ok
      ? [
          ...members.map((m) => ({
            changed: true, componentType: m.type, created: true, createdDate: at, deleted: false,
            fileName: [...files.keys()].find((f) => { const c = componentOf(f); return c?.type === m.type && c.fullName === m.fullName; }) ?? '',
            fullName: m.fullName, success: true,
          })),
          { changed: true, componentType: '', created: false, createdDate: at, deleted: false, fileName: 'package.xml', fullName: 'package.xml', success: true },
        ]
      : [];
    return {
      ...base,
      status: ok ? 'Succeeded' : 'Failed',
      success: ok,
      numberComponentErrors: failed.size,
      numberComponentsDeployed: ok ? members.length : 0,
      numberComponentsTotal: members.length,
      details: { componentFailures: failures, componentSuccesses: successes },
    };
  }

  router.post('/services/Soap/m/:version', express.text({ type: () => true, limit: '400mb' }), (req: Request, res: Response) => {
    res.type('text/xml');
    const call = parseSoapCall(typeof req.body === 'string' ? req.body : '');
    if (!call) {
      res.status(500).send(soapFault('INVALID_XML', 'The request is not a SOAP envelope'));
      return;
    }
    if (!call.sessionId || !opts.validateSession(call.sessionId)) {
      res.status(500).send(soapFault('INVALID_SESSION_ID', 'INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session'));
      return;
    }
    if (call.method === 'deploy') {
      const options = (call.args['DeployOptions'] ?? {}) as Record<string, unknown>;
      const job: DeployJob = {
        id: deployId(),
        createdDate: new Date(now()).toISOString(),
        checkOnly: asBoolean(options['checkOnly']),
        result: Promise.resolve({}),
        settled: null,
      };
      job.result = runDeploy(String(call.args['ZipFile'] ?? ''), job)
        .catch((err: unknown) => ({
          id: job.id, done: true, status: 'Failed', success: false, checkOnly: job.checkOnly, createdDate: job.createdDate,
          errorStatusCode: 'UNKNOWN_EXCEPTION', errorMessage: `The emulator could not check the package: ${String(err)}`,
          numberComponentErrors: 0, numberComponentsDeployed: 0, numberComponentsTotal: 0,
        }))
        .then((r) => (job.settled = r));
      jobs.set(job.id, job);
      res.send(soapResult('deploy', { done: false, id: job.id, state: 'Queued' }));
      return;
    }
    if (call.method === 'checkDeployStatus') {
      const job = jobs.get(String(call.args['asyncProcessId'] ?? ''));
      if (!job) {
        res.status(500).send(soapFault('INVALID_CROSS_REFERENCE_KEY', 'INVALID_CROSS_REFERENCE_KEY: invalid cross reference id'));
        return;
      }
      const includeDetails = asBoolean(call.args['includeDetails']);
      const answer = job.settled ?? {
        id: job.id, done: false, status: 'InProgress', success: false, checkOnly: job.checkOnly, createdDate: job.createdDate,
        createdBy: '005000000000001AAA', createdByName: userName, ignoreWarnings: false, rollbackOnError: true, runTestsEnabled: false,
        numberComponentErrors: 0, numberComponentsDeployed: 0, numberComponentsTotal: 0, numberTestErrors: 0, numberTestsCompleted: 0, numberTestsTotal: 0,
      };
      const { details, ...summary } = answer as Record<string, unknown>;
      res.send(soapResult('checkDeployStatus', includeDetails && details ? { ...summary, details } : summary));
      return;
    }
    if (call.method === 'cancelDeploy') {
      res.send(soapResult('cancelDeploy', { done: true, id: String(call.args['id'] ?? '') }));
      return;
    }
    res.status(500).send(soapFault('UNKNOWN_EXCEPTION', `The emulator does not implement the Metadata API call ${call.method}`));
  });

  return router;
}

/** Mounts the Metadata API routes on an express app or router (before its 404 handler). */
export function mountMetadataApi(app: { use(router: Router): unknown }, opts: MetadataApiOptions): Router {
  const router = createMetadataRouter(opts);
  app.use(router);
  return router;
}
