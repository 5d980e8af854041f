'use strict';
// Routes leads through a write-behind SQLite store whose writer thread waits ten minutes before applying anything,
// so every acknowledged decision exists only in the decision journal. Prints `ACK <decisionId> <ownerId>` per lead
// and `DONE`, then stays alive until the test kills it with SIGKILL.
require('../../e2e/child/ts-hook');
const { openSqliteStore } = require('../../../service/src/adapters/store');
const { createFeatures } = require('../../../service/src/features');
const { starterRuleset } = require('../../../service/src/starter-ruleset');

const [file, count] = process.argv.slice(2);

(async () => {
  const store = openSqliteStore({ path: file, writeBehind: true, writerDelayMs: 600_000 });
  const features = createFeatures({ store, defaultRuleset: 'default' });
  await features.rulesets.put('default', starterRuleset(), { activate: true, createdBy: 'test' });
  for (let i = 1; i <= Number(count); i++) {
    const { decision } = await features.routing.route({ lead: { Id: `00Q${String(i).padStart(12, '0')}`, Country: 'GB' }, source: 'callout' });
    process.stdout.write(`ACK ${decision.id} ${decision.ownerId}\n`);
  }
  process.stdout.write('DONE\n');
  setInterval(() => undefined, 1000);
})().catch((err) => {
  process.stderr.write(`write-behind-child failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
