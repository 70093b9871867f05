// What the quota benchmark's verification expects of associations, read from a HubSpot-shaped
// tixsync config: the [providers.rest.objects.TYPE.associations] tables of the first
// [[providers]] entry (the one run.sh syncs), and how that entry joins list values.
'use strict';

const fs = require('node:fs');

// A TOML string or bare value, without quotes.
const scalar = (text) => {
  const t = text.trim();
  const m = /^"((?:[^"\\]|\\.)*)"$/.exec(t);
  return m ? JSON.parse(`"${m[1]}"`) : t;
};

// One association's value: `N` or `{ mapping = N, value = "...", into = "...", type_id = N }`.
const parseAssociation = (text, where) => {
  const t = text.replace(/\s+#.*$/, '').trim();
  if (/^[0-9]+$/.test(t)) return { mapping: Number(t), value: 'external_id', into: 'field' };
  const m = /^\{(.*)\}$/.exec(t);
  if (!m) throw new Error(`${where}: expected N or an inline table, got ${t}`);
  const keys = {};
  for (const part of m[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) keys[part.slice(0, eq).trim()] = scalar(part.slice(eq + 1));
  }
  if (!/^[0-9]+$/.test(String(keys.mapping))) throw new Error(`${where}: no mapping = N`);
  return { mapping: Number(keys.mapping), value: keys.value || 'external_id', into: keys.into || 'field' };
};

/// The associations of the config's first provider: { byType: {TYPE: [{key, mapping, value,
/// into}]}, joiner, nativeLists }. Throws with the file and line on a line it cannot read.
const readAssociations = (file) => {
  const byType = {};
  let providers = 0, section = '', joiner = ',', nativeLists = false;
  fs.readFileSync(file, 'utf8').split('\n').forEach((raw, i) => {
    const line = raw.replace(/^\s+/, '');
    if (/^\[\[providers\]\]/.test(line)) { providers++; section = '[[providers]]'; return; }
    if (/^\[/.test(line)) { section = line.replace(/\s*(#.*)?$/, ''); return; }
    if (providers !== 1 || !/^[A-Za-z0-9_-]+\s*=/.test(line)) return;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq).trim(), value = line.slice(eq + 1);
    if (section === '[[providers]]' && key === 'list_joiner') joiner = scalar(value.replace(/\s+#.*$/, ''));
    if (section === '[[providers]]' && key === 'native_lists') nativeLists = scalar(value.replace(/\s+#.*$/, '')) === 'true';
    const m = /^\[providers\.rest\.objects\.([^.\]]+)\.associations\]$/.exec(section);
    if (m) (byType[m[1]] = byType[m[1]] || []).push({ key, ...parseAssociation(value, `${file}:${i + 1}`) });
  });
  return { byType, joiner, nativeLists };
};

module.exports = { readAssociations };
