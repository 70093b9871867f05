#!/usr/bin/env node
// BullMQ FlowProducer baseline for the outbound data-sync benchmark.
//
// This copy of the baseline also reads pretix orders (ORDERS_FILE, EVENT_FILE: the peer benchmark
// of bench/peer) and maps them as bench/peer/mappings.json maps them for tixsync, so both systems
// send the same objects; without ORDERS_FILE it generates seeded synthetic orders (genOrders).
//
// One parent job ("order", queue "orders") per order, one child job ("sync",
// queue "sync") per object to sync: mapping 1 = one "ticketorders" object per
// order, mapping 2 = one "tickets" object per position. A child does
// GET /api/{type}?{field}={value} on the mock CRM, then POST (404) or PATCH (200).
// The parent (finalize) runs after all its children completed, reads their
// results and stores them with one HSET per order (key sync:results:{code}).
//
// Everything (producer + both workers) runs in this one Node process.
// Prints one JSON line with the results; exit code 0 only if verification passed.
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { FlowProducer, Worker } = require('bullmq');
const IORedis = require('ioredis');

// ---- configuration -------------------------------------------------------------
const env = (k, d) => (process.env[k] === undefined || process.env[k] === '' ? d : process.env[k]);
const int = (k, d) => {
  const v = Number(env(k, d));
  if (!Number.isFinite(v)) throw new Error(`${k} must be a number`);
  return v;
};
const bool = (k, d) => /^(1|true|yes)$/i.test(String(env(k, d)));

let ORDERS = int('ORDERS', 1000);
let POSITIONS = int('POSITIONS', 2);
const CONCURRENCY = int('CONCURRENCY', 100); // per Worker (orders and sync)
const REDIS_URL = env('REDIS_URL', 'redis://127.0.0.1:6390');
const CRM_URL = env('CRM_URL', 'http://127.0.0.1:18080');
const RESET_CRM = bool('RESET_CRM', '0'); // POST /reset on the mock before starting
const ENQUEUE_BATCH = int('ENQUEUE_BATCH', 100); // flows per FlowProducer.addBulk call
const RATE = int('RATE', 0); // offered orders/s; 0 = enqueue as fast as possible
const ATTEMPTS = int('ATTEMPTS', 5); // per sync job
const BACKOFF_MS = int('BACKOFF_MS', 50); // fixed backoff between attempts
const REMOVE_ON_COMPLETE = bool('REMOVE_ON_COMPLETE', '1');
const MAX_SOCKETS = int('MAX_SOCKETS', CONCURRENCY);
const HTTP_TIMEOUT_MS = int('HTTP_TIMEOUT_MS', 10000);
const TIMEOUT_S = int('TIMEOUT_S', 300); // hard bound on the whole measured phase
const MEM_SAMPLE_MS = int('MEM_SAMPLE_MS', 100);
const SEED = int('SEED', 42);
const LABEL = env('LABEL', '');
const LAT_DUMP = env('LAT_DUMP', ''); // optional CSV path: enqueue offset ms, latency ms (per order)
const WARMUP_S = int('WARMUP_S', 2);
const ORDERS_FILE = env('ORDERS_FILE', ''); // pretix orders, JSON lines (ORDERS and POSITIONS follow it)
const EVENT_FILE = env('EVENT_FILE', ''); // the event bundle of ORDERS_FILE (item names) // latency_after_warmup: orders enqueued >= WARMUP_S into the run

const ORDERS_Q = 'orders';
const SYNC_Q = 'sync';
const RESULT_PREFIX = 'sync:results:';

function redisOpts(urlStr) {
  const u = new URL(urlStr);
  const o = { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) };
  const db = u.pathname.replace(/^\//, '');
  if (db) o.db = Number(db);
  if (u.username) o.username = decodeURIComponent(u.username);
  if (u.password) o.password = decodeURIComponent(u.password);
  return o;
}
const REDIS = redisOpts(REDIS_URL);
const CRM = new URL(CRM_URL);

