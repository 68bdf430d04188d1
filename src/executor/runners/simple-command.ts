import { closeSync, openSync, readSync } from 'node:fs';
import { onPath } from './resource-limits.js';

/** Characters that mean nothing to the shell inside a word (no quoting, expansion, globbing, redirection). */
const PLAIN_WORD = /^[A-Za-z0-9_\-./:@%+,=]+$/;

/**
 * Shell reserved words and builtins: a command naming one of these needs the shell. Also the utilities whose
 * builtin differs from the program of the same name (dash's `echo` has no `-e`, `kill` takes job specs …).
 */
const NEEDS_SHELL = new Set(
  (
    'if then else elif fi case esac for select while until do done in function time ! [[ ]] { } ' +
    '. : source alias bg break cd command continue eval exec exit export false fc fg getopts hash jobs let local ' +
    'read readonly return set shift test [ times trap type ulimit umask unalias unset wait echo printf kill pwd'
  ).split(' '),
);

/** Programs found on PATH, by PATH and name (a PATH search is one access() per folder, every task). */
const found = new Map<string, string>();

/**
 * The argv to exec for a shell command that the shell would only split into words and run, as make does for a
 * recipe without shell syntax: `true`, `python3 etl.py --day 2026-01-01`. Undefined when the command needs the
 * shell (quotes, variables, globs, redirection, pipes, builtins, assignments) or its program is not on PATH, so
 * the shell reports that as it always did. Running `true` this way saves the shell's start (~0.1 ms of CPU).
 */
export function simpleCommandArgv(command: string, path: string | undefined): string[] | undefined {
  const words = command.trim().split(/[ \t]+/);
  if (words[0] === '' || NEEDS_SHELL.has(words[0]) || words[0].includes('=')) return undefined;
  if (!words.every((w) => PLAIN_WORD.test(w))) return undefined;
  // A path is relative to the task's folder, which may change between runs: the shell handles it.
  if (words[0].includes('/')) return undefined;
  const key = `${path ?? ''}\0${words[0]}`;
  let program = found.get(key);
  if (program === undefined) {
    program = onPath(words[0], path ?? '');
    if (program === undefined || !execsDirectly(program)) return undefined;
    found.set(key, program);
  }
  return [program, ...words.slice(1)];
}

/** True for a binary or a script with `#!`: a script without it runs only because the shell falls back to itself. */
function execsDirectly(file: string): boolean {
  const head = Buffer.alloc(4);
  try {
    const fd = openSync(file, 'r');
    try {
      readSync(fd, head, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  return head.toString('latin1') === '\x7fELF' || head.toString('latin1', 0, 2) === '#!';
}
