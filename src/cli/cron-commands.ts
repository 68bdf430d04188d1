import type { Command } from 'commander';
import { systemClock, type Clock } from '../domain/clock.js';
import { isWeirError } from '../domain/weir-error.js';
import { describeQuartzCron, nextFireTimes, parseQuartzCron } from '../scheduler/quartz-cron.js';

interface NextOptions {
  tz: string;
  after?: string;
  count: string;
}

/** Exit code for invalid input (expression, zone or option), like the other commands. */
const USAGE_ERROR = 2;

function fail(message: string): void {
  process.stderr.write(`weir: ${message}\n`);
  process.exitCode = USAGE_ERROR;
}

/** Runs `fn`, turning a WeirError (invalid cron or zone) into exit code 2 with its message on stderr. */
function guarded(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!isWeirError(e)) throw e;
    fail(e.message);
  }
}

function parseAfter(text: string | undefined, clock: Clock): number | undefined {
  if (text === undefined) return clock.now();
  // ISO-8601 with Z or an offset (a date alone is midnight UTC): Date.parse alone would also take local-time
  // and locale formats, whose meaning depends on the machine.
  const t = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(t) ? undefined : t;
}

function printNext(words: string[], o: NextOptions, clock: Clock): void {
  const expression = words.join(' ');
  const count = Number(o.count);
  if (!Number.isInteger(count) || count < 1 || count > 1000) return fail(`--count: "${o.count}" is not a whole number from 1 to 1000`);
  const after = parseAfter(o.after, clock);
  if (after === undefined) return fail(`--after: "${o.after}" is not an ISO-8601 instant; write e.g. 2026-03-29T00:00:00Z or 2026-03-29T02:00:00+02:00`);
  guarded(() => {
    const times = nextFireTimes(parseQuartzCron(expression), after, o.tz, count);
    for (const t of times) process.stdout.write(`${new Date(t).toISOString()}\n`);
    if (times.length < count) {
      process.stderr.write(`weir: "${expression}" has ${times.length ? `only ${times.length}` : 'no'} fire time(s) after ${new Date(after).toISOString()}\n`);
    }
  });
}

/** `weir cron next|describe`: check a Quartz cron expression before deploying it. */
export function registerCronCommands(program: Command, clock: Clock = systemClock): void {
  const cron = program.command('cron').description('check Quartz cron expressions (the syntax of schedule.quartz_cron_expression)');
  cron
    .command('next')
    .description('print the next fire times as ISO-8601 UTC instants, one per line (exit 2 for an invalid expression or zone)')
    .argument('<expression...>', 'Quartz cron expression, quoted, e.g. "0 0 6 ? * MON-FRI"')
    .option('--tz <zone>', 'time zone id the schedule is evaluated in (timezone_id)', 'UTC')
    .option('--after <instant>', 'start after this ISO-8601 instant (default: now)')
    .option('--count <n>', 'how many fire times', '5')
    .action((words: string[], o: NextOptions) => printNext(words, o, clock));
  cron
    .command('describe')
    .description('describe the schedule in English')
    .argument('<expression...>', 'Quartz cron expression, quoted')
    .option('--tz <zone>', 'time zone id the schedule is evaluated in (timezone_id)', 'UTC')
    .action((words: string[], o: { tz: string }) => guarded(() => process.stdout.write(`${describeQuartzCron(words.join(' '), o.tz)}\n`)));
}
