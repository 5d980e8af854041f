/**
 * The emulator as its own process for bench/cdc.bench.ts, so its event loop is not shared with the load
 * generator or the naive baseline: prints `READY <json>` (url, token, client credentials) once listening.
 * The seed comes as JSON in BENCH_EMULATOR_SEED.
 */
import { startEmulator } from '../test/emulator/index';

startEmulator({ port: 0, seed: process.env.BENCH_EMULATOR_SEED ? JSON.parse(process.env.BENCH_EMULATOR_SEED) : undefined }).then(
  (emu) => {
    process.stdout.write(`READY ${JSON.stringify({ url: emu.url, accessToken: emu.accessToken, clientId: emu.clientId, clientSecret: emu.clientSecret })}\n`);
    process.once('SIGTERM', () => {
      emu.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  },
  (err: unknown) => {
    process.stderr.write(`cdc-emulator-child failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