// ---- deterministic synthetic data ----------------------------------------------
function mulberry32(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const FIRST = ['Anna', 'Ben', 'Clara', 'David', 'Eva', 'Felix', 'Greta', 'Hugo', 'Ida', 'Jonas',
  'Lena', 'Max', 'Nora', 'Oskar', 'Paula', 'Quentin', 'Rosa', 'Simon', 'Tara', 'Ugo'];
const LAST = ['Meyer', 'Schmidt', 'Novak', 'Rossi', 'Dubois', 'Jensen', 'Silva', 'Kowalski',
  'Horvat', 'Nielsen', 'Garcia', 'Berg', 'Costa', 'Fischer', 'Lund', 'Moreau'];
const ITEMS = [['General admission', 4900], ['Workshop', 12900], ['Student', 1900], ['VIP', 29900]];
const STATUSES = ['p', 'p', 'p', 'p', 'n', 'n', 'e', 'c'];

function genOrders(n, p, seed) {
  const rnd = mulberry32(seed);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const orders = [];
  for (let i = 1; i <= n; i++) {
    const code = 'ORD' + String(i).padStart(7, '0');
    const positions = [];
    let totalCents = 0;
    for (let j = 1; j <= p; j++) {
      const [item, cents] = pick(ITEMS);
      const first = pick(FIRST);
      const last = pick(LAST);
      totalCents += cents;
      positions.push({
        positionid: j,
        ticket_code: `${code}-${j}`,
        item,
        attendee_name: `${first} ${last}`,
        attendee_email: `${first}.${last}.${i}.${j}@example.org`.toLowerCase(),
        price: (cents / 100).toFixed(2),
      });
    }
    const buyerFirst = pick(FIRST);
    const buyerLast = pick(LAST);
    orders.push({
      code,
      email: `${buyerFirst}.${buyerLast}.${i}@example.org`.toLowerCase(),
      status: pick(STATUSES),
      total: (totalCents / 100).toFixed(2),
      datetime: new Date(Date.UTC(2026, 0, 1) + i * 60000).toISOString(),
      positions,
    });
  }
  return orders;
}

// pretix orders mapped as bench/peer/mappings.json: order_code, email, order_status, order_total,
// order_date (pretix's sync spelling: UTC with +00:00) and per position ticket_id, order_code,
// product (item and variation name), attendee_name, attendee_email, ticket_price.
function readPretixOrders(ordersPath, eventPath) {
  const event = JSON.parse(fs.readFileSync(eventPath, 'utf8'));
  const name = (text) => (text && (text.en ?? Object.values(text)[0])) || '';
  const products = new Map();
  for (const item of event.items) {
    products.set(`${item.id}:`, name(item.name));
    for (const v of item.variations || []) products.set(`${item.id}:${v.id}`, `${name(item.name)} – ${name(v.value)}`);
  }
  const isoformat = (t) => new Date(t).toISOString().replace(/\.000Z$|Z$/, '+00:00');
  return fs.readFileSync(ordersPath, 'utf8').split('\n').filter((l) => l.trim()).map((line) => {
    const o = JSON.parse(line);
    return {
      code: o.code, email: o.email, status: o.status, total: o.total, datetime: isoformat(o.datetime),
      positions: o.positions.map((p) => ({
        positionid: p.positionid, ticket_code: `${o.code}-${p.positionid}`,
        item: products.get(`${p.item}:${p.variation ?? ''}`), attendee_name: p.attendee_name,
        attendee_email: p.attendee_email, price: p.price,
      })),
    };
  });
}
const FILE_ORDERS = ORDERS_FILE ? readPretixOrders(ORDERS_FILE, EVENT_FILE) : null;

// mapping 1: order -> ticketorders (identifier field "code")
// mapping 2: position -> tickets (identifier field "ticket_code")
function objectsOf(o) {
  const objs = [{
    type: 'ticketorders', field: 'code', value: o.code,
    payload: { code: o.code, email: o.email, status: o.status, total: o.total,
      datetime: o.datetime, ...(FILE_ORDERS ? {} : { position_count: o.positions.length }) },
  }];
  for (const p of o.positions) {
    objs.push({
      type: 'tickets', field: 'ticket_code', value: p.ticket_code,
      payload: { ticket_code: p.ticket_code, order_code: o.code, item: p.item,
        attendee_name: p.attendee_name, attendee_email: p.attendee_email, price: p.price },
    });
  }
  return objs;
}

// ---- HTTP client (keep-alive) ----------------------------------------------------
const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS, keepAliveMsecs: 1000 });

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : JSON.stringify(body);
    const headers = { accept: 'application/json' };
    if (data !== null) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(data);
    }
    const req = http.request(
      { host: CRM.hostname, port: CRM.port || 80, method, path, agent, headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const s = Buffer.concat(chunks).toString('utf8');
          let b = null;
          if (s) { try { b = JSON.parse(s); } catch { b = null; } }
          resolve({ status: res.statusCode, body: b });
        });
        res.on('error', reject);
      });
    req.on('error', reject);
    req.setTimeout(HTTP_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.end(data === null ? undefined : data);
  });
}

