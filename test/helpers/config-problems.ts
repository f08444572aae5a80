// The problems a configuration text is refused with, for tests of the schema's messages.
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/errors.ts';
import { parseConfig } from '../../src/config/load.ts';

export const CONFIG_FILE = '/etc/postern/postern.yaml';

export function problemsOf(yaml: string, file = CONFIG_FILE): string[] {
  try {
    parseConfig(yaml, file);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}
