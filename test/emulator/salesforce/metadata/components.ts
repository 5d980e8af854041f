/**
 * Maps Metadata API zip paths to components (type and full name), as deploy results name them
 * (DeployMessage.componentType / fullName / fileName), and reads package.xml's members.
 */
import { XMLParser } from 'fast-xml-parser';

/** Metadata API folder -> type, for the types the in-org package uses (and a few neighbours). */
const FOLDER_TYPES: Record<string, string> = {
  classes: 'ApexClass',
  triggers: 'ApexTrigger',
  lwc: 'LightningComponentBundle',
  aura: 'AuraDefinitionBundle',
  flows: 'Flow',
  permissionsets: 'PermissionSet',
  namedCredentials: 'NamedCredential',
  externalCredentials: 'ExternalCredential',
  applications: 'CustomApplication',
  tabs: 'CustomTab',
  flexipages: 'FlexiPage',
  objects: 'CustomObject',
  layouts: 'Layout',
  staticresources: 'StaticResource',
};

export interface ComponentRef {
  type: string;
  fullName: string;
}

/**
 * The component a zip entry belongs to: `classes/Foo.cls-meta.xml` -> ApexClass Foo, `lwc/bar/bar.js` ->
 * LightningComponentBundle bar. `root` is the zip's top folder when the files sit under one (e.g. `unpackaged/`).
 */
export function componentOf(path: string): ComponentRef | null {
  const parts = path.split('/');
  const type = FOLDER_TYPES[parts[0] ?? ''];
  if (!type || parts.length < 2) return null;
  if (type === 'LightningComponentBundle' || type === 'AuraDefinitionBundle') return { type, fullName: parts[1]! };
  const file = parts[parts.length - 1]!.replace(/-meta\.xml$/, '');
  return { type, fullName: file.slice(0, file.lastIndexOf('.') > 0 ? file.lastIndexOf('.') : file.length) };
}

/** `<types><members>..</members><name>..</name></types>` of package.xml. */
export function packageMembers(packageXml: string): ComponentRef[] {
  const parsed = new XMLParser({ ignoreAttributes: true, isArray: (name) => name === 'types' || name === 'members' }).parse(packageXml) as {
    Package?: { types?: Array<{ name?: string; members?: string[] }> };
  };
  const out: ComponentRef[] = [];
  for (const t of parsed.Package?.types ?? []) {
    for (const m of t.members ?? []) if (t.name) out.push({ type: t.name, fullName: String(m) });
  }
  return out;
}
