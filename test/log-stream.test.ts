import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseEvents } from '../web/src/use-live-log.js';
import { callApi, startApiServer } from './support/api-server.js';
import { sh, startHarness, type Harness } from './support/weir-harness.js';

// runs/logs/stream over real HTTP: a live task's log arrives while the task runs, then a done event ends the stream.
let h: Harness;
let srv: Awaited<ReturnType<typeof startApiServer>>;
beforeAll(async () => {
  h = await startHarness();
  srv = await startApiServer(h);
});
afterAll(async () => {
  await srv.close();
  await h.close();
});

it('streams a running task\'s stdout as server-sent events and ends with done once the attempt is over', async () => {
  const gate = join(h.dir, 'gate');
  const jobId = await h.createJob({ name: 'live', tasks: [sh('talk', `echo first line; while [ ! -f ${gate} ]; do sleep 0.05; done; echo second line`)] });
  const run = await h.runs.runNow(jobId);
  let taskRunId = 0;
  while (!taskRunId) {
    const trs = await h.store.listTaskRuns(run.run_id);
    if (trs[0]?.life_cycle_state === 'RUNNING') taskRunId = trs[0].task_run_id;
    else await new Promise((r) => setTimeout(r, 20));
  }
  const r = await fetch(`${srv.base}/api/2.2/jobs/runs/logs/stream?run_id=${taskRunId}&stream=stdout`, { headers: { authorization: `Bearer ${h.adminToken}` } });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toContain('text/event-stream');
  const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let text = '';
  const events: string[] = [];
  let gateOpened = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const parsed = parseEvents(buffer + value);
    buffer = parsed.rest;
    for (const ev of parsed.events) {
      events.push(ev.event);
      text += ev.data.content ?? '';
    }
    // The first line arrived while the task still runs (it waits for the gate): only then let it finish.
    if (!gateOpened && text.includes('first line')) {
      expect(existsSync(gate)).toBe(false);
      writeFileSync(gate, '');
      gateOpened = true;
    }
  }
  expect(gateOpened).toBe(true);
  expect(text).toBe('first line\nsecond line\n');
  expect(events.at(-1)).toBe('done');
  await h.executor.waitForRun(run.run_id);
});

it('answers a bad run id with the JSON error of runs/logs, not a stream', async () => {
  const r = await callApi(srv.base, 'GET', '/api/2.2/jobs/runs/logs/stream?run_id=999999', { token: h.adminToken });
  const plain = await callApi(srv.base, 'GET', '/api/2.2/jobs/runs/logs?run_id=999999', { token: h.adminToken });
  expect(r.headers.get('content-type')).toContain('application/json');
  expect([r.status, r.body]).toEqual([plain.status, plain.body]);
  expect(r.body.message).toContain('999999');
});
