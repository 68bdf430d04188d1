import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/domain/clock.js';
import type { JobSettings } from '../src/domain/job-settings.js';
import { nodeTypeCatalog } from '../src/domain/node-types.js';
import type { Task } from '../src/domain/task.js';
import { isWeirError } from '../src/domain/weir-error.js';
import { createCompute, type Compute } from '../src/executor/compute/create-compute.js';
import { ensureLibraryEnv, librarySet, NPM_MARKER } from '../src/executor/compute/library-env.js';
import { VENV_MARKER } from '../src/executor/runners/wheel-venv.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import { ClusterSqlStore } from '../src/store/sql/cluster-sql-store.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { runRecord } from './support/store-fixtures.js';

// Cluster environments on real files and processes: init scripts run by bash, a real venv with pip, a real
// `npm install` of a package packed with `npm pack` (no network needed).
let dir: string;
let store: SqlStore;
let compute: Compute;
const clock = new ManualClock(1_700_000_000_000);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-compute-env-'));
  store = await openSqliteStore(join(dir, 'weir.sqlite'));
  compute = createCompute({ store: new ClusterSqlStore(store.kysely), clock, catalog: nodeTypeCatalog(), dataDir: join(dir, 'data'), workspaceDir: join(dir, 'ws') });
  mkdirSync(join(dir, 'ws', 'init'), { recursive: true });
  writeFileSync(join(dir, 'ws', 'init', 'count.sh'), 'echo "$DB_CLUSTER_ID $DB_IS_JOB_CLUSTER $STAGE" >> "$COUNT_FILE"\n');
  writeFileSync(join(dir, 'ws', 'init', 'fail.sh'), 'echo "apt-get: package not found" >&2\nexit 7\n');
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const runWith = (run_id: number, settings: Partial<JobSettings>) => runRecord(run_id, { settings: { name: 'j', ...settings } as JobSettings, source_dir: dir });
const shell = (extra: Record<string, unknown> = {}) => ({ task_key: 't', shell_task: { command: 'true' }, ...extra }) as unknown as Task;

describe('job clusters', () => {
  it('run their init scripts once per run, shared by the run’s tasks, with spark_env_vars and DB_* variables; limits follow the node type', async () => {
    const countFile = join(dir, 'count-job.txt');
    const settings = {
      job_clusters: [{ job_cluster_key: 'main', new_cluster: { node_type_id: 'm5d.large', num_workers: 3, spark_env_vars: { STAGE: 'prod', COUNT_FILE: countFile }, init_scripts: [{ workspace: { destination: '/init/count.sh' } }] } }],
    } as unknown as JobSettings;
    const run = runWith(41, settings);
    const [a, b] = await Promise.all([
      compute.provider.acquire(run, shell({ task_key: 'a', job_cluster_key: 'main' })),
      compute.provider.acquire(run, shell({ task_key: 'b', job_cluster_key: 'main' })),
    ]);
    expect(readFileSync(countFile, 'utf8')).toBe('job-41-main TRUE prod\n');
    expect(a.clusterId).toBe('job-41-main');
    expect(b.clusterId).toBe('job-41-main');
    expect(a.env).toMatchObject({ STAGE: 'prod', DB_CLUSTER_ID: 'job-41-main', DB_IS_JOB_CLUSTER: 'TRUE' });
    expect(a.limits).toEqual({ memoryBytes: 8 * 1024 ** 3, cpuShare: 2, nodeType: 'm5d.large' });
    expect(a.workers).toBe(3);
    expect(readdirSync(join(a.envDir, 'init_scripts')).map((d) => existsSync(join(a.envDir, 'init_scripts', d, '0_count.sh.stdout.log')))).toEqual([true]);
    await compute.provider.releaseRun(41);
    // The next run gets a fresh job cluster: its init script runs again.
    await compute.provider.acquire(runWith(42, settings), shell({ job_cluster_key: 'main' }));
    expect(readFileSync(countFile, 'utf8')).toBe('job-41-main TRUE prod\njob-42-main TRUE prod\n');
  });

  it('a failing init script fails the acquire with the script, exit code, stderr and log; a retry tries again', async () => {
    const settings = { job_clusters: [{ job_cluster_key: 'k', new_cluster: { node_type_id: 'weir.small', init_scripts: [{ workspace: { destination: '/init/fail.sh' } }] } }] } as unknown as JobSettings;
    const run = runWith(50, settings);
    let err: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      err = await compute.provider.acquire(run, shell({ job_cluster_key: 'k' })).catch((e) => e);
      expect(isWeirError(err, 'CLUSTER.START_FAILED')).toBe(true);
    }
    expect((err as Error).message).toMatch(/^Init script job cluster k: new_cluster\.init_scripts\[0\] \(.*fail\.sh\) exited with code 7: apt-get: package not found \(full log: .*0_fail\.sh\.stderr\.log\)$/);
    const missing = await compute.provider.acquire(runWith(51, { tasks: [] }), shell({ new_cluster: { init_scripts: [{ workspace: { destination: '/init/none.sh' } }] } })).catch((e) => e);
    expect((missing as Error).message).toMatch(/^Init script job cluster task-t: new_cluster\.init_scripts\[0\] not found: .*none\.sh; upload it there or fix the destination$/);
    const s3 = await compute.provider.acquire(runWith(52, { tasks: [] }), shell({ new_cluster: { init_scripts: [{ s3: { destination: 's3://b/x.sh' } }] } })).catch((e) => e);
    expect((s3 as Error).message).toMatch(/weir runs init scripts from workspace, volumes or file destinations \(this one has: s3\)/);
  });

  it('tasks without a cluster run on the default compute without limits; condition tasks get no compute either', async () => {
    const lease = await compute.provider.acquire(runWith(60, {}), shell());
    expect(lease).toMatchObject({ clusterId: null, ref: 'default', workers: 0, limits: {}, nodeType: { node_type_id: 'weir.medium' } });
    const cond = await compute.provider.acquire(runWith(60, {}), { task_key: 'c', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } } as Task);
    expect(cond.limits).toEqual({});
  });
});

