import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const FORCE_APP = path.join(REPO_ROOT, 'force-app');

/** A throw-away project dir with a force-app tree built from `files` (path under force-app/main/default -> text). */
export function makeProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'force-app-check-'));
  for (const [rel, text] of Object.entries(files)) {
    const full = path.join(dir, 'force-app', 'main', 'default', rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
  }
  return dir;
}

export function removeProject(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export const CLASS_META = `<?xml version="1.0" encoding="UTF-8"?>
<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">
    <apiVersion>62.0</apiVersion>
    <status>Active</status>
</ApexClass>
`;

export const GOOD_CLASS = `public with sharing class GoodThing {
    public static Integer twice(Integer n) {
        return n * 2;
    }
}
`;
