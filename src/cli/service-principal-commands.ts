import type { Command } from 'commander';
import { printJson, withServer } from './api-client.js';

const SCIM = '/api/2.0/preview/scim/v2/ServicePrincipals';

/** `weir service-principal …`: service principals and their OAuth client secrets (for OAuth M2M clients). */
export function registerServicePrincipalCommands(program: Command): void {
  const sp = program.command('service-principal').alias('service-principals').description('create service principals for OAuth machine-to-machine login');
  const client = withServer(sp);
  sp.command('create <name>')
    .description('create a service principal and a client secret (shown once)')
    .action(async (name: string) => {
      const created = await client().call<{ id: string; applicationId: string }>('POST', SCIM, { displayName: name });
      const secret = await client().call<{ secret: string }>('POST', `/api/2.0/accounts/servicePrincipals/${created.id}/credentials/secrets`);
      process.stdout.write(`DATABRICKS_CLIENT_ID=${created.applicationId}\nDATABRICKS_CLIENT_SECRET=${secret.secret}\n`);
      process.stderr.write(`service principal ${created.id} (${name}); the secret is shown only now\n`);
    });
  sp.command('add-secret <id>')
    .description('add another client secret to a service principal (shown once)')
    .action(async (id: string) => {
      const secret = await client().call<{ secret: string }>('POST', `/api/2.0/accounts/servicePrincipals/${id}/credentials/secrets`);
      process.stdout.write(`${secret.secret}\n`);
    });
  sp.command('list')
    .option('--json', 'print the raw response')
    .action(async (o) => {
      const res = await client().call<{ Resources?: { id: string; applicationId: string; displayName: string }[] }>('GET', SCIM);
      if (o.json) return printJson(res);
      for (const s of res.Resources ?? []) process.stdout.write(`${s.id}\t${s.applicationId}\t${s.displayName}\n`);
    });
  sp.command('delete <id>')
    .description('delete a service principal with its secrets and tokens')
    .action(async (id: string) => {
      await client().call('DELETE', `${SCIM}/${id}`);
      process.stdout.write(`deleted service principal ${id}\n`);
    });
}
