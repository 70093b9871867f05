#!/usr/bin/env node
// One run of the quota benchmark, checked and measured: every object `tixsync preview` expects
// (expected.jsonl) must be in the stand-in's dump exactly once, found by its id property, with
// the expected values and the associations the config writes (HubSpot association items or a
// property holding the associated records' ids) to records of its own order, none other. Prints one JSON line: drain time, calls per object written, 429s, latencies
// from the audit logs (first "enqueued" to first "synced" per order) and the verification.
//
// usage: node verify.js --name N --config FILE --nodes K --orders N --drained true|false
//          --t-start MS --t-enqueue MS --t-drained MS --expected expected.jsonl
//          --stats stats.json --dump dump.json --audit audit.txt --quota N --window-ms MS
//          --search-quota N --jobs jobs.json --sets "TABLE.KEY=VALUE ..."
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { readAssociations } = require('./config-associations.js');

const args = {};
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const num = (k) => Number(args[k]);
const expected = fs.readFileSync(args.expected, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const stats = JSON.parse(fs.readFileSync(args.stats, 'utf8'));
const dump = JSON.parse(fs.readFileSync(args.dump, 'utf8'));
let parked = NaN;
try {
  const states = JSON.parse(fs.readFileSync(args.jobs, 'utf8')).states;
  parked = ['config', 'exceeded', 'internal', 'permanent', 'timeout'].reduce((n, k) => n + Number(states[k] || 0), 0);
} catch (e) { /* no queue counts: parked stays unknown */ }
const audit = fs.readFileSync(args.audit, 'utf8').split('\n').filter((l) => l.trim());

// Records by id property and value, over every type of the dump.
const byIdValue = new Map();  // `${field}\n${value}` -> [{type, record}]
const recordById = new Map();  // HubSpot id -> record
let records = 0;
for (const [type, list] of Object.entries(dump)) {
  for (const record of list) {
    records++;
    recordById.set(record.id, record);
    for (const [field, value] of Object.entries(record.properties || {})) {
      const key = `${field}\n${value}`;
      if (!byIdValue.has(key)) byIdValue.set(key, []);
      byIdValue.get(key).push({ type, record });
    }
  }
}

const same = (want, got) => {
  if (want === null || want === undefined || want === '') return got === undefined || got === null || got === '';
  return String(want) === String(got);
};
const problems = [];
const note = (text) => { if (problems.length < 20) problems.push(text); };
let objects = 0, found = 0, duplicated = 0, missing = 0, wrongValues = 0, wrongAssociations = 0, unassociated = 0;
const associatedTypes = new Set();
const typeRecords = new Map();  // type -> records expected of it
// Associations as the config writes them (config-associations.js), per record of an order:
// HubSpot association items (`into = "associations"`) to exactly the records of the named mapping
// that the object sees (its own position's and the order's), and none where the config writes
// none; a field association's property holding those records' ids.
const { byType, joiner, nativeLists } = readAssociations(args.config);
const visibleIds = (mine, object, mapping) => mine
  .filter((m) => m.object.mapping_id === mapping && (object.position_id === null ||
    m.object.position_id === null || m.object.position_id === object.position_id))
  .map((m) => String(m.record.id));
const checkAssociations = (order, mine) => {
  for (const { object, type, record } of mine) {
    const configured = byType[object.external_object_type] || [];
    const want = new Set(configured.filter((a) => a.into === 'associations').flatMap((a) => visibleIds(mine, object, a.mapping)));
    const got = (record.associations || []).map((a) => String(a.toObjectId));
    if (got.length) associatedTypes.add(type);
    for (const id of got.filter((id) => !want.has(id))) {
      wrongAssociations++;
      note(`${order}: record ${record.id} is associated with ${id}, not a record the config associates it with`);
    }
    for (const id of [...want].filter((id) => !got.includes(id))) {
      unassociated++;
      note(`${order}: record ${record.id} is not associated with ${id}`);
    }
    for (const a of configured.filter((a) => a.into === 'field')) {
      const ids = visibleIds(mine, object, a.mapping);
      const value = (record.properties || {})[a.key];
      const ok = a.value !== 'external_id' ? ids.length === 0 || !same('', value)
        : nativeLists ? JSON.stringify(value) === JSON.stringify(ids) : same(ids.join(joiner), value);
      if (!ok) {
        wrongAssociations++;
        note(`${order}: record ${record.id}: ${a.key} is ${JSON.stringify(value)}, expected the ${a.value} of ${ids.join(joiner) || 'nothing'}`);
      }
    }
  }
};
for (const order of expected) {
  const mine = [];
  for (const object of order.objects) {
    if (object.skipped) continue;
    objects++;
    const hits = byIdValue.get(`${object.external_id_field}\n${object.id_value}`) || [];
    if (hits.length === 0) { missing++; note(`${order.order}: no record with ${object.external_id_field} = ${object.id_value}`); continue; }
    if (hits.length > 1) { duplicated++; note(`${order.order}: ${hits.length} records with ${object.external_id_field} = ${object.id_value}`); }
    found++;
    const { type, record } = hits[0];
    typeRecords.set(type, (typeRecords.get(type) || 0) + 1);
    mine.push({ object, type, record });
    const wrong = object.properties.filter((p) => !same(p.value, (record.properties || {})[p.external_field]));
    if (wrong.length) {
      wrongValues++;
      note(`${order.order}: ${object.id_value}: ${wrong.map((p) => `${p.external_field} is ${JSON.stringify((record.properties || {})[p.external_field])}, expected ${JSON.stringify(p.value)}`).join('; ')}`);
    }
  }
  checkAssociations(order.order, mine);
}

// Latencies and the drain from the audit logs.
const latencies = [];
let lastSynced = 0, syncedOrders = 0, syncedTwice = 0;
for (const line of audit) {
  const [, enqueued, synced, n] = line.split(' ');
  if (Number(n) > 0) {
    syncedOrders++;
    if (Number(n) > 1) syncedTwice++;
    lastSynced = Math.max(lastSynced, Number(synced));
    latencies.push(Number(synced) - Number(enqueued));
  }
}
latencies.sort((a, b) => a - b);
const pct = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] : NaN);

