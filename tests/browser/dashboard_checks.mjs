// The checks the browser test makes in the page, each compared with what the API answers: the
// first view without errors (console included), the counts and backlog of the overview, the parked
// jobs and causes, a wrong token's error, a retry clicked in the page (then confirmed through the
// API), order lookups (by event and by code alone) with their links, "Sync now" (confirmed
// through the audit log), and pausing and resuming a provider with its buttons.
import fs from 'node:fs';
import path from 'node:path';

import {expectJson, request, waitFor} from './harness.mjs';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const STATES = ['due', 'scheduled', 'follow_up', 'in_flight', 'exceeded', 'permanent', 'config', 'internal', 'timeout'];

/// A CSS attribute selector with a safely quoted value.
const attr = (name, value) => '[' + name + '=' + JSON.stringify(String(value)) + ']';
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function loadChromium() {
  try {
    return (await import('playwright-core')).chromium;
  } catch (e) {
    throw new Error('playwright-core is not installed (' + e.message + '): run scripts/install-browser-deps.sh');
  }
}

/// Waits (15 s at most) until the trimmed text of `selector` is `expected` (string) or matches it
/// (RegExp); the error names what was expected and what the page showed.
async function expectText(page, selector, expected, what) {
  await waitFor(what + ' (' + selector + ' should show ' + expected + ')', async () => {
    const node = await page.$(selector);
    const seen = node ? (await node.textContent()).trim() : '(no such element)';
    const ok = typeof expected === 'string' ? seen === expected : expected.test(seen);
    if (!ok) throw new Error('the page shows ' + JSON.stringify(seen.slice(0, 300)));
    return true;
  }, {timeoutMs: 15000});
}

async function expectCount(page, selector, expected, what) {
  await waitFor(what + ' (' + expected + ' of ' + selector + ')', async () => {
    const n = (await page.$$(selector)).length;
    if (n !== expected) throw new Error('the page has ' + n);
    return true;
  }, {timeoutMs: 15000});
}

async function checkServedFiles(base) {
  for (const [file, type] of [['/', 'text/html'], ['/index.html', 'text/html'], ['/dashboard.js', 'javascript'],
    ['/dashboard.css', 'text/css']]) {
    const response = await fetch(base + file, {signal: AbortSignal.timeout(10000)});
    const body = await response.text();
    const contentType = response.headers.get('content-type') || '';
    if (response.status !== 200 || !contentType.includes(type) || !body.length) {
      throw new Error('GET ' + file + ': expected 200 ' + type + ', got ' + response.status + ' ' + contentType);
    }
  }
}

async function checkOverview(page, base, step) {
  step('checking the overview against GET /api/v1/overview');
  const overview = await expectJson(base, 'GET', '/api/v1/overview', 200);
  let events = 0;
  for (const p of overview.providers) {
    const row = '[data-testid="provider-row"]' + attr('data-provider', p.id);
    for (const state of STATES) {
      const expected = String((p.states && p.states[state]) || 0);
      await expectText(page, row + ' ' + attr('data-state', state), expected, p.id + ' ' + state + ' count');
    }
    for (const e of p.events || []) {
      ++events;
      const backlog = '[data-testid="backlog-row"]' + attr('data-provider', p.id) + attr('data-event', e.event);
      await expectText(page, backlog + ' [data-testid="backlog-due"]', String(e.due), 'due backlog of ' + p.id + ' ' + e.event);
    }
  }
  await expectCount(page, '[data-testid="backlog-row"]', events, 'backlog rows');
  for (const n of overview.nodes || []) {
    await page.waitForSelector('[data-testid="node-row"]' + attr('data-node', n.name));
  }
  await expectText(page, '#rate-synced', /^\d+\.\d$/, 'the synced rate');
  await expectText(page, '#rate-enqueued', /^\d+\.\d$/, 'the enqueued rate');
}

