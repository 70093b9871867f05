// Figures shared by the benchmark reports (bench/peer/report.js, bench/hubspot/report.js): the
// median of the finite values of a list, and a number with fixed digits or "n/a".
'use strict';

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

module.exports = { median, fmt };
