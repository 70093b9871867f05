#!/usr/bin/env node
// The quota benchmark's table: medians per config and node count of the runs in results.jsonl
// (one JSON line per run, written by verify.js), beside the quota-bound minimum of the batched
// case (objects / (100 x the quota per second)) and the targets of the batched, paced sync.
//
// usage: node report.js results.jsonl [env.txt]
'use strict';

const fs = require('node:fs');
const { median, fmt } = require('../stats.js');

const [resultsPath, envPath] = process.argv.slice(2);
const runs = fs.readFileSync(resultsPath, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

const groups = new Map();
for (const r of runs) {
  const key = `${r.config}|${r.nodes}`;
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push(r);
}
const lines = [];
if (envPath && fs.existsSync(envPath)) lines.push('```', fs.readFileSync(envPath, 'utf8').trim(), '```', '');
lines.push('Medians of the runs (verified: runs whose every record was found once with the expected ' +
  'values, of all runs). Drain: from the nodes\' start to the last order\'s "synced" audit entry. ' +
  'Latency: each order\'s "enqueued" to "synced" audit entry. Quota-bound minimum, batched: ' +
  'objects / (100 x the quota per second); at these calls: the calls made / the quota per second, ' +
  'or the searches made / the search quota, whichever is longer.', '');
lines.push('| config | nodes | orders | verified | drain s | calls per object written | 429s | p50 / p99 enqueue-to-synced s | calls/s | quota-bound s at these calls | quota-bound s batched | drain / batched minimum |');
lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const [, g] of [...groups].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))) {
  const m = (f) => median(g.map(f));
  const drain = m((r) => r.drain_s);
  const batched = m((r) => r.quota_bound_s.batched);
  lines.push(`| ${g[0].config} | ${g[0].nodes} | ${g[0].orders} | ${g.filter((r) => r.verified).length} of ${g.length} | ` +
    `${fmt(drain, 1)} | ${fmt(m((r) => r.calls_per_object), 3)} | ${fmt(m((r) => r.http_429), 0)} | ` +
    `${fmt(m((r) => r.latency_ms.p50) / 1000, 1)} / ${fmt(m((r) => r.latency_ms.p99) / 1000, 1)} | ` +
    `${fmt(m((r) => r.calls_per_s), 1)} | ${fmt(m((r) => r.quota_bound_s.these_calls), 1)} | ${fmt(batched, 2)} | ${Number.isFinite(drain / batched) ? fmt(drain / batched, 1) + 'x' : 'n/a'} |`);
}
lines.push('', 'Targets (batched, paced): at most 0.03 calls per object written; drain within 1.25x of the ' +
  'batched quota-bound minimum; no 429 in a steady run with one node and with three; every record once ' +
  'with the expected values.');
const failed = runs.filter((r) => !r.verified);
for (const r of failed) lines.push('', `${r.label} did not verify: ${(r.problems || []).slice(0, 5).join(' | ')}`);
console.log(lines.join('\n'));
