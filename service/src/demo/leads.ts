/** A stream of realistic inbound leads, reproducible (seeded PRNG): names, companies, countries, sizes, sources. */

const FIRST = ['Emma', 'Liam', 'Olivia', 'Noah', 'Chloé', 'Lucas', 'Mia', 'Jonas', 'Sofia', 'Mateo', 'Aiko', 'Ravi', 'Zoe', 'Hugo', 'Lena', 'Omar'];
const LAST = ['Martin', 'Schmidt', 'García', 'Rossi', 'Smith', 'Dubois', 'Müller', 'Silva', 'Tanaka', 'Patel', 'Novak', 'Jensen', 'Brown', 'Kowalski'];
const COMPANIES: Array<{ name: string; domain: string; employees: number; country: string }> = [
  { name: 'Acme', domain: 'acme.com', employees: 12000, country: 'US' },
  { name: 'Globex', domain: 'globex.com', employees: 5400, country: 'US' },
  { name: 'Lumière Énergie', domain: 'lumiere-energie.fr', employees: 3200, country: 'FR' },
  { name: 'Nordwind Logistik', domain: 'nordwind.de', employees: 1800, country: 'DE' },
  { name: 'Thames Analytics', domain: 'thames-analytics.co.uk', employees: 2500, country: 'GB' },
  { name: 'Sol y Mar Hoteles', domain: 'solymar.es', employees: 450, country: 'ES' },
  { name: 'Maple Robotics', domain: 'maplerobotics.ca', employees: 1300, country: 'CA' },
  { name: 'Andes Pagos', domain: 'andespagos.cl', employees: 2100, country: 'CL' },
  { name: 'Canal Studio', domain: 'canalstudio.nl', employees: 35, country: 'NL' },
  { name: 'Bottega Verde', domain: 'bottegaverde.it', employees: 120, country: 'IT' },
  { name: 'Prairie Farms Co-op', domain: 'prairiefarms.com', employees: 640, country: 'US' },
  { name: 'Kite & Key', domain: 'kiteandkey.io', employees: 12, country: 'US' },
  { name: 'Fjord Health', domain: 'fjordhealth.no', employees: 260, country: 'NO' },
  { name: 'Sakura Foods', domain: 'sakurafoods.jp', employees: 8700, country: 'JP' },
];
const SOURCES = ['Web', 'Web', 'Web', 'Chat', 'Webinar', 'Partner Referral', 'Trade Show'];
const TITLES = ['VP Sales', 'Head of RevOps', 'CTO', 'Marketing Manager', 'Founder', 'Procurement Lead', 'Data Analyst'];

/** mulberry32: a small seeded generator, so that two demo runs send the same leads. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function leadFactory(seed = 42): () => Record<string, unknown> {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  return () => {
    const company = pick(COMPANIES);
    const first = pick(FIRST);
    const last = pick(LAST);
    const local = `${first}.${last}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
    return {
      FirstName: first,
      LastName: last,
      Company: company.name,
      Email: `${local}@${company.domain}`,
      Website: `https://www.${company.domain}`,
      Country: company.country,
      NumberOfEmployees: company.employees,
      LeadSource: pick(SOURCES),
      Title: pick(TITLES),
    };
  };
}
