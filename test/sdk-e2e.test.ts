import { WorkspaceClient } from '@databricks/sdk-experimental';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from './support/api-server.js';
import { startHarness, type Harness } from './support/weir-harness.js';

// The official Databricks JS SDK (@databricks/sdk-experimental 0.17.0) through a whole job lifecycle over real
// HTTP, once with a personal access token and once with OAuth client credentials of a service principal.
let h: Harness;
let srv: { base: string; close(): Promise<void> };
let m2m: { clientId: string; clientSecret: string };
beforeAll(async () => {
  h = await startHarness();
  srv = await startApiServer(h);
  const admin = new WorkspaceClient({ host: srv.base, token: h.adminToken, authType: 'pat' });
  const sp = await admin.servicePrincipalsV2.create({ displayName: 'sdk-e2e-bot' });
  const secret = await admin.servicePrincipalSecretsProxy.create({ service_principal_id: sp.id! });
  m2m = { clientId: sp.applicationId!, clientSecret: secret.secret! };
});
afterAll(async () => {
  await srv.close();
  await h.close();
});

const clients: Record<string, () => WorkspaceClient> = {
  'a personal access token': () => new WorkspaceClient({ host: srv.base, token: h.adminToken, authType: 'pat' }),
  'OAuth client credentials (oauth-m2m)': () => new WorkspaceClient({ host: srv.base, ...m2m, authType: 'oauth-m2m' }),
};

for (const [how, client] of Object.entries(clients)) {
  describe(`the official JS SDK with ${how}`, () => {
    it('creates a multi-task job, runs it with parameters, pages, cancels, repairs and deletes it', async () => {
      const w = client();
      const tag = how.startsWith('a personal') ? 'pat' : 'm2m';
      const marker = join(h.dir, `repair-marker-${tag}`);
      const created = await w.jobs.create({
        name: `sdk-e2e-${tag}`,
        parameters: [
          { name: 'who', default: 'nobody' },
          { name: 'mode', default: 'ok' },
        ],
        tasks: [
          { task_key: 'extract', shell_task: { command: 'echo extract {{job.parameters.who}}' } },
          { task_key: 'load', depends_on: [{ task_key: 'extract' }], shell_task: { command: 'echo load {{job.parameters.who}}' } },
          {
            task_key: 'flaky',
            depends_on: [{ task_key: 'load' }],
            // Fails while the job parameter `mode` is "fail" and the marker file is absent; a repair after the marker
            // exists succeeds, so the repair is what turns the run green.
            shell_task: { command: `if [ "{{job.parameters.mode}}" = fail ] && [ ! -f '${marker}' ]; then echo broken >&2; exit 3; fi; echo flaky-ok` },
          },
          { task_key: 'slow', shell_task: { command: 'if [ "{{job.parameters.mode}}" = slow ]; then sleep 60; fi; echo slow-done' } },
        ] as never,
      });
      const jobId = created.job_id!;
      expect(jobId).toBeGreaterThan(0);
      expect((await w.jobs.get({ job_id: jobId })).settings?.tasks).toHaveLength(4);

      // Run with parameters and wait with the SDK's waiter; read each task's output.
      const run = await (await w.jobs.runNow({ job_id: jobId, job_parameters: { who: `sdk-${tag}` } })).wait();
      expect(run.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' });
      expect(run.tasks).toHaveLength(4);
      const logs: Record<string, string | undefined> = {};
      for (const t of run.tasks!) logs[t.task_key!] = (await w.jobs.getRunOutput({ run_id: t.run_id! })).logs;
      expect(logs).toEqual({ extract: `extract sdk-${tag}\n`, load: `load sdk-${tag}\n`, flaky: 'flaky-ok\n', slow: 'slow-done\n' });

      // Cancel a run that is still working and wait for the cancellation with the SDK's waiter.
      const slowRun = await w.jobs.runNow({ job_id: jobId, job_parameters: { mode: 'slow' } });
      const canceled = await (await w.jobs.cancelRun({ run_id: slowRun.run_id! })).wait();
      expect(canceled.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'CANCELED' });

      // A failed run, repaired after its cause is fixed, with the repair's waiter.
      const failed = await (await w.jobs.runNow({ job_id: jobId, job_parameters: { mode: 'fail' } })).wait();
      expect(failed.state?.result_state).toBe('FAILED');
      const flaky = failed.tasks!.find((t) => t.task_key === 'flaky')!;
      expect(flaky.state?.result_state).toBe('FAILED');
      const failedOut = await w.jobs.getRunOutput({ run_id: flaky.run_id! });
      expect(failedOut.error).toBeTruthy();
      writeFileSync(marker, 'fixed');
      expect(existsSync(marker)).toBe(true);
      const repaired = await (await w.jobs.repairRun({ run_id: failed.run_id!, rerun_all_failed_tasks: true })).wait();
      expect(repaired.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' });
      const reFlaky = repaired.tasks!.find((t) => t.task_key === 'flaky')!;
      expect(reFlaky.run_id).not.toBe(flaky.run_id);
      expect((await w.jobs.getRunOutput({ run_id: reFlaky.run_id! })).logs).toBe('flaky-ok\n');

      // Two more runs make five; page through them two at a time with the SDK's iterator.
      for (let i = 0; i < 2; i++) await (await w.jobs.runNow({ job_id: jobId })).wait();
      const seen: number[] = [];
      for await (const r of w.jobs.listRuns({ job_id: jobId, limit: 2 })) seen.push(r.run_id!);
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
      expect(seen).toContain(failed.run_id);
      expect(seen).toContain(slowRun.run_id);

      await w.jobs.delete({ job_id: jobId });
      await expect(w.jobs.get({ job_id: jobId })).rejects.toMatchObject({ errorCode: expect.stringMatching(/INVALID_PARAMETER_VALUE|RESOURCE_DOES_NOT_EXIST/) });
    }, 120_000);
  });
}
