// What the browser test needs around the browser: free loopback ports, child processes that are
// always stopped by PID (on success, failure, an exception or a signal), bounded polling, a Redis
// PING and JSON over HTTP. No test framework: failures are thrown as errors with a clear message.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/// Every child process started and not yet stopped, by PID.
const running = new Map();

/// A loopback port that was free a moment ago (bound to port 0, then released).
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address();
      server.close(() => resolve(port));
    });
  });
}

/// Starts `command` with its output appended to `logPath`; returns {name, pid, exited, logPath}.
/// `exited` resolves to {code, signal} when the process ends (also when it fails to start).
export function startProcess(name, command, args, {env, logPath}) {
  const log = fs.openSync(logPath, 'a');
  const child = spawn(command, args, {env, stdio: ['ignore', log, log]});
  fs.closeSync(log);
  const proc = {name, pid: child.pid, logPath, done: false};
  proc.exited = new Promise((resolve) => {
    child.once('error', (error) => {
      proc.done = true;
      running.delete(proc.pid);
      resolve({code: null, signal: null, error});
    });
    child.once('exit', (code, signal) => {
      proc.done = true;
      running.delete(proc.pid);
      resolve({code, signal});
    });
  });
  if (child.pid) running.set(child.pid, proc);
  return proc;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/// Sends `signal` to the process and waits up to `timeoutMs` for it to end; a process still
/// running then is killed with SIGKILL. Resolves to {code, signal, forced}.
export async function stopProcess(proc, signal = 'SIGTERM', timeoutMs = 20000) {
  if (!proc || proc.done) return proc ? {...(await proc.exited), forced: false} : null;
  try {
    process.kill(proc.pid, signal);
  } catch (e) { /* already gone */ }
  const ended = await Promise.race([proc.exited, sleep(timeoutMs).then(() => null)]);
  if (ended) return {...ended, forced: false};
  try {
    process.kill(proc.pid, 'SIGKILL');
  } catch (e) { /* already gone */ }
  const killed = await Promise.race([proc.exited, sleep(5000).then(() => ({code: null, signal: 'SIGKILL'}))]);
  return {...killed, forced: true};
}

/// Last resort on exit paths that cannot wait (process 'exit', a second signal): SIGKILL every
/// child still running, by PID.
export function killAllNow() {
  for (const pid of running.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (e) { /* already gone */ }
  }
  running.clear();
}

/// Calls `probe` every `intervalMs` until it returns something other than undefined/false/null
/// and returns that; throws after `timeoutMs` naming `what` and the last probe error or value.
/// A probe error with `fatal` set ends the wait at once.
export async function waitFor(what, probe, {timeoutMs = 20000, intervalMs = 250} = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (let round = 0; ; ++round) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false && value !== null) return value;
      last = 'condition not met';
    } catch (e) {
      if (e && e.fatal) throw e;
      last = e && e.message ? e.message : String(e);
    }
    if (Date.now() >= deadline || round > timeoutMs / intervalMs + 10) {
      throw new Error('timed out after ' + timeoutMs / 1000 + ' s waiting for ' + what + ' (last: ' + last + ')');
    }
    await sleep(intervalMs);
  }
}

/// True when the Redis server on 127.0.0.1:`port` answers PING with PONG within a second.
export function redisPing(port) {
  return new Promise((resolve) => {
    const socket = net.connect({host: '127.0.0.1', port});
    let answer = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

let readToken = '';
/// The token GETs carry when a request names none (reading the API needs one).
export function setReadToken(token) { readToken = token; }

/// One HTTP request to the node; resolves to {status, json, text}. `token` adds the bearer header
/// (a GET without one carries setReadToken's). Bounded by `timeoutMs`.
export async function request(base, method, path, {body, token, timeoutMs = 10000} = {}) {
  if (token === undefined && method === 'GET') token = readToken;
  const headers = {Accept: 'application/json'};
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) { /* not JSON: the caller looks at text */ }
  return {status: response.status, json, text};
}

/// request() that insists on `expected` status and a JSON body, naming the call otherwise.
export async function expectJson(base, method, path, expected, options) {
  const answer = await request(base, method, path, options);
  if (answer.status !== expected || answer.json === null) {
    throw new Error(method + ' ' + path + ': expected ' + expected + ' with JSON, got ' + answer.status +
                    ': ' + answer.text.slice(0, 300));
  }
  return answer.json;
}

/// The last `lines` lines of a log file ('' when it cannot be read).
export function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (e) {
    return '';
  }
}