/// The first view, before anything is clicked: the jobs panel opens on every parked job of the
/// first provider that has some, every panel shows data, and nothing failed (no message, no
/// console error such as a failed request).
async function checkFirstView(page, base, consoleErrors, step) {
  step('checking the first view: every parked job of diet, no error anywhere');
  const parked = await expectJson(base, 'GET', '/api/v1/jobs?provider=diet&state=parked&limit=50', 200);
  if (!parked.total) throw new Error('GET /api/v1/jobs?provider=diet&state=parked lists nothing');
  await expectText(page, '#jobs-total', new RegExp('^\\(Diet list .*\\(diet\\), parked: ' + parked.total + ' jobs?\\)$'),
    'the first job list');
  if ((await page.inputValue('#jobs-provider')) !== 'diet' || (await page.inputValue('#jobs-state')) !== 'parked') {
    throw new Error('the first view filters ' + (await page.inputValue('#jobs-provider')) + '/' +
                    (await page.inputValue('#jobs-state')) + ', expected diet/parked');
  }
  await expectCount(page, '[data-testid="job-row"]', parked.items.length, 'parked job rows of the first view');
  for (const item of parked.items) {
    await page.waitForSelector('[data-testid="job-row"]' + attr('data-order', item.order) + attr('data-state', item.state),
      {state: 'attached'});
  }
  await page.waitForSelector('[data-testid="cause-row"]', {state: 'attached'});
  const jobsMessage = await page.$eval('#jobs-message', (box) => (box.hidden ? '' : box.textContent.trim()));
  if (jobsMessage) throw new Error('the jobs panel shows a message on first load: ' + jobsMessage);
  await expectText(page, '#connection-status', /^Live: updated /, 'the connection status');
  if (await page.$eval('#lookup-message', (box) => !box.hidden)) throw new Error('the lookup shows a message on first load');
  if (consoleErrors.length) throw new Error('console errors on first load: ' + consoleErrors.join('; '));

  step('choosing "any state" without an event: a hint, no failed request');
  await page.selectOption('#jobs-state', '');
  await expectText(page, '#jobs-message', /^Any state lists the jobs of one event/, 'the any-state hint');
  await expectCount(page, '[data-testid="job-row"]', 0, 'job rows of any state without an event');
  if (consoleErrors.length) throw new Error('console errors after choosing any state: ' + consoleErrors.join('; '));
}

async function checkParkedJobs(page, base, fed, step) {
  step('listing the parked jobs of provider diet in the page');
  await page.selectOption('#jobs-provider', 'diet');
  await page.selectOption('#jobs-state', 'config');
  const rows = '[data-testid="job-row"][data-state="config"]';
  await expectCount(page, rows, fed.parked.items.length, 'parked job rows');
  if (await page.$eval('#jobs-message', (box) => !box.hidden)) throw new Error('the any-state hint stays after choosing a state');
  await expectText(page, '#jobs-total', new RegExp(': ' + fed.parked.total + ' jobs?\\)'), 'the job total');
  for (const item of fed.parked.items) {
    const row = '[data-testid="job-row"]' + attr('data-event', item.event) + attr('data-order', item.order);
    const expected = [item.cause].concat(item.errors || []).filter(Boolean).map(escapeRegExp).join('[\\s\\S]*');
    await expectText(page, row + ' [data-testid="job-errors"]', new RegExp(expected), 'cause and errors of ' + item.order);
  }
  const causes = await expectJson(base, 'GET', '/api/v1/jobs/causes?provider=diet', 200);
  if (!causes.causes.length) throw new Error('GET /api/v1/jobs/causes?provider=diet lists no cause');
  for (const c of causes.causes) {
    const row = '[data-testid="cause-row"]' + attr('data-state', c.state) + attr('data-cause', c.cause);
    await expectText(page, row + ' [data-testid="cause-count"]', String(c.count), 'count of cause ' + c.cause);
  }
}

