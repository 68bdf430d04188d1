import type { Command } from 'commander';
import { printJson, withServer } from './api-client.js';

interface TokenInfo {
  token_id: string;
  creation_time: number;
  expiry_time: number;
  comment?: string;
}

const when = (ms: number): string => (ms === -1 ? 'never' : new Date(ms).toISOString());

/** `weir token …`: personal access tokens through the Token API (the value is shown once, at creation). */
export function registerTokenCommands(program: Command): void {
  const token = program.command('token').alias('tokens').description('create, list and delete personal access tokens');
  const client = withServer(token);
  token
    .command('create')
    .option('--comment <text>', 'what the token is for')
    .option('--lifetime <seconds>', 'seconds until it expires (default: never)')
    .option('--json', 'print the raw response')
    .action(async (o) => {
      const res = await client().call<{ token_value: string; token_info: TokenInfo }>('POST', '/api/2.0/token/create', {
        comment: o.comment,
        lifetime_seconds: o.lifetime === undefined ? undefined : Number(o.lifetime),
      });
      if (o.json) return printJson(res);
      process.stdout.write(`${res.token_value}\n`);
      process.stderr.write(`token ${res.token_info.token_id} expires ${when(res.token_info.expiry_time)}; the value is shown only now\n`);
    });
  token
    .command('list')
    .option('--json', 'print the raw response')
    .action(async (o) => {
      const res = await client().call<{ token_infos?: TokenInfo[] }>('GET', '/api/2.0/token/list');
      if (o.json) return printJson(res);
      for (const t of res.token_infos ?? []) process.stdout.write(`${t.token_id}\t${when(t.creation_time)}\texpires ${when(t.expiry_time)}\t${t.comment ?? ''}\n`);
    });
  token.command('delete <token_id>').action(async (id: string) => {
    await client().call('POST', '/api/2.0/token/delete', { token_id: id });
    process.stdout.write(`deleted token ${id}\n`);
  });
}
