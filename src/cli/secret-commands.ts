import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { printJson, withServer } from './api-client.js';

/** The value to put: --value, --file (bytes), or standard input when neither is given. */
function valueOf(o: { value?: string; file?: string }): Record<string, string> {
  if (o.value !== undefined) return { string_value: o.value };
  const bytes = readFileSync(o.file ?? 0);
  return { bytes_value: bytes.toString('base64') };
}

/** `weir secrets …`: secret scopes and secrets through the Secrets API (values are never listed). */
export function registerSecretCommands(program: Command): void {
  const secrets = program.command('secrets').alias('secret').description('manage secret scopes and secrets');
  const client = withServer(secrets);
  secrets.command('create-scope <scope>').action(async (scope: string) => {
    await client().call('POST', '/api/2.0/secrets/scopes/create', { scope });
    process.stdout.write(`created scope ${scope}\n`);
  });
  secrets.command('delete-scope <scope>').description('delete a scope and all its secrets').action(async (scope: string) => {
    await client().call('POST', '/api/2.0/secrets/scopes/delete', { scope });
    process.stdout.write(`deleted scope ${scope}\n`);
  });
  secrets
    .command('put <scope> <key>')
    .description('store a secret: --value, --file, or standard input')
    .option('--value <text>', 'the value as text (visible in shell history; prefer stdin or --file)')
    .option('--file <path>', 'read the value (bytes) from a file')
    .action(async (scope: string, key: string, o) => {
      await client().call('POST', '/api/2.0/secrets/put', { scope, key, ...valueOf(o) });
      process.stdout.write(`stored secret ${scope}/${key}\n`);
    });
  secrets
    .command('list [scope]')
    .description('list scopes, or the keys of one scope')
    .option('--json', 'print the raw response')
    .action(async (scope: string | undefined, o) => {
      if (scope === undefined) {
        const res = await client().call<{ scopes?: { name: string; backend_type: string }[] }>('GET', '/api/2.0/secrets/scopes/list');
        if (o.json) return printJson(res);
        for (const s of res.scopes ?? []) process.stdout.write(`${s.name}\t${s.backend_type}\n`);
        return;
      }
      const res = await client().call<{ secrets?: { key: string; last_updated_timestamp: number }[] }>('GET', '/api/2.0/secrets/list', { scope });
      if (o.json) return printJson(res);
      for (const s of res.secrets ?? []) process.stdout.write(`${s.key}\t${new Date(s.last_updated_timestamp).toISOString()}\n`);
    });
  secrets.command('delete <scope> <key>').action(async (scope: string, key: string) => {
    await client().call('POST', '/api/2.0/secrets/delete', { scope, key });
    process.stdout.write(`deleted secret ${scope}/${key}\n`);
  });
}
