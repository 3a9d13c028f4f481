/**
 * POSTs the nightly's JSON summary to a webhook with undici. Connection failures, timeouts, 408,
 * 429 and 5xx answers are retried a bounded number of times with exponential backoff (and
 * jitter); other 4xx are not (they will not get better). The outcome is returned, never thrown:
 * a webhook that is down must not fail the nightly or change its exit code.
 *
 * Each attempt is bounded by `AbortSignal.timeout` (stack.md: undici's own short timeouts fire
 * late). Webhook URLs often carry a token in their path or query, so messages name only the
 * origin.
 */
import { request } from 'undici';

export interface WebhookOptions {
  /** Retries after the first attempt. Default 3. */
  retries?: number;
  /** First backoff; doubles per retry. Default 500 ms. */
  retryBaseMs?: number;
  /** Per attempt, response headers and body included. Default 10 s. */
  timeoutMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

export interface WebhookResult {
  /** The URL without path or query (those may hold a token). */
  target: string;
  ok: boolean;
  attempts: number;
  /** The last HTTP status, when there was an answer. */
  status: number | null;
  /** Why it failed in the end. */
  error: string | null;
}

/** Scheme, host and port only: safe to print. */
export function webhookTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(invalid URL)';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export async function postWebhook(
  url: string,
  payload: unknown,
  opts: WebhookOptions = {},
): Promise<WebhookResult> {
  const retries = opts.retries ?? 3;
  const base = opts.retryBaseMs ?? 500;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const body = JSON.stringify(payload);
  const result: WebhookResult = {
    target: webhookTarget(url),
    ok: false,
    attempts: 0,
    status: null,
    error: null,
  };
  for (;;) {
    result.attempts++;
    let again = false;
    try {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'pinbench-nightly', ...opts.headers },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      result.status = res.statusCode;
      await res.body.dump().catch(() => {});
      if (res.statusCode >= 200 && res.statusCode < 300) {
        result.ok = true;
        result.error = null;
        return result;
      }
      result.error = `HTTP ${res.statusCode}`;
      again = retryable(res.statusCode);
    } catch (e) {
      const err = e as Error & { code?: string };
      result.error =
        err.name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : `${err.message}${err.code ? ` (${err.code})` : ''}`;
      again = true;
    }
    if (!again || result.attempts > retries) {
      if (result.attempts > 1) result.error += ` (after ${result.attempts} attempts)`;
      return result;
    }
    const delay = base * 2 ** (result.attempts - 1);
    await sleep(delay / 2 + Math.random() * (delay / 2));
  }
}