/// The number of manual retries in the audit log of `code` for provider diet, and its item state.
async function dietRecord(base, fed, code) {
  const order = await expectJson(base, 'GET', '/api/v1/orders/' + fed.organizer + '/' + fed.event + '/' + code, 200);
  const diet = (order.providers || []).find((p) => p.provider === 'diet');
  if (!diet) throw new Error('GET /api/v1/orders/.../' + code + ' has no entry for provider diet');
  return {
    retries: (diet.log || []).filter((entry) => entry.what === 'retried').length,
    states: (diet.items || []).map((i) => i.state),
  };
}

async function checkRetry(page, base, token, fed, step) {
  const target = fed.parked.items[0];
  const row = '[data-testid="job-row"]' + attr('data-event', target.event) + attr('data-order', target.order);
  const before = await dietRecord(base, fed, target.order);

  step('clicking Retry with a wrong token: the page shows the API\'s error');
  const wrong = 'wrong-' + token;
  const refused = await request(base, 'POST', '/api/v1/jobs/retry',
    {token: wrong, body: {provider: 'diet', items: [{event: target.event, order: target.order}]}});
  const message = refused.json && refused.json.error && refused.json.error.message;
  if (refused.status !== 401 || !message) throw new Error('a wrong token: expected 401 with an error message, got ' + refused.status);
  await page.fill('#token-input', wrong);
  await page.click('#token-save');
  await page.click(row + ' button[data-action="retry"]');
  await expectText(page, '#jobs-message', new RegExp(escapeRegExp(message)), 'the 401 error message');
  if ((await dietRecord(base, fed, target.order)).retries !== before.retries) {
    throw new Error('a retry with a wrong token changed the audit log of ' + target.order);
  }

  step('typing the token and clicking Retry on order ' + target.order);
  await page.fill('#token-input', token);
  await page.click('#token-save');
  await expectText(page, '#token-status', /Token set/, 'the token status');
  const stored = await page.evaluate(() => window.sessionStorage.getItem('tixsync.api_token'));
  if (stored !== token) throw new Error('the token is not kept in sessionStorage');
  await page.click(row + ' button[data-action="retry"]');
  await expectText(page, '#jobs-message', /^Retried 1 job of /, 'the retry result');
  const after = await waitFor('the API to show the manual retry of ' + target.order, async () => {
    const now = await dietRecord(base, fed, target.order);
    if (now.retries > before.retries) return now;
    throw new Error('audit log has ' + now.retries + ' retried entries, item states ' + JSON.stringify(now.states));
  }, {timeoutMs: 20000});
  step('the API shows the retry (now ' + (after.states.join(', ') || 'no item') + ')');
}

async function lookUp(page, fed, code) {
  await page.fill('#lookup-organizer', fed.organizer);
  await page.fill('#lookup-event', fed.event);
  await page.fill('#lookup-code', code);
  await page.click('#lookup-submit');
}

/// The `sync_now` enqueues in the audit log of `code` for provider crm.
async function syncNowEntries(base, fed, code) {
  const order = await expectJson(base, 'GET', '/api/v1/orders/' + fed.organizer + '/' + fed.event + '/' + code, 200);
  const crm = (order.providers || []).find((p) => p.provider === 'crm');
  if (!crm) throw new Error('GET /api/v1/orders/.../' + code + ' has no entry for provider crm');
  return (crm.log || []).filter((entry) => entry.what === 'enqueued' && entry.trigger === 'sync_now').length;
}

/// "Sync now" in the lookup of the synced order (shown by the caller): the page says the order is
/// due now, and the API's audit log has the enqueue with trigger sync_now.
async function checkSyncNow(page, base, fed, step) {
  step('clicking Sync now for ' + fed.syncedCode + ' at crm');
  const before = await syncNowEntries(base, fed, fed.syncedCode);
  await page.click('[data-testid="lookup-provider"][data-provider="crm"] button[data-action="lookup-sync-now"]');
  await expectText(page, '#lookup-message', 'Order ' + fed.syncedCode + ' is due now for Example CRM (crm).',
    'the sync-now result');
  await waitFor('the API to show the sync now of ' + fed.syncedCode, async () => {
    const now = await syncNowEntries(base, fed, fed.syncedCode);
    if (now > before) return true;
    throw new Error('audit log has ' + now + ' sync_now enqueues');
  }, {timeoutMs: 20000});
  await waitFor('the sync_now enqueue in the page\'s audit log of crm', async () => {
    const entries = await page.$$eval('[data-testid="lookup-provider"][data-provider="crm"] ' +
      '[data-testid="log-entry"][data-what="enqueued"]', (items) => items.map((item) => item.textContent));
    if (entries.some((text) => /trigger: sync_now\b/.test(text))) return true;
    throw new Error('the page lists ' + JSON.stringify(entries));
  }, {timeoutMs: 15000});
}