const orders = num('orders');
const requests = stats.requests || {};
const written = Number(stats.records_written || 0);
const calls = Number(requests.total || 0);
const searches = Number((requests.by_kind || {}).search || 0);
const tooMany = Number(stats.rate_limited || 0) + Number(stats.search_rate_limited || 0);
const drainS = lastSynced ? (lastSynced - num('t-start')) / 1000 : NaN;
const perSecond = num('quota') / (num('window-ms') / 1000);
const verified = args.drained === 'true' && syncedOrders === orders && missing === 0 && duplicated === 0 &&
  wrongValues === 0 && wrongAssociations === 0 && unassociated === 0 && records === objects;
if (records !== objects) note(`the stand-in holds ${records} records, ${objects} expected`);
if (args.drained !== 'true') note('the queue did not drain within the timeout');
if (parked > 0) note(`${parked} orders parked (see the run's jobs.json and node logs)`);
const r1 = (x, d = 1) => (Number.isFinite(x) ? Number(x.toFixed(d)) : null);
console.log(JSON.stringify({
  label: args.name, config: path.basename(args.config) + (args.sets ? ` with ${args.sets}` : ''), nodes: num('nodes'), orders, objects,
  verified, drained: args.drained === 'true',
  drain_s: r1(drainS), calls, calls_by_kind: requests.by_kind || {}, records_written: written,
  calls_per_object: r1(calls / Math.max(1, written), 3), max_inputs_per_call: stats.max_inputs_per_call,
  http_429: tooMany, http_429_by_policy: { window: stats.rate_limited, search: stats.search_rate_limited },
  calls_per_s: r1(calls / drainS, 2),
  latency_ms: { p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), max: latencies[latencies.length - 1] ?? null },
  // What the quota allows: the calls this run made at the quota (or its searches at the search
  // quota, whichever takes longer), and the batched minimum (objects in calls of 100 inputs).
  quota_per_s: perSecond,
  quota_bound_s: {
    these_calls: r1(Math.max(calls / perSecond, searches / num('search-quota'))),
    batched: r1(objects / (100 * perSecond), 3),
  },
  check: { synced_orders: syncedOrders, parked_orders: parked, synced_twice: syncedTwice, records, found, missing, duplicated,
    wrong_values: wrongValues, wrong_associations: wrongAssociations, unassociated,
    associated_types: [...associatedTypes], records_by_type: Object.fromEntries(typeRecords) },
  problems,
}));