// Sync one object: search by identifier, then create or update.
async function syncObject({ type, field, value, payload }) {
  const t = encodeURIComponent(type);
  const g = await request('GET', `/api/${t}?${encodeURIComponent(field)}=${encodeURIComponent(value)}`);
  let r;
  let action;
  if (g.status === 200 && g.body && g.body.id !== undefined) {
    action = 'update';
    r = await request('PATCH', `/api/${t}/${encodeURIComponent(g.body.id)}`, payload);
    if (r.status !== 200) throw new Error(`PATCH ${type} ${value}: HTTP ${r.status}`);
  } else if (g.status === 404) {
    action = 'create';
    r = await request('POST', `/api/${t}`, payload);
    if (r.status !== 201) throw new Error(`POST ${type} ${value}: HTTP ${r.status}`);
  } else {
    throw new Error(`GET ${type} ${value}: HTTP ${g.status}`);
  }
  const id = String(r.body.id);
  return { type, value, id, link: `${CRM.origin}/api/${t}/${encodeURIComponent(id)}`, action };
}

// ---- helpers ---------------------------------------------------------------------
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function infoField(info, name) {
  const m = new RegExp(`^${name}:(.*)$`, 'm').exec(info);
  return m ? m[1].trim() : undefined;
}

function pct(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

async function crmStats() {
  const r = await request('GET', '/stats');
  if (r.status !== 200) throw new Error(`mock CRM /stats: HTTP ${r.status}`);
  return r.body;
}

// failure reason with order codes / job keys masked, for aggregation
const reasonKey = (err) => String(err && err.message)
  .replace(/ORD\d+(-\d+)?/g, '*').replace(/bull:[\w-]+:[\w-]+/g, '*');

// machine-wide CPU ticks (Linux /proc/stat): [busy, total]
function machineTicks() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] || 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return [total - idle, total];
  } catch { return null; }
}
// INFO commandstats -> Map(command -> calls)
function cmdCalls(info) {
  const m = new Map();
  for (const [, cmd, calls] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) m.set(cmd, Number(calls));
  return m;
}
const crmCpu = (st) => (st.process ? st.process.cpu_user_s + st.process.cpu_system_s : NaN);

const round = (x, d = 1) => (x === null || x === undefined ? x : Math.round(x * 10 ** d) / 10 ** d);

