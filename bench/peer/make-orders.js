#!/usr/bin/env node
// Writes the peer benchmark's orders: the first order of examples/sample-orders.jsonl (a paid
// order with an invoice address and a position with three answers), copied to ORDERS orders of
// POSITIONS positions each, as JSON lines. Every copy gets its own order code, position ids,
// secrets and e-mail addresses, so every order and ticket is a new object in the CRM.
//
// usage: node make-orders.js SAMPLE_ORDERS_JSONL ORDERS POSITIONS > orders.jsonl
'use strict';

const fs = require('node:fs');

const [samplePath, ordersArg, positionsArg] = process.argv.slice(2);
const orders = Number(ordersArg);
const positions = Number(positionsArg);
if (!samplePath || !Number.isInteger(orders) || orders < 1 || !Number.isInteger(positions) ||
    positions < 1 || positions > 100) {
  process.stderr.write('usage: node make-orders.js SAMPLE_ORDERS_JSONL ORDERS POSITIONS(1-100)\n');
  process.exit(2);
}
const sample = JSON.parse(fs.readFileSync(samplePath, 'utf8').split('\n')[0]);
const samplePosition = sample.positions[0];

const out = fs.openSync('/dev/stdout', 'w');
let buffer = '';
for (let i = 1; i <= orders; i++) {
  const code = 'PEER' + String(i).padStart(7, '0');
  const order = structuredClone(sample);
  order.code = code;
  order.secret = 's' + String(i).padStart(15, '0');
  order.url = sample.url.replace(sample.code, code).replace(sample.secret, order.secret);
  order.email = `buyer.${i}@example.org`;
  order.positions = [];
  for (let j = 1; j <= positions; j++) {
    const p = structuredClone(samplePosition);
    p.id = i * 100 + j;
    p.order = code;
    p.positionid = j;
    p.secret = `t${i}x${j}`.padEnd(32, '0');
    p.attendee_email = `attendee.${i}.${j}@example.org`;
    order.positions.push(p);
  }
  buffer += JSON.stringify(order) + '\n';
  if (buffer.length > 1 << 20) {
    fs.writeSync(out, buffer);
    buffer = '';
  }
}
fs.writeSync(out, buffer);
