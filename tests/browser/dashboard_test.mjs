// End-to-end test of the dashboard in Debian's headless Chromium (playwright-core, no browser
// download): starts redis-server and a real `tixsync run` node, parks orders through a mapping
// whose value map misses an option, then checks in the page what the API says, clicks "Retry" and
// checks through the API that the queue took it, and looks an order's links up.
//
//   node tests/browser/dashboard_test.mjs --tixsync build/tixsync --redis-server /usr/bin/redis-server
//
// Exit code 0 = pass; otherwise the failure is printed, a screenshot and the logs are kept in the
// temporary folder (printed). Every wait is bounded; every process started is stopped by PID.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import {expectJson, freePort, killAllNow, redisPing, request, setReadToken, startProcess, stopProcess, tail, waitFor} from './harness.mjs';
import {checkDashboard} from './dashboard_checks.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const usage = 'usage: node tests/browser/dashboard_test.mjs --tixsync PATH --redis-server PATH ' +
  '[--chromium PATH] [--keep-temp] [--timeout SECONDS]\n' +
  '   or: TIXSYNC_API_TOKEN=... node tests/browser/dashboard_test.mjs --attach http://127.0.0.1:PORT';

function parseArgs(argv) {
  const opts = {chromium: '/usr/bin/chromium', keepTemp: false, timeout: 300};
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(arg + ' needs a value\n' + usage);
      return argv[++i];
    };
    if (arg === '--tixsync') opts.tixsync = path.resolve(value());
    else if (arg === '--redis-server') opts.redisServer = value();
    else if (arg === '--chromium') opts.chromium = value();
    else if (arg === '--attach') opts.attach = value().replace(/\/+$/, '');
    else if (arg === '--timeout') opts.timeout = Number(value());
    else if (arg === '--keep-temp') opts.keepTemp = true;
    else throw new Error('unknown argument ' + arg + '\n' + usage);
  }
  if (!opts.attach && (!opts.tixsync || !opts.redisServer)) throw new Error('--tixsync and --redis-server are required\n' + usage);
  if (!(opts.timeout > 0)) throw new Error('--timeout must be a positive number of seconds');
  return opts;
}

const step = (text) => console.log('- ' + text);

/// The second provider's mappings: examples/mappings.json with a value map for question_DIET that
/// lacks DIET-VGN, so an order answering "Vegan" fails with a config error and is parked.
function writeBrokenMappings(file) {
  const mappings = JSON.parse(fs.readFileSync(path.join(repo, 'examples', 'mappings.json'), 'utf8'));
  let changed = 0;
  for (const mapping of mappings) {
    for (const property of mapping.property_mappings || []) {
      if (property.pretix_field !== 'question_DIET') continue;
      property.value_map = {'DIET-VEG': 'vegetarian', 'DIET-NONE': 'no preference'};
      ++changed;
    }
  }
  if (changed !== 1) throw new Error('examples/mappings.json: expected one question_DIET property, found ' + changed);
  fs.writeFileSync(file, JSON.stringify(mappings, null, 2));
}

function writeConfig(file, {redisPort, httpPort, brokenMappings}) {
  const q = (text) => JSON.stringify(text);  // a TOML basic string
  const provider = (id, name, mappings) => [
    '[[providers]]', 'id = ' + q(id), 'type = "example"', 'display_name = ' + q(name),
    'events = ["*"]', 'triggers = ["*"]', 'mappings = ' + q(mappings), '',
    '[providers.retry]', 'max_attempts = 1', ''];
  fs.writeFileSync(file, [
    '# Written by tests/browser/dashboard_test.mjs.',
    '[redis]', 'url = ' + q('redis://127.0.0.1:' + redisPort + '/0'), 'prefix = "tixsync"', '',
    '[node]', 'name = "browser-test-node"', 'lease = "30s"', 'grace = "5s"', '',
    '[http]', 'listen = "127.0.0.1"', 'port = ' + httpPort, 'api_token_env = "TIXSYNC_API_TOKEN"', '',
    '[shop]', 'url = "https://tickets.nordlicht.example"', 'organizer = "nordlicht"', '',
    '[log]', 'level = "info"', '',
    ...provider('crm', 'Example CRM', path.join(repo, 'examples', 'mappings.json')),
    ...provider('diet', 'Diet list (value map misses DIET-VGN)', brokenMappings),
  ].join('\n'));
}

