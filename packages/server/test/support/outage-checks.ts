import { setTimeout as sleep } from 'node:timers/promises';
import type { BerthProcess } from './berth-process';

/** How long a request may take to be answered while a backend is down: "a few seconds", not a hang. */
export const ANSWER_LIMIT_MS = 8_000;

/** What one request got while a backend was down. */
export interface OutageAnswer {
  /** `<status> <error code>`, `<status>`, or `no answer` when nothing came back within the limit. */
  outcome: string;
  retryAfter: string | null;
  ms: number;
}

/**
 * Sends one request and describes its answer; never throws, so a test sees every outcome at once.
 * A request not answered within twice the limit is given up as `no answer`.
 */
export async function answerOf(url: string, init: RequestInit = {}): Promise<OutageAnswer> {
  const started = Date.now();
  try {
    const res = await fetch(url, {
      redirect: 'manual',
      ...init,
      signal: AbortSignal.timeout(2 * ANSWER_LIMIT_MS),
    });
    const text = await res.text();
    return {
      outcome: outcomeOf(res.status, text),
      retryAfter: res.headers.get('retry-after'),
      ms: Date.now() - started,
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { outcome: `no answer (${cause})`, retryAfter: null, ms: Date.now() - started };
  }
}

/** `<status> <first error code>` for an OCI error body, else just the status. */
export function outcomeOf(status: number, body: string): string {
  const code = errorCodeIn(body);
  return code ? `${status} ${code}` : String(status);
}

/** The first error code of an OCI error body; undefined for any other body. */
export function errorCodeIn(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { errors?: { code?: string }[] }).errors?.[0]?.code;
  } catch {
    return undefined;
  }
}

/** Polls /readyz of every process until all answer `status`; returns how long that took. */
export async function waitForReadiness(
  processes: BerthProcess[],
  status: 200 | 503,
  timeoutMs = 30_000,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const answers = await Promise.all(processes.map((process) => process.readiness()));
    if (answers.every((answer) => answer === status)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`readiness still ${answers.join(', ')} after ${timeoutMs} ms, expected ${status}`);
    }
    await sleep(100);
  }
}

/**
 * Sends the request again and again, a few at a time, until `done` settles: the traffic in flight
 * while a backend goes away. Returns every answer.
 */
export async function answersUntil(
  done: Promise<unknown>,
  url: string,
  init: RequestInit = {},
): Promise<OutageAnswer[]> {
  let settled = false;
  const settle = () => {
    settled = true;
  };
  done.then(settle, settle);
  const answers: OutageAnswer[] = [];
  const asker = async () => {
    while (!settled) answers.push(await answerOf(url, init));
  };
  await Promise.all([asker(), asker(), asker()]);
  return answers;
}

/** The slowest of some answers, in ms. */
export const slowest = (answers: OutageAnswer[]): number =>
  Math.max(0, ...answers.map((answer) => answer.ms));

/** Each step's outcome, to compare with what each should get. */
export function outcomes(answers: Record<string, OutageAnswer>): Record<string, string> {
  return Object.fromEntries(Object.entries(answers).map(([step, answer]) => [step, answer.outcome]));
}

/** Outcomes that are none of `allowed`. */
export function unexpected(answers: OutageAnswer[], allowed: string[]): string[] {
  return answers.map((answer) => answer.outcome).filter((outcome) => !allowed.includes(outcome));
}

/** Answers that came too late, or said 503 without Retry-After; empty when every client knew what to do in time. */
export function misbehaved(answers: OutageAnswer[]): string[] {
  return answers.flatMap((answer) => [
    ...(answer.ms >= ANSWER_LIMIT_MS ? [`${answer.outcome} after ${answer.ms} ms`] : []),
    ...(answer.outcome.startsWith('503') && answer.retryAfter === null
      ? [`${answer.outcome} without Retry-After`]
      : []),
  ]);
}