// ---- main --------------------------------------------------------------------------
async function main() {
  if (FILE_ORDERS) {
    ORDERS = FILE_ORDERS.length;
    POSITIONS = FILE_ORDERS[0].positions.length;
    if (FILE_ORDERS.some((o) => o.positions.length !== POSITIONS)) throw new Error('ORDERS_FILE: every order needs the same number of positions');
  }
  const orders = FILE_ORDERS || genOrders(ORDERS, POSITIONS, SEED);
  const objectsPerOrder = 1 + POSITIONS;
  const totalObjects = ORDERS * objectsPerOrder;

  const admin = new IORedis({ ...REDIS, maxRetriesPerRequest: 3 });
  const resultsRedis = new IORedis({ ...REDIS, maxRetriesPerRequest: 3 });
  await admin.flushdb(); // clean DB (only the selected DB)
  if (RESET_CRM) {
    const r = await request('POST', '/reset');
    if (r.status !== 200) throw new Error(`mock CRM /reset: HTTP ${r.status}`);
  }
  const crmBefore = await crmStats();

  const redisVersion = infoField(await admin.info('server'), 'redis_version');
  const infoBefore = await admin.info();
  const memStart = Number(infoField(infoBefore, 'used_memory'));

  const connection = { ...REDIS };
  const childOpts = {
    attempts: ATTEMPTS,
    backoff: { type: 'fixed', delay: BACKOFF_MS },
    removeOnComplete: REMOVE_ON_COMPLETE,
    failParentOnFailure: true,
  };
  const parentOpts = { removeOnComplete: REMOVE_ON_COMPLETE };

  // Flows are built before the clock starts; data.enq is stamped at add time.
  const flows = orders.map((o) => ({
    name: 'order',
    queueName: ORDERS_Q,
    data: { code: o.code, expected: objectsPerOrder, enq: 0 },
    opts: parentOpts,
    children: objectsOf(o).map((obj) => ({ name: 'sync', queueName: SYNC_Q, data: obj, opts: childOpts })),
  }));

  let attemptFailures = 0;
  let workerErrors = 0;
  const failedReasons = new Map();
  let completedParents = 0;
  const failedParentIds = new Set(); // a child's final failure fails its parent (failParentOnFailure)
  const latencies = [];
  const latRows = [];
  const tStartRef = { t: 0 };
  let tLastDone = 0;
  let resolveDone;
  const allDone = new Promise((r) => { resolveDone = r; });
  const checkDone = () => {
    if (completedParents + failedParentIds.size >= ORDERS) { tLastDone = Date.now(); resolveDone(); }
  };

  const syncWorker = new Worker(SYNC_Q, async (job) => syncObject(job.data),
    { connection, concurrency: CONCURRENCY });
  const orderWorker = new Worker(ORDERS_Q, async (job) => {
    // finalize: collect the children's results, store them with one HSET
    const values = await job.getChildrenValues();
    const fields = {};
    let n = 0;
    for (const v of Object.values(values)) {
      fields[`${v.type}:${v.value}`] = JSON.stringify({ id: v.id, link: v.link, action: v.action });
      n++;
    }
    if (n !== job.data.expected) throw new Error(`order ${job.data.code}: ${n} results, expected ${job.data.expected}`);
    await resultsRedis.hset(RESULT_PREFIX + job.data.code, fields);
    return { n };
  }, { connection, concurrency: CONCURRENCY });

  syncWorker.on('failed', (job, err) => {
    attemptFailures++;
    const k = reasonKey(err);
    failedReasons.set(k, (failedReasons.get(k) || 0) + 1);
    if (job && job.attemptsMade >= (job.opts.attempts || 1) && job.parent) {
      failedParentIds.add(job.parent.id); // final failure: BullMQ fails the parent
      checkDone();
    }
  });
  orderWorker.on('completed', (job) => {
    completedParents++;
    latencies.push(Date.now() - job.data.enq);
    latRows.push([job.data.enq - tStartRef.t, Date.now() - job.data.enq]);
    checkDone();
  });
  orderWorker.on('failed', (job, err) => {
    // parent failures are final (parent attempts = 1)
    if (job) failedParentIds.add(job.id);
    const k = 'parent: ' + reasonKey(err);
    failedReasons.set(k, (failedReasons.get(k) || 0) + 1);
    checkDone();
  });
  for (const w of [syncWorker, orderWorker]) w.on('error', () => { workerErrors++; });

  const flow = new FlowProducer({ connection });
  await Promise.all([syncWorker.waitUntilReady(), orderWorker.waitUntilReady(), flow.waitUntilReady()]);

  // Peak Redis memory sampler
  let memPeak = memStart;
  let sampling = false;
  const sampler = setInterval(async () => {
    if (sampling) return;
    sampling = true;
    try {
      const m = Number(infoField(await admin.info('memory'), 'used_memory'));
      if (m > memPeak) memPeak = m;
    } catch { /* ignore */ } finally { sampling = false; }
  }, MEM_SAMPLE_MS);

  // ---- measured phase ----
  const crmStart = await crmStats();
  const infoStart = await admin.info('all');
  const cmdsBefore = Number(infoField(infoStart, 'total_commands_processed'));
  const redisCpuBefore = Number(infoField(infoStart, 'used_cpu_user')) + Number(infoField(infoStart, 'used_cpu_sys'));
  const mach0 = machineTicks();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const tStart = Date.now();
  tStartRef.t = tStart;
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; resolveDone(); }, TIMEOUT_S * 1000);

  for (let i = 0; i < flows.length && !timedOut; i += ENQUEUE_BATCH) {
    if (RATE > 0) {
      const due = tStart + (i / RATE) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
    }
    const batch = flows.slice(i, i + ENQUEUE_BATCH);
    const now = Date.now();
    for (const f of batch) f.data.enq = now;
    await flow.addBulk(batch);
  }
  const tEnqDone = Date.now();
  await allDone;
  clearTimeout(timer);
  const tEnd = timedOut ? Date.now() : tLastDone;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const mach1 = machineTicks();
  const crmEnd = await crmStats();
  clearInterval(sampler);
  while (sampling) await sleep(5);

  const infoAfter = await admin.info('all');
  const memEnd = Number(infoField(infoAfter, 'used_memory'));
  if (memEnd > memPeak) memPeak = memEnd;
  const cmdsAfter = Number(infoField(infoAfter, 'total_commands_processed'));
  const redisCpuAfter = Number(infoField(infoAfter, 'used_cpu_user')) + Number(infoField(infoAfter, 'used_cpu_sys'));
  const calls0 = cmdCalls(infoStart);
  const aofOn = infoField(infoAfter, 'aof_enabled') === '1';
  const aofDelta = Number(infoField(infoAfter, 'aof_current_size')) - Number(infoField(infoStart, 'aof_current_size'));
  const aofBytes = aofOn && aofDelta >= 0 &&
    infoField(infoAfter, 'aof_rewrites') === infoField(infoStart, 'aof_rewrites') ? aofDelta : null;
  const topCommands = Object.fromEntries([...cmdCalls(infoAfter)]
    .map(([c, n]) => [c, n - (calls0.get(c) || 0)]).filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]).slice(0, 8));

  await Promise.all([orderWorker.close(timedOut), syncWorker.close(timedOut)]);
  await flow.close();

  // ---- verification ----
  const crmAfter = await crmStats();
  const d = (k) => (crmAfter.requests[k] || 0) - (crmBefore.requests[k] || 0);
  const crm = {
    get: d('GET'), post: d('POST'), patch: d('PATCH'), total: d('total'), connections: d('connections'),
    status: Object.fromEntries(Object.keys(crmAfter.requests.status).map((s) =>
      [s, crmAfter.requests.status[s] - ((crmBefore.requests.status || {})[s] || 0)])),
    objects: crmAfter.objects,
    config: crmAfter.config,
  };
  const crmObjectsOk = (crmAfter.objects.ticketorders || 0) === ORDERS &&
    (crmAfter.objects.tickets || 0) === ORDERS * POSITIONS;

  const pipe = resultsRedis.pipeline();
  for (const o of orders) pipe.hgetall(RESULT_PREFIX + o.code);
  const res = await pipe.exec();
  let hsetOk = 0;
  let hsetBad = 0;
  const actions = { create: 0, update: 0 };
  for (let i = 0; i < orders.length; i++) {
    const [err, h] = res[i];
    const expectFields = objectsOf(orders[i]).map((o) => `${o.type}:${o.value}`);
    let good = !err && h && Object.keys(h).length === expectFields.length;
    if (good) {
      for (const f of expectFields) {
        let v = null;
        try { v = JSON.parse(h[f]); } catch { v = null; }
        if (!v || !v.id || !v.link) { good = false; break; }
        actions[v.action] = (actions[v.action] || 0) + 1;
      }
    }
    if (good) hsetOk++; else hsetBad++;
  }
  const failedParents = failedParentIds.size;
  const verifyOk = !timedOut && failedParents === 0 && completedParents === ORDERS &&
    crmObjectsOk && hsetOk === ORDERS;

  await Promise.all([admin.quit(), resultsRedis.quit()]);
  agent.destroy();

  if (LAT_DUMP) fs.writeFileSync(LAT_DUMP, 'enqueue_offset_ms,latency_ms\n' + latRows.map((r) => r.join(',')).join('\n') + '\n');
  latencies.sort((a, b) => a - b);
  const steady = latRows.filter(([off]) => off >= WARMUP_S * 1000).map(([, l]) => l).sort((a, b) => a - b);
  const wallS = (tEnd - tStart) / 1000;
  const out = {
    label: LABEL || undefined,
    ok: verifyOk,
    versions: {
      bullmq: require('bullmq/package.json').version,
      ioredis: require('ioredis/package.json').version,
      node: process.versions.node,
      redis: redisVersion,
    },
    params: {
      orders: ORDERS, positions: POSITIONS, objects: totalObjects, concurrency: CONCURRENCY,
      enqueue_batch: ENQUEUE_BATCH, rate: RATE, attempts: ATTEMPTS,
      remove_on_complete: REMOVE_ON_COMPLETE, reset_crm: RESET_CRM,
      crm_latency_ms: crmAfter.config.latency_ms, crm_fail_rate: crmAfter.config.fail_rate,
    },
    wall_s: round(wallS, 3),
    enqueue_s: round((tEnqDone - tStart) / 1000, 3),
    orders_per_s: round(completedParents / wallS, 1),
    objects_per_s: round((completedParents * objectsPerOrder) / wallS, 1),
    http_req_per_s: round(crm.total / wallS, 1),
    latency_ms: {
      p50: pct(latencies, 50), p90: pct(latencies, 90), p99: pct(latencies, 99),
      max: latencies.length ? latencies[latencies.length - 1] : null,
    },
    // same, only orders enqueued >= WARMUP_S after the start (meaningful with RATE > 0)
    latency_after_warmup_ms: {
      warmup_s: WARMUP_S, n: steady.length,
      p50: pct(steady, 50), p90: pct(steady, 90), p99: pct(steady, 99),
      max: steady.length ? steady[steady.length - 1] : null,
    },
    redis: {
      used_memory_start: memStart,
      used_memory_peak: memPeak,
      used_memory_end: memEnd,
      peak_mib: round(memPeak / 1048576, 1),
      commands: cmdsAfter - cmdsBefore,
      commands_per_order: round((cmdsAfter - cmdsBefore) / ORDERS, 1),
      // bytes appended to the AOF during the measured phase (null: AOF off, or rewritten meanwhile)
      aof_bytes_per_order: aofBytes === null ? null : round(aofBytes / ORDERS, 0),
      top_commands: topCommands,
    },
    // CPU over the measured phase; *_pct = percent of one core, machine = percent of all cores
    cpu: {
      bench_node_s: round((cpu.user + cpu.system) / 1e6, 2),
      bench_node_user_s: round(cpu.user / 1e6, 2),
      bench_node_sys_s: round(cpu.system / 1e6, 2),
      bench_node_pct: round(((cpu.user + cpu.system) / 1e6 / wallS) * 100, 0),
      bench_event_loop_util: round(elu.utilization, 2),
      redis_s: round(redisCpuAfter - redisCpuBefore, 2),
      redis_pct: round(((redisCpuAfter - redisCpuBefore) / wallS) * 100, 0),
      mockcrm_s: round(crmCpu(crmEnd) - crmCpu(crmStart), 2),
      mockcrm_pct: round(((crmCpu(crmEnd) - crmCpu(crmStart)) / wallS) * 100, 0),
      // CPU milliseconds per order (robust on a noisy machine: independent of wall time)
      bench_node_ms_per_order: round(((cpu.user + cpu.system) / 1e3) / ORDERS, 3),
      redis_ms_per_order: round(((redisCpuAfter - redisCpuBefore) * 1e3) / ORDERS, 3),
      mockcrm_ms_per_order: round(((crmCpu(crmEnd) - crmCpu(crmStart)) * 1e3) / ORDERS, 3),
      machine_busy_pct: mach0 && mach1 ? round(((mach1[0] - mach0[0]) / (mach1[1] - mach0[1])) * 100, 0) : null,
      cores: require('node:os').cpus().length,
    },
    crm,
    results: { actions, attempt_failures: attemptFailures, worker_errors: workerErrors,
      failed_reasons: Object.fromEntries(failedReasons) },
    verify: {
      completed_parents: completedParents, failed_parents: failedParents, timed_out: timedOut,
      crm_objects_ok: crmObjectsOk, hset_ok: hsetOk, hset_bad: hsetBad,
    },
  };
  process.stdout.write(JSON.stringify(out) + '\n');
  return verifyOk ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stdout.write(JSON.stringify({ label: LABEL || undefined, ok: false, error: String(err && err.stack || err) }) + '\n');
    process.exit(2);
  });