/// Starts redis-server and the node; resolves to the node's base URL once /readyz answers 200.
async function startNode(opts, run, token) {
  const redisPort = await freePort();
  step('starting redis-server on 127.0.0.1:' + redisPort);
  run.redis = startProcess('redis-server', opts.redisServer, ['--port', String(redisPort), '--bind', '127.0.0.1',
    '--save', '', '--appendonly', 'no', '--dir', run.tmp], {env: process.env, logPath: path.join(run.tmp, 'redis.log')});
  await waitFor('redis-server to answer PING', async () => {
    if (run.redis.done) {
      const end = await run.redis.exited;
      throw fatal(end.error ? 'cannot start ' + opts.redisServer + ': ' + end.error.message
        : 'redis-server exited at start:\n' + tail(run.redis.logPath));
    }
    return redisPing(redisPort);
  }, {timeoutMs: 15000});

  const httpPort = await freePort();
  const brokenMappings = path.join(run.tmp, 'diet-mappings.json');
  writeBrokenMappings(brokenMappings);
  const config = path.join(run.tmp, 'tixsync.toml');
  writeConfig(config, {redisPort, httpPort, brokenMappings});
  step('starting tixsync run with HTTP on 127.0.0.1:' + httpPort);
  run.node = startProcess('tixsync', opts.tixsync, ['run', '--config', config],
    {env: {...process.env, TIXSYNC_API_TOKEN: token}, logPath: path.join(run.tmp, 'tixsync.log')});
  const base = 'http://127.0.0.1:' + httpPort;
  await waitFor('GET /readyz to answer 200', async () => {
    if (run.node.done) {
      const end = await run.node.exited;
      if (end.error) throw fatal('cannot start ' + opts.tixsync + ': ' + end.error.message);
      throw fatal('tixsync run exited (code ' + end.code + ', signal ' + end.signal + ') before it was ready:\n' +
                  tail(run.node.logPath));
    }
    return (await request(base, 'GET', '/readyz', {timeoutMs: 2000})).status === 200;
  }, {timeoutMs: 60000});
  step('node ready');
  return base;
}

function fatal(message) {
  const error = new Error(message);
  error.fatal = true;
  return error;
}

