#!/usr/bin/env node
// The peer benchmark's table: medians per system and mock latency of the runs in results.jsonl
// (one JSON line per run, written by run.sh), the ratios of tixsync to BullMQ within the same run,
// and the machine's ceiling (its cores divided by the CPU every process spends per order).
//
// usage: node report.js results.jsonl [env.txt]
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const { median, fmt } = require('../stats.js');

const [resultsPath, envPath] = process.argv.slice(2);
const runs = fs.readFileSync(resultsPath, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

const groups = new Map();
let failed = 0;
for (const r of runs) {
  if (!r.ok) { failed++; continue; }
  const key = `${r.system}|${r.latency_ms}`;
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push(r);
}
const stat = (system, latency) => {
  const g = groups.get(`${system}|${latency}`) || [];
  const m = (f) => median(g.map(f));
  const s = {
    n: g.length, ops: m((r) => r.orders_per_s), process: m((r) => r.cpu_ms_per_order.process),
    enqueue: m((r) => r.cpu_ms_per_order.enqueue), redis: m((r) => r.cpu_ms_per_order.redis),
    mock: m((r) => r.cpu_ms_per_order.mock), commands: m((r) => r.redis_commands_per_order),
    rss: m((r) => r.peak_rss_mib),
  };
  // enqueue + sync of the split runs: what the syncing process costs in all
  s.total = s.process + (Number.isFinite(s.enqueue) ? s.enqueue : 0);
  s.ceiling = (os.cpus().length * 1000) / (s.total + s.redis + s.mock);
  return s;
};

const latencies = [...new Set(runs.filter((r) => r.ok).map((r) => r.latency_ms))].sort((a, b) => a - b);
const systems = ['bullmq', 'tixsync-feed', 'tixsync-split', 'tixsync-cpp'];
const names = {
  bullmq: 'BullMQ flows', 'tixsync-feed': 'tixsync `run --feed`',
  'tixsync-split': 'tixsync `enqueue`, then `run`',
  'tixsync-cpp': 'the same against `tixsync mock-crm`',
};
const split = (sys) => sys === 'tixsync-split' || sys === 'tixsync-cpp';
const lines = [];
if (envPath && fs.existsSync(envPath)) lines.push('```', fs.readFileSync(envPath, 'utf8').trim(), '```', '');
lines.push('Medians of the runs (n = runs that verified). CPU in ms per order: the syncing process ' +
  '(for the split runs the `run` alone; `enqueue` separately), Redis, the mock CRM. Ceiling: this ' +
  "machine's cores divided by all three processes' CPU per order.", '');
lines.push('| L | system | n | orders/s | process | enqueue | Redis | mock | Redis commands/order | peak RSS MiB | ceiling orders/s |');
lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
for (const l of latencies) {
  for (const sys of systems) {
    const s = stat(sys, l);
    if (s.n === 0) continue;
    lines.push(`| ${l} ms | ${names[sys]} | ${s.n} | ${fmt(s.ops, 0)} | ${fmt(s.process)} | ${split(sys) ? fmt(s.enqueue) : '-'} | ` +
      `${fmt(s.redis)} | ${fmt(s.mock)} | ${fmt(s.commands, 1)} | ${sys === 'bullmq' ? '-' : fmt(s.rss, 0)} | ${fmt(s.ceiling, 0)} |`);
  }
}
lines.push('', '| L | tixsync / BullMQ, orders/s (`run --feed`) | target | BullMQ CPU / tixsync sync CPU | target | BullMQ CPU / tixsync enqueue CPU | target |');
lines.push('|---|---|---|---|---|---|---|');
for (const l of latencies) {
  const b = stat('bullmq', l), f = stat('tixsync-feed', l), s = stat('tixsync-split', l);
  const target = l === 0 ? '>= 2.5' : '>= 4';
  lines.push(`| ${l} ms | ${fmt(f.ops / b.ops, 2)} | ${target} | ${fmt(b.process / s.process, 1)} | >= 7 | ` +
    `${fmt(b.process / s.enqueue, 1)} | >= 25 |`);
}
// The node's sync CPU against the Node mock over that against tixsync's own mock: what a server
// that writes its answers differently costs the HTTP client.
const gaps = latencies.map((l) => [l, stat('tixsync-split', l), stat('tixsync-cpp', l)])
  .filter(([, s, c]) => s.n > 0 && c.n > 0);
if (gaps.length) {
  lines.push('', '| L | tixsync `run` CPU per order, Node mock | tixsync mock-crm | ratio |', '|---|---|---|---|');
  for (const [l, s, c] of gaps) lines.push(`| ${l} ms | ${fmt(s.process)} | ${fmt(c.process)} | ${fmt(s.process / c.process, 2)} |`);
}
if (failed) lines.push('', `${failed} run(s) did not verify and are left out: see results.jsonl.`);
console.log(lines.join('\n'));
