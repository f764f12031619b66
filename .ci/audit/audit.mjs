#!/usr/bin/env node
// GraphQL-over-HTTP compliance audit, using the `serverAudits` of the npm
// package `graphql-http` (version pinned in package.json / package-lock.json).
//
// Usage:  node audit.mjs http://127.0.0.1:8080/graphql
//
// Prints one line per audit:
//   ok     <id> <name>
//   warn   <id> <name> -- <reason> [HTTP <status>; content-type: <ct>; body: <excerpt>]
//   error  <id> <name> -- ...
//   notice <id> <name> -- ...      (a failed optional "MAY" audit)
// then, on the last two lines:
//   graphql-http audit warnings: N
//   graphql-http audit: N passed, N failed, N skipped
// where passed  = audits with status 'ok',
//       failed  = audits with status 'error' (failed MUSTs, plus audits that
//                 could not run at all, e.g. connection refused or timeout),
//       skipped = audits that did not pass but are not requirements
//                 (status 'warn' for SHOULDs and 'notice' for MAYs).
// Exit code: 0 when no audit has status 'error', 1 otherwise, 2 on bad usage.
//
// Environment (optional):
//   AUDIT_TIMEOUT_MS          overall deadline, default 60000
//   AUDIT_REQUEST_TIMEOUT_MS  per-request deadline, default 10000

import { serverAudits } from 'graphql-http';

const OVERALL_TIMEOUT_MS = Number(process.env.AUDIT_TIMEOUT_MS) || 60_000;
const REQUEST_TIMEOUT_MS = Number(process.env.AUDIT_REQUEST_TIMEOUT_MS) || 10_000;
const BODY_EXCERPT_CHARS = 200;

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql-url>   e.g. http://127.0.0.1:8080/graphql');
  process.exit(2);
}
try {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
} catch {
  console.error(`audit.mjs: invalid URL: ${JSON.stringify(url)} (expected http(s)://HOST:PORT/graphql)`);
  process.exit(2);
}

const counts = { ok: 0, warn: 0, notice: 0, error: 0 };
let finished = false;

function printSummary() {
  const skipped = counts.warn + counts.notice;
  console.log(`graphql-http audit warnings: ${counts.warn}`);
  console.log(`graphql-http audit: ${counts.ok} passed, ${counts.error} failed, ${skipped} skipped`);
}

// Overall deadline: abort every in-flight request and stop cleanly.
const overall = new AbortController();
const overallTimer = setTimeout(() => {
  if (finished) return;
  overall.abort(new Error(`overall timeout of ${OVERALL_TIMEOUT_MS} ms exceeded`));
  // Give the abort a moment to propagate; then force the exit.
  setTimeout(() => {
    if (finished) return;
    console.log(`error  audit run did not finish within ${OVERALL_TIMEOUT_MS} ms; giving up`);
    counts.error += 1;
    printSummary();
    process.exit(1);
  }, 2_000).unref();
}, OVERALL_TIMEOUT_MS);
overallTimer.unref();

// fetch with a per-request timeout, also cancelled by the overall deadline.
// (A plain AbortController + timer: AbortSignal.timeout() inside
// AbortSignal.any() does not reliably fire on Node 20.)
const fetchFn = async (input, init = {}) => {
  const ctl = new AbortController();
  const onOverall = () => ctl.abort(overall.signal.reason);
  if (overall.signal.aborted) onOverall();
  else overall.signal.addEventListener('abort', onOverall, { once: true });
  const timer = setTimeout(
    () => ctl.abort(new Error(`no response within ${REQUEST_TIMEOUT_MS} ms (per-request timeout)`)),
    REQUEST_TIMEOUT_MS,
  );
  try {
    // The timer only bounds the wait for the response headers; a body that
    // never ends is still cut off by the overall deadline.
    return await fetch(input, { ...init, signal: ctl.signal });
  } finally {
    clearTimeout(timer);
    overall.signal.removeEventListener('abort', onOverall);
  }
};

const oneLine = (s) => String(s).replace(/\s+/g, ' ').trim();

function describeError(err) {
  // undici wraps the socket error in err.cause (ECONNREFUSED, ENOTFOUND, ...).
  const parts = [];
  for (let e = err, depth = 0; e && depth < 4; e = e.cause, depth++) {
    const msg = e.code && !String(e.message).includes(e.code) ? `${e.code}: ${e.message}` : e.message;
    if (msg && !parts.includes(msg)) parts.push(msg);
    else if (!msg) parts.push(String(e));
  }
  return oneLine(parts.join(' <- '));
}

async function bodyExcerpt(res) {
  if (res.bodyUsed) return '<body already read by the audit>';
  try {
    const text = await Promise.race([
      res.text(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('body did not complete within 5 s')), 5_000).unref(),
      ),
    ]);
    if (text === '') return '<empty>';
    const flat = oneLine(text);
    return flat.length > BODY_EXCERPT_CHARS ? `${flat.slice(0, BODY_EXCERPT_CHARS)}...` : flat;
  } catch (e) {
    return `<unreadable: ${e.message}>`;
  }
}

// Some audits consume the body before failing (e.g. the UTF-8 check); the
// ones that parse JSON hand back an unread clone.
async function describeResponse(res) {
  if (!res || typeof res.status !== 'number') return '';
  const ct = res.headers?.get?.('content-type') ?? '<none>';
  return ` [HTTP ${res.status}; content-type: ${ct}; body: ${await bodyExcerpt(res)}]`;
}

async function main() {
  // Pre-flight: a plain request that every compliant server answers, so that
  // "nothing listens there" gives one clear message instead of 61 errors.
  try {
    const res = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    await res.arrayBuffer().catch(() => {});
  } catch (err) {
    console.log(`error  pre-flight request to ${url} failed (is the server up?): ${describeError(err)}`);
    const total = serverAudits({ url, fetchFn }).length;
    console.log(`error  all ${total} audits counted as failed (server unreachable or not answering)`);
    counts.error += total;
    return;
  }

  const audits = serverAudits({ url, fetchFn });
  // Sequential on purpose: deterministic order and no load spikes.
  for (const audit of audits) {
    let result;
    try {
      result = await audit.fn();
    } catch (err) {
      // Non-assertion failures (network error, timeout, ...) are fatal for that audit.
      counts.error += 1;
      console.log(`error  ${audit.id} ${audit.name} -- audit could not run: ${describeError(err)}`);
      continue;
    }
    const status = result.status;
    if (status === 'ok') {
      counts.ok += 1;
      console.log(`ok     ${result.id} ${result.name}`);
      continue;
    }
    counts[status in counts ? status : 'error'] += 1;
    const details = await describeResponse(result.response);
    console.log(`${status.padEnd(6)} ${result.id} ${result.name} -- ${oneLine(result.reason)}${details}`);
  }
}

try {
  await main();
} catch (err) {
  console.log(`error  audit run crashed: ${describeError(err)}`);
  counts.error += 1;
}
finished = true;
clearTimeout(overallTimer);
printSummary();
process.exit(counts.error > 0 ? 1 : 0);