/// Stores the sample event, enqueues the sample orders through the API and waits until provider
/// "crm" synced them all and "diet" parked exactly the orders that answer DIET-VGN.
async function feedOrders(base, token) {
  const eventText = fs.readFileSync(path.join(repo, 'examples', 'sample-event.json'), 'utf8');
  const bundle = JSON.parse(eventText);
  const organizer = bundle.organizer;
  const event = bundle.event.slug;
  step('storing event ' + organizer + '/' + event + ' and enqueueing the sample orders');
  await expectJson(base, 'POST', '/api/v1/events/' + organizer + '/' + event, 200, {body: eventText, token});
  const lines = fs.readFileSync(path.join(repo, 'examples', 'sample-orders.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
  const orders = lines.map((line) => JSON.parse(line));
  for (const line of lines) {
    await expectJson(base, 'POST', '/api/v1/events/' + organizer + '/' + event + '/orders?trigger=order_placed', 202,
      {body: line, token});
  }
  const vegan = new Set(orders.filter((o) => (o.positions || []).some((p) => (p.answers || [])
    .some((a) => (a.option_identifiers || []).includes('DIET-VGN')))).map((o) => o.code));
  if (!vegan.size) throw new Error('examples/sample-orders.jsonl: no order answers DIET-VGN');

  await waitFor('crm to sync every order and diet to park ' + vegan.size + ' as config', async () => {
    const crm = await expectJson(base, 'GET', '/api/v1/jobs/counts?provider=crm', 200);
    const diet = await expectJson(base, 'GET', '/api/v1/jobs/counts?provider=diet', 200);
    const waiting = (s) => (s.due || 0) + (s.scheduled || 0) + (s.in_flight || 0) + (s.follow_up || 0);
    if (crm.total === 0 && waiting(diet.states) === 0 && diet.states.config === vegan.size) return true;
    throw new Error('crm ' + JSON.stringify(crm.states) + ', diet ' + JSON.stringify(diet.states));
  }, {timeoutMs: 60000, intervalMs: 500});

  const parked = await expectJson(base, 'GET', '/api/v1/jobs?provider=diet&state=config&limit=50', 200);
  const listed = new Set(parked.items.map((i) => i.order));
  if (parked.total !== vegan.size || [...vegan].some((code) => !listed.has(code))) {
    throw new Error('parked config jobs of diet: expected ' + [...vegan].sort() + ', the API lists ' + [...listed].sort());
  }
  const synced = orders.find((o) => !vegan.has(o.code));
  return {organizer, event, eventId: organizer + '/' + event, parked, syncedCode: synced.code};
}

async function closeAll(run, opts, failure) {
  const problems = [];
  if (run.context) {
    await Promise.race([run.context.close().catch(() => {}), new Promise((r) => setTimeout(r, 10000))]);
  }
  if (run.node) {
    const end = await stopProcess(run.node, 'SIGTERM', 30000);
    if (!failure && (end.forced || end.code !== 0)) {
      problems.push('tixsync run did not exit 0 on SIGTERM (code ' + end.code + ', signal ' + end.signal +
                    (end.forced ? ', killed after 30 s' : '') + '):\n' + tail(run.node.logPath));
    }
  }
  if (run.redis) await stopProcess(run.redis, 'SIGTERM', 10000);
  killAllNow();
  if (failure || problems.length || opts.keepTemp) {
    console.log('kept the temporary folder (logs, screenshot): ' + run.tmp);
  } else {
    fs.rmSync(run.tmp, {recursive: true, force: true});
  }
  return problems;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    return 2;
  }
  const run = {tmp: fs.mkdtempSync(path.join(os.tmpdir(), 'tixsync-browser-'))};
  let stopping = false;
  const onSignal = (signal) => {
    if (stopping) {
      killAllNow();
      process.exit(1);
    }
    stopping = true;
    console.error('FAIL: interrupted by ' + signal);
    closeAll(run, opts, new Error(signal)).finally(() => process.exit(1));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killAllNow);

  let failure = null;
  let watchdog;
  try {
    const scenario = (async () => {
      let base = opts.attach;
      let token = process.env.TIXSYNC_API_TOKEN || '';
      if (opts.attach) {
        if (!token) throw new Error('--attach needs the node\'s token in TIXSYNC_API_TOKEN');
      } else {
        token = crypto.randomBytes(18).toString('hex');
        base = await startNode(opts, run, token);
      }
      setReadToken(token);
      const fed = await feedOrders(base, token);
      await checkDashboard({base, token, opts, run, fed, step});
    })();
    const timeout = new Promise((_, reject) => {
      watchdog = setTimeout(() => reject(new Error('the test took longer than ' + opts.timeout + ' s')), opts.timeout * 1000);
    });
    await Promise.race([scenario, timeout]);
  } catch (e) {
    failure = e;
    if (run.page) {
      const shot = path.join(run.tmp, 'failure.png');
      await Promise.race([run.page.screenshot({path: shot, fullPage: true}).then(() => console.log('screenshot: ' + shot))
        .catch(() => {}), new Promise((r) => setTimeout(r, 10000))]);
    }
  } finally {
    clearTimeout(watchdog);
  }
  const problems = await closeAll(run, opts, failure);
  if (failure) {
    console.error('FAIL: ' + (failure.message || failure));
    if (run.node && !opts.attach) console.error('--- last lines of the node log ---\n' + tail(run.node.logPath, 20));
    return 1;
  }
  if (problems.length) {
    console.error('FAIL: ' + problems.join('\n'));
    return 1;
  }
  console.log('PASS: dashboard end-to-end test');
  return 0;
}

process.exit(await main());
