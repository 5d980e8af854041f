/**
 * Building blocks of the settings features read from the environment at start (config.ts holds the core ones):
 * one integer rule, one boolean rule and one way to turn zod issues into a ConfigError, so every variable is
 * checked, defaulted and reported alike.
 */
import { z } from 'zod';
import { ConfigError } from './config';

/** An integer variable from `min` to `max`; unset or empty means `fallback`. */
export const envInt = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? String(fallback) : v),
    z
      .string()
      .regex(min < 0 ? /^-?\d+$/ : /^\d+$/, { message: `must be an integer from ${min} to ${max}` })
      .transform(Number)
      .refine((n) => n >= min && n <= max, { message: `must be an integer from ${min} to ${max}` }),
  );

/** `true` or `false` (any case; also 1 and 0); unset or empty means `fallback`. */
export const envBool = (fallback: boolean) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? String(fallback) : String(v).toLowerCase()),
    z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }).transform((v) => v === 'true' || v === '1'),
  );

/** Parses the environment with `schema`; every problem becomes one `{variable, message}` of a ConfigError. */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.output<T> {
  const r = schema.safeParse(env);
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => ({ variable: String(i.path[0] ?? '(environment)'), message: i.message })));
  return r.data;
}
