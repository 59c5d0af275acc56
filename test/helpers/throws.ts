// An error of exactly this class and message: our messages are API, so the tests that pin
// one compare all of it.
import { expect } from 'vitest';

export function expectThrows(call: () => unknown, type: abstract new (...args: never[]) => Error, message: string): void {
  let thrown: unknown = null;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected ${type.name}: ${message}`).toBeInstanceOf(type);
  expect((thrown as Error).constructor, message).toBe(type);
  expect((thrown as Error).message).toBe(message);
}
