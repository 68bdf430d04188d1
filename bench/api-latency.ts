/**
 * REST API latency under a fixed request rate: a real `weir server` child process (embedded SQLite default) on a
 * temp data dir, a job with a few finished runs, then runs/get and jobs/list each driven at RATE requests/s for
 * SECONDS from a second Node process (an open-loop generator: requests leave on a fixed schedule, and latency is
 * measured from the scheduled time, so a stalled server cannot hide its queueing). Goal: runs/get p99 < 10 ms at
 * 500 requests/s.
 *
 *   node --import tsx bench/api-latency.ts            # RATE=500 SECONDS=10
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { percentile, tempDir } from './lib.js';

const RATE = Number(process.env.RATE ?? 500);
const SECONDS = Number(process.env.SECONDS ?? 10);
const ROOT = join(import.meta.dirname, '..');

/** One GET with a keep-alive agent; resolves with the HTTP status. */
function get(agent: Agent, url: string, token: string): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => ok(res.statusCode ?? 0));
    });
    req.on('error', fail);
    req.end();
  });
}

/**
 * The generator process: sends GET `url` at RATE/s for SECONDS and prints as JSON the latencies from each request's
 * scheduled time (`latencies`) and from when it actually left (`service`), errors and the elapsed seconds.
 */
async function generate(url: string, token: string): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const total = RATE * SECONDS;
  const latencies: number[] = [];
  const service: number[] = [];
  let errors = 0;
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((ok) => setTimeout(ok, wait));
    const sent = performance.now();
    pending.push(
      get(agent, url, token).then(
        (status) => {
          const now = performance.now();
          service.push(now - sent);
          if (status === 200) latencies.push(now - due);
          else errors++;
        },
        () => void errors++,
      ),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ latencies, service, errors, elapsed }));
  agent.destroy();
}

async function startServer(dir: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'server', '--data-dir', dir, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /weir is running at (http:\/\/\S+)/.exec(out);
      if (m) ok(m[1]);
    });
    child.once('exit', (code) => fail(new Error(`weir server exited ${code}: ${out}`)));
  });
  child.stdout!.resume();
  return { child, base };
}

async function api(base: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

/** Runs the generator in a second process against one route and returns its measurements. */
function drive(url: string, token: string): Promise<{ latencies: number[]; service: number[]; errors: number; elapsed: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--generate', url, token], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((ok, fail) => child.once('exit', (code) => (code === 0 ? ok(JSON.parse(out)) : fail(new Error(`generator exited ${code}`)))));
}

async function main(): Promise<void> {
  const dir = tempDir('api-latency');
  const { child, base } = await startServer(dir);
  try {
    const token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
    const { job_id } = await api(base, token, 'POST', '/api/2.2/jobs/create', {
      name: 'latency', tasks: [{ task_key: 'a', shell_task: { command: 'true' } }, { task_key: 'b', depends_on: [{ task_key: 'a' }], shell_task: { command: 'true' } }],
    });
    for (let i = 0; i < 4; i++) await api(base, token, 'POST', '/api/2.2/jobs/create', { name: `other-${i}`, tasks: [{ task_key: 'x', shell_task: { command: 'true' } }] });
    let runId = 0;
    for (let i = 0; i < 5; i++) {
      runId = (await api(base, token, 'POST', '/api/2.2/jobs/run-now', { job_id })).run_id;
      while (!['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes((await api(base, token, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}`)).state.life_cycle_state)) {
        await new Promise((ok) => setTimeout(ok, 50));
      }
    }
    console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`weir server at ${base}; ${RATE} requests/s for ${SECONDS} s per route from a second process`);
    console.log('| route | sent | errors | achieved rate | p50 | p99 | max | p99 from send |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [name, path] of [['runs/get', `/api/2.2/jobs/runs/get?run_id=${runId}`], ['jobs/list', '/api/2.2/jobs/list?limit=25']]) {
      const r = await drive(base + path, token);
      const sorted = [...r.latencies].sort((a, b) => a - b);
      const rate = (r.latencies.length + r.errors) / r.elapsed;
      console.log(`| ${name} | ${r.latencies.length + r.errors} | ${r.errors} | ${rate.toFixed(0)}/s | ${percentile(sorted, 50).toFixed(2)} ms | ${percentile(sorted, 99).toFixed(2)} ms | ${sorted.at(-1)!.toFixed(2)} ms | ${percentile(r.service, 99).toFixed(2)} ms |`);
      if (name === 'runs/get') console.log(`goal runs/get p99 < 10 ms: ${percentile(sorted, 99) < 10 ? 'PASS' : 'MISS'}`);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((ok) => (child.exitCode !== null ? ok(null) : child.once('exit', ok)));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--generate') await generate(process.argv[3], process.argv[4]);
else await main();