describe('all-purpose clusters', () => {
  it('prepare once at start; tasks there do not rerun init scripts; a terminated cluster is started by the first task', async () => {
    const countFile = join(dir, 'count-ap.txt');
    const c = await compute.clusters.create({ cluster_name: 'pool', node_type_id: 'weir.large', num_workers: 1, spark_env_vars: { STAGE: 'ap', COUNT_FILE: countFile }, init_scripts: [{ workspace: { destination: '/init/count.sh' } }] });
    expect((await compute.clusters.whenSettled(c.cluster_id)).state).toBe('RUNNING');
    expect(readFileSync(countFile, 'utf8')).toBe(`${c.cluster_id} FALSE ap\n`);
    const task = shell({ existing_cluster_id: c.cluster_id });
    for (const runId of [70, 71]) {
      const lease = await compute.provider.acquire(runWith(runId, {}), task);
      expect(lease).toMatchObject({ clusterId: c.cluster_id, ref: 'existing', workers: 1, limits: { memoryBytes: 16 * 1024 ** 3, cpuShare: 4 } });
      expect(compute.provider.isBusy(c.cluster_id)).toBe(true);
      await lease.release();
      expect(compute.provider.isBusy(c.cluster_id)).toBe(false);
    }
    expect(readFileSync(countFile, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    await compute.clusters.terminate(c.cluster_id);
    const lease = await compute.provider.acquire(runWith(72, {}), task);
    expect(lease.clusterId).toBe(c.cluster_id);
    expect((await compute.clusters.get(c.cluster_id)).state).toBe('RUNNING');
    expect(readFileSync(countFile, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
    await lease.release();
  });

  it('autotermination: a cluster idle for autotermination_minutes is terminated (INACTIVITY); a busy one is not', async () => {
    const c = await compute.clusters.create({ cluster_name: 'idle', node_type_id: 'weir.small', autotermination_minutes: 10 });
    await compute.clusters.whenSettled(c.cluster_id);
    clock.advance(9 * 60_000);
    expect(await compute.clusters.terminateIdle()).not.toContain(c.cluster_id);
    clock.advance(60_000);
    expect(await compute.clusters.terminateIdle((id) => id === c.cluster_id)).not.toContain(c.cluster_id);
    expect(await compute.clusters.terminateIdle()).toContain(c.cluster_id);
    expect(await compute.clusters.get(c.cluster_id)).toMatchObject({ state: 'TERMINATED', termination_reason: { code: 'INACTIVITY' } });
  });

  it('an unknown existing_cluster_id runs on the default compute (job files move between workspaces)', async () => {
    const lease = await compute.provider.acquire(runWith(80, {}), shell({ existing_cluster_id: '0101-abc' }));
    expect(lease).toMatchObject({ clusterId: null, ref: 'existing', workers: 0, limits: {} });
  });
});

describe('library environments', () => {
  it('install wheels into a venv once, keyed by content; the second acquire installs nothing', async () => {
    const wheel = buildWheel(dir);
    const task = shell({ libraries: [{ whl: wheel }] });
    const first = await compute.provider.acquire(runWith(90, {}), task);
    const venv = first.env.VIRTUAL_ENV;
    expect(venv).toMatch(/cluster-envs\/python\/[0-9a-f]{32}$/);
    expect(execFileSync(join(venv, 'bin', 'python'), ['-c', 'import weirenv; print(weirenv.VALUE)'], { encoding: 'utf8' })).toBe('42\n');
    expect(first.env.PATH.startsWith(join(venv, 'bin'))).toBe(true);
    const marker = statSync(join(venv, VENV_MARKER)).mtimeMs;
    const second = await compute.provider.acquire(runWith(91, {}), task);
    expect(second.env.VIRTUAL_ENV).toBe(venv);
    expect(statSync(join(venv, VENV_MARKER)).mtimeMs).toBe(marker);
    // The install log of the second acquire does not exist: pip never ran.
    expect(existsSync(join(second.envDir, 'libraries', '91-t', 'pip-install.stdout.log'))).toBe(false);
    const direct = await ensureLibraryEnv(librarySet([{ whl: wheel }], dir), { cacheDir: join(dir, 'data', 'cache'), logDir: join(dir, 'logs') });
    expect(direct.reused).toEqual({ python: true, npm: true });
  }, 120_000);

  it('install npm packages (a local tarball from npm pack) into a cached node_modules; NODE_PATH finds them', async () => {
    const tarball = packTinyPackage(dir);
    const libs = librarySet([{ npm: { package: tarball } } as never], dir);
    const o = { cacheDir: join(dir, 'data', 'cache'), logDir: join(dir, 'npm-logs') };
    const first = await ensureLibraryEnv(libs, o);
    expect(first.reused.npm).toBe(false);
    const out = execFileSync(process.execPath, ['-e', 'console.log(require("weir-tiny").greet("x"))'], { encoding: 'utf8', env: { ...process.env, NODE_PATH: first.env.NODE_PATH } });
    expect(out).toBe('hello x\n');
    const marker = statSync(join(first.nodeModules!, '..', NPM_MARKER)).mtimeMs;
    const second = await ensureLibraryEnv(libs, { ...o, logDir: join(dir, 'npm-logs-2') });
    expect(second).toMatchObject({ nodeModules: first.nodeModules, reused: { npm: true } });
    expect(statSync(join(first.nodeModules!, '..', NPM_MARKER)).mtimeMs).toBe(marker);
    expect(existsSync(join(dir, 'npm-logs-2'))).toBe(false);
  }, 120_000);

  it('a missing library file is a clear error naming the path', async () => {
    const err = await ensureLibraryEnv(librarySet([{ requirements: 'nope/requirements.txt' }], dir), { cacheDir: join(dir, 'c'), logDir: join(dir, 'l') }).catch((e) => e);
    expect((err as Error).message).toMatch(/^The requirements library .*nope\/requirements\.txt cannot be read \(ENOENT\); fix the path/);
  });
});

/** A real wheel (module `weirenv` with VALUE = 42), built with Python's zipfile. */
function buildWheel(into: string): string {
  const out = join(into, 'weirenv-1.0-py3-none-any.whl');
  const script = String.raw`
import base64, hashlib, sys, zipfile
di = "weirenv-1.0.dist-info"
files = {"weirenv/__init__.py": "VALUE = 42\n", f"{di}/METADATA": "Metadata-Version: 2.1\nName: weirenv\nVersion: 1.0\n", f"{di}/WHEEL": "Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
rec = []
with zipfile.ZipFile(sys.argv[1], "w") as z:
  for n, t in files.items():
    z.writestr(n, t)
    rec.append(f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(t.encode()).digest()).rstrip(b'=').decode()},{len(t)}")
  z.writestr(f"{di}/RECORD", "\n".join(rec + [f"{di}/RECORD,,"]) + "\n")
`;
  execFileSync('python3', ['-c', script, out]);
  return out;
}

/** A tiny CommonJS package packed with `npm pack` into a local tarball. */
function packTinyPackage(into: string): string {
  const pkg = join(into, 'weir-tiny');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'weir-tiny', version: '1.0.0', main: 'index.js' }));
  writeFileSync(join(pkg, 'index.js'), 'exports.greet = (n) => "hello " + n;\n');
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', into], { cwd: pkg, encoding: 'utf8' }).trim();
  return join(into, name);
}
