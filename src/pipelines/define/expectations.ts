import type { Expectation } from '../../domain/pipeline-definition.js';

/** Rows failing `condition` are kept and counted (`CONSTRAINT name EXPECT (condition)`). */
export function expect(name: string, condition: string): Expectation {
  return { name, expression: condition, action: 'warn' };
}

/** Rows failing `condition` are dropped (`… ON VIOLATION DROP ROW`). */
export function expectOrDrop(name: string, condition: string): Expectation {
  return { name, expression: condition, action: 'drop' };
}

/** A row failing `condition` fails the flow (`… ON VIOLATION FAIL UPDATE`). */
export function expectOrFail(name: string, condition: string): Expectation {
  return { name, expression: condition, action: 'fail' };
}

/** Warn-only expectations from a `{ name: condition }` map. */
export function expectAll(rules: Record<string, string>): Expectation[] {
  return Object.entries(rules).map(([n, c]) => expect(n, c));
}

/** Drop expectations from a `{ name: condition }` map. */
export function expectAllOrDrop(rules: Record<string, string>): Expectation[] {
  return Object.entries(rules).map(([n, c]) => expectOrDrop(n, c));
}

/** Fail expectations from a `{ name: condition }` map. */
export function expectAllOrFail(rules: Record<string, string>): Expectation[] {
  return Object.entries(rules).map(([n, c]) => expectOrFail(n, c));
}