async function checkLookup(page, base, fed, step) {
  const target = fed.parked.items[0].order;
  step('looking up ' + target + ': the page shows the manual retry in its audit log');
  await lookUp(page, fed, target);
  await expectText(page, '[data-testid="lookup-order"]', target, 'the looked-up order');
  await page.waitForSelector('[data-testid="lookup-provider"][data-provider="diet"] [data-testid="log-entry"][data-what="retried"]',
    {state: 'attached'});

  step('looking up ' + fed.syncedCode + ': its results and external links');
  const order = await expectJson(base, 'GET', '/api/v1/orders/' + fed.organizer + '/' + fed.event + '/' + fed.syncedCode, 200);
  await lookUp(page, fed, fed.syncedCode);
  await expectText(page, '[data-testid="lookup-order"]', fed.syncedCode, 'the looked-up order');
  let links = 0;
  for (const p of order.providers) {
    const block = '[data-testid="lookup-provider"]' + attr('data-provider', p.provider);
    await expectCount(page, block + ' [data-testid="result-row"]', (p.results || []).length, 'results of ' + p.provider);
    const shown = await page.$$eval(block + ' a[data-testid="result-link"]',
      (anchors) => anchors.map((a) => a.getAttribute('href') + ' ' + a.textContent.trim()));
    const expected = (p.results || []).filter((r) => /^https?:\/\//i.test(r.external_link_href || ''))
      .map((r) => r.external_link_href + ' ' + (r.external_link_display_name || r.external_link_href));
    if (JSON.stringify(shown.sort()) !== JSON.stringify(expected.sort())) {
      throw new Error('links of ' + p.provider + ': the API has ' + JSON.stringify(expected) + ', the page shows ' + JSON.stringify(shown));
    }
    links += shown.length;
  }
  if (!links) throw new Error('order ' + fed.syncedCode + ' shows no external link');

  await checkSyncNow(page, base, fed, step);

  step('looking up an unknown order: the page shows the API\'s 404 message');
  const missing = await request(base, 'GET', '/api/v1/orders/' + fed.organizer + '/' + fed.event + '/NOSUCH9');
  const message = missing.json && missing.json.error && missing.json.error.message;
  if (missing.status !== 404 || !message) throw new Error('an unknown order: expected 404 with a message, got ' + missing.status);
  await lookUp(page, fed, 'NOSUCH9');
  await expectText(page, '#lookup-message', new RegExp(escapeRegExp(message)), 'the 404 message');
}

/// Every provider row says whether it syncs; "Pause" (confirmed in the dialog) pauses the provider
/// fleet-wide as the API then reports, "Resume" ends it.
async function checkPause(page, base, step) {
  step('pausing and resuming crm with the dashboard\'s buttons');
  const overview = await expectJson(base, 'GET', '/api/v1/overview', 200);
  for (const p of overview.providers) {
    await expectText(page, '[data-testid="provider-row"]' + attr('data-provider', p.id) + ' [data-testid="provider-syncing"] span',
      p.paused ? /^paused/ : 'running', 'the syncing state of ' + p.id);
  }
  const row = '[data-testid="provider-row"][data-provider="crm"]';
  page.once('dialog', (dialog) => dialog.accept());
  await page.click(row + ' [data-testid="provider-pause"]');
  await waitFor('the API to show crm paused', async () => {
    const now = await expectJson(base, 'GET', '/api/v1/overview', 200);
    const crm = now.providers.find((p) => p.id === 'crm');
    if (crm.paused && crm.paused.who === 'api') return true;
    throw new Error('crm paused: ' + JSON.stringify(crm.paused));
  }, {timeoutMs: 15000});
  await page.waitForSelector(row + '[data-paused="true"]', {state: 'attached'});
  await expectText(page, row + ' [data-testid="provider-pause"]', 'Resume', 'the Resume button');
  await page.click(row + ' [data-testid="provider-pause"]');
  await waitFor('the API to show crm running again', async () => {
    const now = await expectJson(base, 'GET', '/api/v1/overview', 200);
    if (now.providers.find((p) => p.id === 'crm').paused === null) return true;
    throw new Error('crm is still paused');
  }, {timeoutMs: 15000});
  await page.waitForSelector(row + '[data-paused="false"]', {state: 'attached'});
}

/// The lookup by order code alone finds the order's one event and shows it.
async function checkLookupByCode(page, fed, step) {
  step('looking up ' + fed.syncedCode + ' by its code alone');
  await page.fill('#lookup-organizer', '');
  await page.fill('#lookup-event', '');
  await page.fill('#lookup-code', fed.syncedCode);
  await page.click('#lookup-submit');
  await expectText(page, '[data-testid="lookup-order"]', fed.syncedCode, 'the order found by its code');
  if ((await page.inputValue('#lookup-event')) !== fed.event) throw new Error('the lookup by code did not fill in the event');
}

/// Throws when the page logged console errors after the first `since` of them.
function noConsoleErrors(consoleErrors, since, during) {
  const added = consoleErrors.slice(since);
  if (added.length) throw new Error('console errors during ' + during + ': ' + added.join('; '));
}

/// Opens the dashboard in headless Chromium and runs every check; keeps the page in run.page (for
/// the failure screenshot) and the browser in run.context (closed by the caller).
export async function checkDashboard({base, token, opts, run, fed, step}) {
  step('checking the dashboard files the node serves');
  await checkServedFiles(base);
  if (!fs.existsSync(opts.chromium)) throw new Error(opts.chromium + ' does not exist: run scripts/install-browser-deps.sh');
  const chromium = await loadChromium();
  step('launching headless Chromium (' + opts.chromium + ')');
  run.context = await chromium.launchPersistentContext(path.join(run.tmp, 'chromium-profile'), {
    executablePath: opts.chromium, headless: true, args: CHROMIUM_ARGS, timeout: 60000,
    viewport: {width: 1400, height: 1000}});
  run.context.setDefaultTimeout(15000);
  const page = run.context.pages()[0] || await run.context.newPage();
  run.page = page;
  const pageErrors = [];
  const foreign = [];
  const consoleErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(base + '/')) foreign.push(r.url());
  });
  // The token the person types once; the dashboard keeps it in sessionStorage for its reads.
  await page.addInitScript((t) => window.sessionStorage.setItem('tixsync.api_token', t), token);
  await page.goto(base + '/', {waitUntil: 'load'});

  await checkOverview(page, base, step);
  await checkFirstView(page, base, consoleErrors, step);
  await checkParkedJobs(page, base, fed, step);
  noConsoleErrors(consoleErrors, 0, 'the parked jobs');
  // A wrong token (401/403) and an unknown order (404) are provoked on purpose: the browser logs
  // those failed requests, so only the checks after them must add no console error.
  await checkRetry(page, base, token, fed, step);
  await checkLookup(page, base, fed, step);
  const provoked = consoleErrors.length;
  await checkLookupByCode(page, fed, step);
  await checkPause(page, base, step);
  noConsoleErrors(consoleErrors, provoked, 'the lookup by code and the pause buttons');

  if (pageErrors.length) throw new Error('script errors in the page: ' + pageErrors.join('; '));
  if (foreign.length) throw new Error('the page requested something outside the node: ' + foreign.join(', '));
  if (opts.keepTemp) await page.screenshot({path: path.join(run.tmp, 'dashboard.png'), fullPage: true});
}
