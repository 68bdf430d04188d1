import type { Command } from 'commander';
import { printJson, withServer } from './api-client.js';

interface AclResponse {
  access_control_list?: Array<{ user_name?: string; group_name?: string; service_principal_name?: string; all_permissions?: Array<{ permission_level: string; inherited?: boolean }> }>;
}

const LEVELS = ['CAN_VIEW', 'CAN_MANAGE_RUN', 'CAN_MANAGE', 'IS_OWNER'];

/** Only job permissions exist in weir; the object type argument keeps the Databricks CLI's shape (`permissions get jobs 12`). */
function jobPath(objectType: string, id: string): string {
  if (objectType !== 'jobs') throw new Error(`object type "${objectType}": weir keeps permissions on jobs only; use \`weir permissions get jobs <job_id>\``);
  if (!/^\d+$/.test(id)) throw new Error(`job id "${id}": pass the numeric job_id (see \`weir jobs list\`)`);
  return `/api/2.0/permissions/jobs/${id}`;
}

/** Prints one line per principal: kind, name, level (inherited levels marked). */
function printAcl(res: AclResponse): void {
  for (const e of res.access_control_list ?? []) {
    const [kind, name] = e.user_name ? ['user', e.user_name] : e.group_name ? ['group', e.group_name] : ['service_principal', e.service_principal_name ?? ''];
    for (const p of e.all_permissions ?? []) process.stdout.write(`${kind}\t${name}\t${p.permission_level}${p.inherited ? '\t(inherited)' : ''}\n`);
  }
}

/** `weir permissions get|set jobs JOB_ID`: a job's access control list through the Permissions API. */
export function registerPermissionCommands(program: Command): void {
  const perms = program.command('permissions').description("show and change who may view, run and manage a job");
  const client = withServer(perms);
  perms
    .command('get <object_type> <id>')
    .description('print the access control list of a job: kind, name, level')
    .option('--json', 'print the raw response')
    .action(async (objectType: string, id: string, o) => {
      const res = await client().call<AclResponse>('GET', jobPath(objectType, id));
      if (o.json) return printJson(res);
      printAcl(res);
    });
  perms
    .command('set <object_type> <id>')
    .description("give one user, group or service principal a level on a job, keeping the other entries (PATCH)")
    .option('--user <name>', 'a user name')
    .option('--group <name>', 'a group (weir has "users": everyone)')
    .option('--service-principal <application_id>', 'a service principal by its application id')
    .requiredOption('--level <level>', `one of ${LEVELS.join(', ')}`)
    .option('--json', 'print the raw response')
    .action(async (objectType: string, id: string, o) => {
      const named = [['user_name', o.user], ['group_name', o.group], ['service_principal_name', o.servicePrincipal]].filter(([, v]) => v !== undefined);
      if (named.length !== 1) throw new Error('name exactly one of --user, --group or --service-principal');
      const level = String(o.level).toUpperCase();
      if (!LEVELS.includes(level)) throw new Error(`--level ${o.level}: use one of ${LEVELS.join(', ')}`);
      const entry = { [named[0]![0] as string]: named[0]![1], permission_level: level };
      // ApiClient.call's type names GET/POST/DELETE only; it sends any other method with a JSON body the same way.
      const res = await client().call<AclResponse>('PATCH' as 'POST', jobPath(objectType, id), { access_control_list: [entry] });
      if (o.json) return printJson(res);
      printAcl(res);
    });
}
