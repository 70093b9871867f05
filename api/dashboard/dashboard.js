// The tixsync dashboard's logic: polls GET api/v1/overview every 2 s (backlog, rates, nodes),
// lists jobs and parked causes of one provider with retry/cancel (single and bulk), and looks
// orders up, with "Sync now" per provider. Every call carries the token the person typed (kept in
// sessionStorage): the read token suffices for reading, changes need the API token.
// Every value from the API goes into the page as text, never as HTML.
'use strict';

(function () {
  const POLL_MS = 2000;
  const PAGE_SIZE = 50;
  const RATE_POINTS = 60;  // two minutes of 2 s samples
  const TOKEN_KEY = 'tixsync.api_token';
  const PARKED = ['exceeded', 'permanent', 'config', 'internal', 'timeout'];
  const COUNT_STATES = ['due', 'scheduled', 'follow_up', 'in_flight'].concat(PARKED);

  const $ = (id) => document.getElementById(id);

  const view = {
    providers: [],            // [{id, display_name}] from the last overview
    rates: [],                // [{synced, enqueued}], oldest first
    // The first view lists every parked job: those wait for a person, the rest moves by itself.
    jobs: {provider: '', state: 'parked', event: '', offset: 0, total: 0, items: [], shown: ''},
    causesShown: '',
    selected: new Map(),      // key -> {event, order} of the chosen provider
    openDetails: new Set(),   // keys whose full message is unfolded
    busy: false,
    lookup: null,             // {organizer, event, code} of the last lookup
  };
  let memoryToken = '';       // used when sessionStorage is unavailable

  // ---- the API -------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  function readToken() {
    try {
      return window.sessionStorage.getItem(TOKEN_KEY) || '';
    } catch (e) {
      return memoryToken;
    }
  }

  function storeToken(token) {
    memoryToken = token;
    try {
      if (token) window.sessionStorage.setItem(TOKEN_KEY, token);
      else window.sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) { /* memoryToken keeps it for this page */ }
  }

  /// Sends one request; resolves to the parsed JSON body, rejects with an ApiError whose message
  /// is the node's own error message ({"error": {"status", "message"}}).
  async function api(method, path, body) {
    const headers = {Accept: 'application/json'};
    const init = {method, headers, cache: 'no-store'};
    // Reading takes the read token or the API token, changes the API token only. Without a
    // token nothing is sent, so the node's 401s do not fill the browser's console.
    const token = readToken();
    if (!token) {
      throw new ApiError(0, method === 'GET'
        ? 'Enter the read token or the API token first (top of the page): reading needs one.'
        : 'Enter the API token first (top of the page): changes need it.');
    }
    headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'the node cannot be reached (' + e.message + ')');
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      if (response.ok) throw new ApiError(response.status, path + ': the answer is not JSON');
    }
    if (!response.ok) {
      const message = data && data.error && data.error.message ? data.error.message
        : (text.trim() || response.statusText);
      throw new ApiError(response.status, 'HTTP ' + response.status + ': ' + message);
    }
    return data;
  }

  const query = (params) => Object.keys(params).filter((k) => params[k] !== '' && params[k] != null)
    .map((k) => encodeURIComponent(k) + '=' + encodeURIComponent(params[k])).join('&');

  // ---- small DOM and format helpers ----------------------------------------------------------

  /// Creates an element with attributes ({text}, {className}, data-*/aria-* as written) and children.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value == null || value === false) continue;
      if (name === 'text') node.textContent = String(value);
      else if (name === 'className') node.className = value;
      else if (name === 'onclick') node.addEventListener('click', value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child == null) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const isBlank = (v) => v == null || v === '' || v === '-';
  const keyOf = (item) => item.event + '\u0000' + item.order;
  const displayName = (id) => {
    const p = view.providers.find((x) => x.id === id);
    return p && p.display_name && p.display_name !== id ? p.display_name + ' (' + id + ')' : id;
  };

  function formatTime(value) {
    if (isBlank(value)) return '—';
    if (typeof value === 'number') return value > 0 ? new Date(value).toISOString().replace('.000Z', 'Z') : '—';
    return String(value);
  }

  function formatAge(seconds) {
    if (typeof seconds !== 'number' || !isFinite(seconds) || seconds < 0) return '—';
    const s = Math.floor(seconds);
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + String(s % 60).padStart(2, '0') + ' s';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + String(Math.floor(s / 60) % 60).padStart(2, '0') + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.floor(s / 3600) % 24 + ' h';
  }

  const formatRate = (x) => (typeof x === 'number' && isFinite(x) ? x.toFixed(1) : '–');
  const plural = (n, word, many) => n + ' ' + (n === 1 ? word : many || word + 's');

  /// Shows `text` (and optional list lines) in a message box; kind 'ok' or 'error'; '' hides it.
  function showMessage(box, kind, text, lines) {
    box.replaceChildren();
    box.hidden = !text;
    box.className = 'message' + (kind ? ' ' + kind : '');
    box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    if (!text) return;
    box.append(el('span', {text}));
    if (lines && lines.length) box.append(el('ul', {}, lines.map((line) => el('li', {text: line}))));
  }

  // ---- token ---------------------------------------------------------------------------------

  function showTokenStatus(text) {
    $('token-status').textContent = text ||
      (readToken() ? 'Token set for this browser tab.'
        : 'No token entered: the read token shows jobs and orders, the API token also retries, cancels and syncs.');
  }

  function setupToken() {
    $('token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = $('token-input').value.trim();
      if (!token) {
        showTokenStatus('Type the token first.');
        $('token-input').focus();
        return;
      }
      storeToken(token);
      $('token-input').value = '';
      showTokenStatus();
    });
    $('token-clear').addEventListener('click', () => {
      storeToken('');
      $('token-input').value = '';
      showTokenStatus();
    });
    showTokenStatus();
  }

  // ---- overview ------------------------------------------------------------------------------

  /// A count cell: parked counts above 0 are buttons that list those jobs.
  function countCell(providerId, state, n) {
    const cell = el('td', {className: 'num', 'data-testid': 'state-count', 'data-state': state});
    const count = typeof n === 'number' ? n : 0;
    if (count > 0 && PARKED.includes(state)) {
      cell.append(el('button', {type: 'button', className: 'count-link', text: count,
        'aria-label': 'Show the ' + plural(count, 'job') + ' of ' + providerId + ' in state ' + state,
        onclick: () => applyJobFilter({provider: providerId, state, event: ''})}));
    } else {
      cell.textContent = String(count);
      if (count === 0) cell.classList.add('zero');
    }
    return cell;
  }

  /// Replaces a table body only when its data changed, keeping focus on a button that the person
  /// was on (found again by its data-focus-key).
  function renderBody(body, signature, build) {
    if (body.dataset.signature === signature) return;
    const focused = document.activeElement && body.contains(document.activeElement)
      ? document.activeElement.getAttribute('data-focus-key') : null;
    body.replaceChildren(...build());
    body.dataset.signature = signature;
    if (focused) {
      const again = Array.from(body.querySelectorAll('[data-focus-key]'))
        .find((node) => node.getAttribute('data-focus-key') === focused);
      if (again) again.focus();
    }
  }

  function emptyRow(columns, text) {
    return el('tr', {}, el('td', {colspan: columns, className: 'empty', text}));
  }

  function renderProviders(providers) {
    renderBody($('providers-body'), JSON.stringify(providers), () => {
      if (!providers.length) return [emptyRow(12, 'No providers configured.')];
      return providers.map((p) => {
        const states = p.states || {};
        const circuit = p.circuit || 'closed';
        return el('tr', {'data-testid': 'provider-row', 'data-provider': p.id, 'data-paused': p.paused ? 'true' : 'false'},
          el('th', {scope: 'row', text: displayName(p.id)}),
          el('td', {}, el('span', {className: 'circuit-' + circuit, text: circuit})),
          pauseCell(p),
          COUNT_STATES.map((s) => {
            const cell = countCell(p.id, s, states[s]);
            const button = cell.querySelector('button');
            if (button) button.setAttribute('data-focus-key', p.id + '/' + s);
            return cell;
          }));
      });
    });
  }

  /// Whether the provider syncs, with the Pause or Resume button (the API token is needed).
  function pauseCell(p) {
    const paused = p.paused;
    const label = paused ? 'paused' + (paused.reason ? ': ' + paused.reason : '') +
      (paused.since ? ' (since ' + formatTime(paused.since) + ')' : '') : 'running';
    return el('td', {'data-testid': 'provider-syncing'},
      el('span', {className: paused ? 'state-paused' : '', text: label}), ' ',
      el('button', {type: 'button', className: 'small' + (paused ? '' : ' danger'), 'data-action': paused ? 'resume' : 'pause',
        'data-testid': 'provider-pause', 'data-focus-key': p.id + '/pause',
        'aria-label': (paused ? 'Resume ' : 'Pause ') + p.id + ' on every node',
        text: paused ? 'Resume' : 'Pause', onclick: () => setPaused(p.id, !paused)}));
  }

  /// Pauses or resumes a provider fleet-wide; the outcome goes to the connection line.
  async function setPaused(provider, pause) {
    if (view.busy) return;
    if (pause && !window.confirm('Pause ' + provider + ' on every node? Its jobs wait until it is resumed.')) return;
    setBusy(true);
    const status = $('connection-status');
    try {
      await api('POST', 'api/v1/providers/' + encodeURIComponent(provider) + '/' + (pause ? 'pause' : 'resume'),
        pause ? {reason: 'paused on the dashboard'} : undefined);
      status.className = 'connection';
      status.textContent = (pause ? 'Paused ' : 'Resumed ') + displayName(provider) + '.';
    } catch (e) {
      status.className = 'connection error';
      status.textContent = (pause ? 'Pause' : 'Resume') + ' of ' + provider + ' failed: ' + e.message;
      noteTokenProblem(e);
    } finally {
      setBusy(false);
    }
    await Promise.allSettled([refreshOverview()]);
  }

  function renderBacklog(providers) {
    const rows = [];
    for (const p of providers) {
      for (const e of p.events || []) rows.push({provider: p.id, ...e});
    }
    renderBody($('backlog-body'), JSON.stringify(rows), () => {
      if (!rows.length) return [emptyRow(4, 'Nothing is due.')];
      return rows.map((r) => el('tr', {'data-testid': 'backlog-row', 'data-provider': r.provider, 'data-event': r.event},
        el('td', {text: displayName(r.provider)}),
        el('td', {text: r.event}),
        el('td', {className: 'num', 'data-testid': 'backlog-due', text: r.due}),
        el('td', {className: 'num', 'data-testid': 'backlog-age', text: formatAge(r.oldest_due_age_seconds)})));
    });
  }

  function renderNodes(nodes) {
    renderBody($('nodes-body'), JSON.stringify(nodes), () => {
      if (!nodes.length) return [emptyRow(5, 'No node has reported yet.')];
      return nodes.map((n) => el('tr', {'data-testid': 'node-row', 'data-node': n.name},
        el('th', {scope: 'row', text: n.name}),
        el('td', {}, el('span', {className: n.alive ? '' : 'dead', text: n.alive ? 'alive' : 'not responding'})),
        el('td', {className: 'num', text: n.in_flight != null ? n.in_flight : '—'}),
        el('td', {className: 'num', text: n.synced != null ? n.synced : '—'}),
        el('td', {text: formatTime(n.last_heartbeat)})));
    });
  }

  function renderRates(rates) {
    const synced = rates && typeof rates.synced_per_second === 'number' ? rates.synced_per_second : 0;
    const enqueued = rates && typeof rates.enqueued_per_second === 'number' ? rates.enqueued_per_second : 0;
    $('rate-synced').textContent = formatRate(rates && rates.synced_per_second);
    $('rate-enqueued').textContent = formatRate(rates && rates.enqueued_per_second);
    view.rates.push({synced, enqueued});
    if (view.rates.length > RATE_POINTS) view.rates.shift();
    const top = Math.max(1, ...view.rates.map((r) => Math.max(r.synced, r.enqueued)));
    // The newest sample sits at the right edge; older ones move left.
    const shift = RATE_POINTS - view.rates.length;
    const line = (pick) => view.rates.map((r, i) =>
      ((i + shift) * 300 / (RATE_POINTS - 1)).toFixed(1) + ',' + (58 - pick(r) / top * 56).toFixed(1)).join(' ');
    $('rate-line-synced').setAttribute('points', line((r) => r.synced));
    $('rate-line-enqueued').setAttribute('points', line((r) => r.enqueued));
  }

  function updateProviderChoice(providers) {
    const select = $('jobs-provider');
    const ids = providers.map((p) => p.id);
    const current = Array.from(select.options).map((o) => o.value);
    if (ids.join('\n') !== current.join('\n') ||
        providers.some((p, i) => select.options[i].textContent !== displayName(p.id))) {
      select.replaceChildren(...providers.map((p) => el('option', {value: p.id, text: displayName(p.id)})));
    }
    if (!view.jobs.provider && ids.length) view.jobs.provider = firstWithParkedJobs(providers) || ids[0];
    if (view.jobs.provider) select.value = view.jobs.provider;
  }

  /// The first provider with parked jobs: the dashboard opens on what waits for a person.
  function firstWithParkedJobs(providers) {
    const parked = (p) => PARKED.some((s) => p.states && p.states[s] > 0);
    const found = providers.find(parked);
    return found ? found.id : '';
  }

  async function refreshOverview() {
    const overview = await api('GET', 'api/v1/overview');
    const providers = Array.isArray(overview.providers) ? overview.providers : [];
    view.providers = providers.map((p) => ({id: p.id, display_name: p.display_name}));
    updateProviderChoice(providers);
    renderProviders(providers);
    renderBacklog(providers);
    renderNodes(Array.isArray(overview.nodes) ? overview.nodes : []);
    renderRates(overview.rates);
    $('overview-time').textContent = overview.time ? 'as of ' + formatTime(overview.time) : '';
  }

  // ---- jobs and causes -----------------------------------------------------------------------

  function jobRow(item) {
    const key = keyOf(item);
    const inFlight = item.state === 'in_flight';
    const box = el('input', {type: 'checkbox', 'data-testid': 'job-select', disabled: inFlight,
      'aria-label': 'Select order ' + item.order + ' of ' + item.event});
    box.checked = view.selected.has(key);
    box.addEventListener('change', () => {
      if (box.checked) view.selected.set(key, {event: item.event, order: item.order});
      else view.selected.delete(key);
      row.classList.toggle('selected', box.checked);
      updateSelection();
    });
    const errors = Array.isArray(item.errors) ? item.errors : [];
    const details = item.full_message ? el('details', {'data-testid': 'job-full-message'},
      el('summary', {text: 'Full message'}), el('pre', {className: 'full-message', text: item.full_message})) : null;
    if (details) {
      details.open = view.openDetails.has(key);
      details.addEventListener('toggle', () => {
        if (details.open) view.openDetails.add(key); else view.openDetails.delete(key);
      });
    }
    const [organizer, event] = String(item.event).split('/');
    const row = el('tr', {'data-testid': 'job-row', 'data-event': item.event, 'data-order': item.order,
      'data-state': item.state, className: box.checked ? 'selected' : ''},
      el('td', {className: 'select-col'}, box),
      el('td', {text: item.event}),
      el('td', {}, el('button', {type: 'button', className: 'count-link', text: item.order,
        'aria-label': 'Look up order ' + item.order + ' of ' + item.event,
        onclick: () => lookupOrder(organizer || '', event || '', item.order)})),
      el('td', {}, el('span', {className: 'state state-' + item.state, 'data-testid': 'job-state', text: item.state})),
      el('td', {'data-testid': 'job-errors'},
        item.cause ? el('strong', {text: item.cause}) : null,
        errors.length ? el('ul', {className: 'errors'}, errors.map((e) => el('li', {text: e}))) : null,
        details,
        !item.cause && !errors.length && !details ? '—' : null),
      el('td', {className: 'num', text: item.attempts != null ? item.attempts : '—'}),
      el('td', {text: isBlank(item.trigger) ? '—' : item.trigger}),
      el('td', {text: formatTime(item.not_before)}),
      el('td', {text: isBlank(item.node) ? '—' : item.node,
        title: isBlank(item.lease_until) ? null : 'lease until ' + formatTime(item.lease_until)}),
      el('td', {className: 'actions'}, inFlight ? el('span', {className: 'hint', text: 'running'}) : [
        el('button', {type: 'button', className: 'small', 'data-action': 'retry', 'data-focus-key': key + '/retry',
          text: 'Retry', 'aria-label': 'Retry order ' + item.order + ' of ' + item.event,
          onclick: () => sendJobs('retry', [{event: item.event, order: item.order}])}),
        el('button', {type: 'button', className: 'small danger', 'data-action': 'cancel', 'data-focus-key': key + '/cancel',
          text: 'Cancel', 'aria-label': 'Cancel order ' + item.order + ' of ' + item.event,
          onclick: () => sendJobs('cancel', [{event: item.event, order: item.order}])})]));
    return row;
  }

  function updateSelection() {
    const n = view.selected.size;
    $('jobs-selected-count').textContent = n + ' selected';
    $('jobs-retry-selected').disabled = n === 0 || view.busy;
    $('jobs-cancel-selected').disabled = n === 0 || view.busy;
    const boxes = Array.from($('jobs-body').querySelectorAll('input[data-testid="job-select"]:not(:disabled)'));
    const checked = boxes.filter((b) => b.checked).length;
    $('jobs-select-all').checked = boxes.length > 0 && checked === boxes.length;
    $('jobs-select-all').indeterminate = checked > 0 && checked < boxes.length;
  }

  function renderJobs() {
    const j = view.jobs;
    renderBody($('jobs-body'), JSON.stringify([j.provider, j.state, j.event, j.offset, j.items]), () => {
      if (!j.items.length) return [emptyRow(10, j.provider ? 'No jobs match.' : 'No provider chosen.')];
      return j.items.map(jobRow);
    });
    const first = j.items.length ? j.offset + 1 : 0;
    $('jobs-total').textContent = j.provider ? '(' + displayName(j.provider) + (j.state ? ', ' + j.state : '') +
      (j.event ? ', ' + j.event : '') + ': ' + plural(j.total, 'job') + ')' : '';
    $('jobs-page').textContent = j.total ? first + '–' + (j.offset + j.items.length) + ' of ' + j.total : '';
    $('jobs-prev').disabled = j.offset === 0;
    $('jobs-next').disabled = j.offset + j.items.length >= j.total;
    updateSelection();
  }

  /// Renders the job rows again although the data did not change (the selection did).
  function rerenderJobs() {
    $('jobs-body').dataset.signature = '';
    renderJobs();
  }

  function renderCauses(provider, causes) {
    $('causes-provider').textContent = provider ? '(' + displayName(provider) + ')' : '';
    renderBody($('causes-body'), JSON.stringify([provider, causes]), () => {
      if (!causes.length) return [emptyRow(4, 'No parked jobs.')];
      return causes.map((c) => {
        const focus = c.state + '/' + c.cause + '/';
        return el('tr', {'data-testid': 'cause-row', 'data-state': c.state, 'data-cause': c.cause},
          el('td', {}, el('span', {className: 'state state-' + c.state, text: c.state})),
          el('td', {text: c.cause === '' ? '(none)' : c.cause}),
          el('td', {className: 'num', 'data-testid': 'cause-count', text: c.count}),
          el('td', {className: 'actions'},
            el('button', {type: 'button', className: 'small secondary', 'data-action': 'show-cause',
              'data-focus-key': focus + 'show', text: 'Show jobs', 'aria-label': 'Show the ' + c.state + ' jobs',
              onclick: () => applyJobFilter({provider, state: c.state, event: ''})}),
            el('button', {type: 'button', className: 'small', 'data-action': 'retry-cause', 'data-focus-key': focus + 'retry',
              text: 'Retry all of this cause', onclick: () => sendCause('retry', c)}),
            el('button', {type: 'button', className: 'small danger', 'data-action': 'cancel-cause',
              'data-focus-key': focus + 'cancel', text: 'Cancel all of this cause', onclick: () => sendCause('cancel', c)})));
      });
    });
  }

  /// Reloads the current job page and the provider's causes; errors go to the jobs message box.
  async function refreshJobs() {
    const j = view.jobs;
    if (!j.provider) {
      renderJobs();
      renderCauses('', []);
      return;
    }
    const asked = JSON.stringify([j.provider, j.state, j.event, j.offset]);
    // "Any state" pages through one event's items: without an event there is no such page.
    const anyState = !j.state && !j.event;
    const [page, causes] = await Promise.all([
      anyState ? {items: [], total: 0} : api('GET', 'api/v1/jobs?' +
        query({provider: j.provider, state: j.state, event: j.event, limit: PAGE_SIZE, offset: j.offset})),
      api('GET', 'api/v1/jobs/causes?' + query({provider: j.provider}))]);
    if (asked !== JSON.stringify([j.provider, j.state, j.event, j.offset])) return;  // filter changed meanwhile
    j.items = Array.isArray(page.items) ? page.items : [];
    j.total = typeof page.total === 'number' ? page.total : j.items.length;
    if (!j.items.length && j.offset > 0 && j.total > 0) {
      j.offset = Math.max(0, Math.floor((j.total - 1) / PAGE_SIZE) * PAGE_SIZE);
      return refreshJobs();
    }
    renderJobs();
    renderCauses(j.provider, Array.isArray(causes.causes) ? causes.causes : []);
    return anyState ? 'Any state lists the jobs of one event: type organizer/event and press Show jobs.' : '';
  }

  async function refreshJobsShowingErrors() {
    const box = $('jobs-message');
    try {
      const hint = await refreshJobs();
      if (hint) {
        showMessage(box, '', hint);
        box.dataset.source = 'load';
      } else if (box.dataset.source === 'load') {
        showMessage(box, '', '');
      }
    } catch (e) {
      showMessage(box, 'error', 'Cannot load the jobs: ' + e.message);
      box.dataset.source = 'load';
    }
  }

  function applyJobFilter(filter) {
    const j = view.jobs;
    if (filter.provider !== j.provider) view.selected.clear();
    Object.assign(j, filter, {offset: 0});
    $('jobs-provider').value = j.provider;
    $('jobs-state').value = j.state;
    $('jobs-event').value = j.event;
    refreshJobsShowingErrors();
  }

  /// Points the person at the token field when a change failed for want of a (right) token.
  function noteTokenProblem(error) {
    if (error.status === 401 || error.status === 403) showTokenStatus('The node refused the token: ' + error.message);
    if (error.status === 0 && !readToken()) $('token-input').focus();
  }

  function setBusy(busy) {
    view.busy = busy;
    document.querySelectorAll('button[data-action]').forEach((b) => { b.disabled = busy; });
    updateSelection();
  }

  /// Runs retry or cancel through the API, then shows what was done and what was refused.
  async function runAction(verb, body, what) {
    if (view.busy) return;
    const box = $('jobs-message');
    box.dataset.source = 'action';
    setBusy(true);
    try {
      const result = await api('POST', 'api/v1/jobs/' + verb, body);
      const done = result && typeof result.done === 'number' ? result.done : 0;
      const refused = result && Array.isArray(result.refused) ? result.refused : [];
      const past = verb === 'retry' ? 'Retried ' : 'Canceled ';
      showMessage(box, refused.length && !done ? 'error' : 'ok',
        past + plural(done, 'job') + ' of ' + displayName(body.provider) + '.' +
        (refused.length ? ' Refused ' + refused.length + ':' : ''),
        refused.map((r) => r.event + ' ' + r.order + ': ' + r.reason));
      return true;
    } catch (e) {
      showMessage(box, 'error', (verb === 'retry' ? 'Retry' : 'Cancel') + ' of ' + what + ' failed: ' + e.message);
      noteTokenProblem(e);
      return false;
    } finally {
      setBusy(false);
      await Promise.allSettled([refreshJobs(), refreshOverview(), view.lookup ? refreshLookup() : null]);
    }
  }

  async function sendJobs(verb, items, provider = view.jobs.provider) {
    const what = items.length === 1 ? 'order ' + items[0].order : plural(items.length, 'job');
    if (verb === 'cancel' && !window.confirm('Cancel ' + what + ' of ' + provider + '? Canceled jobs are removed from the queue.')) return;
    if (await runAction(verb, {provider, items}, what)) {
      for (const item of items) view.selected.delete(keyOf(item));
      rerenderJobs();
    }
  }

  function sendCause(verb, cause) {
    const provider = view.jobs.provider;
    const what = 'every ' + cause.state + ' job with cause "' + cause.cause + '"';
    if (verb === 'cancel' && !window.confirm('Cancel ' + what + ' of ' + provider + '?')) return;
    return runAction(verb, {provider, state: cause.state, cause: cause.cause}, what);
  }

  function setupJobs() {
    $('jobs-form').addEventListener('submit', (event) => {
      event.preventDefault();
      applyJobFilter({provider: $('jobs-provider').value, state: $('jobs-state').value, event: $('jobs-event').value.trim()});
    });
    for (const id of ['jobs-provider', 'jobs-state']) {
      $(id).addEventListener('change', () => applyJobFilter({provider: $('jobs-provider').value,
        state: $('jobs-state').value, event: $('jobs-event').value.trim()}));
    }
    $('jobs-select-all').addEventListener('change', () => {
      const on = $('jobs-select-all').checked;
      for (const item of view.jobs.items) {
        if (item.state === 'in_flight') continue;
        if (on) view.selected.set(keyOf(item), {event: item.event, order: item.order});
        else view.selected.delete(keyOf(item));
      }
      rerenderJobs();
    });
    $('jobs-retry-selected').addEventListener('click', () => sendJobs('retry', Array.from(view.selected.values())));
    $('jobs-cancel-selected').addEventListener('click', () => sendJobs('cancel', Array.from(view.selected.values())));
    $('jobs-prev').addEventListener('click', () => {
      view.jobs.offset = Math.max(0, view.jobs.offset - PAGE_SIZE);
      refreshJobsShowingErrors();
    });
    $('jobs-next').addEventListener('click', () => {
      view.jobs.offset += PAGE_SIZE;
      refreshJobsShowingErrors();
    });
  }

  // ---- order lookup --------------------------------------------------------------------------

  /// Only http(s) links become anchors: a provider's link must not run script in this page.
  function externalLink(href, name) {
    const label = isBlank(name) ? href : name;
    if (isBlank(href)) return isBlank(name) ? '—' : String(name);
    if (!/^https?:\/\//i.test(String(href))) return String(label) + ' (' + href + ')';
    return el('a', {href, target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'result-link', text: label});
  }

  function table(caption, headers, rows) {
    return el('div', {className: 'table-wrap'}, el('table', {},
      el('caption', {text: caption}),
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', {scope: 'col', text: h})))),
      el('tbody', {}, rows)));
  }

  function logLine(entry) {
    const rest = Object.entries(entry).filter(([k]) => k !== 'at' && k !== 'what')
      .map(([k, v]) => k + ': ' + (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
    return el('li', {'data-testid': 'log-entry', 'data-what': entry.what},
      el('time', {text: formatTime(entry.at)}), ' ', el('strong', {text: entry.what || '?'}), rest ? ' — ' + rest : '');
  }

  function providerBlock(p) {
    const items = Array.isArray(p.items) ? p.items : [];
    const results = Array.isArray(p.results) ? p.results : [];
    const log = Array.isArray(p.log) ? p.log : [];
    const queue = items.length ? table('Queue', ['State', 'Trigger', 'Attempts', 'Not before', 'Node', 'Cause and errors', 'Actions'],
      items.map((i) => el('tr', {'data-testid': 'lookup-item', 'data-state': i.state},
        el('td', {}, el('span', {className: 'state state-' + i.state, text: i.state})),
        el('td', {text: isBlank(i.trigger) ? '—' : i.trigger}),
        el('td', {className: 'num', text: i.attempts != null ? i.attempts : '—'}),
        el('td', {text: formatTime(i.not_before)}),
        el('td', {text: isBlank(i.node) ? '—' : i.node}),
        el('td', {}, i.cause ? el('strong', {text: i.cause}) : null,
          el('ul', {className: 'errors'}, (i.errors || []).map((e) => el('li', {text: e})))),
        el('td', {className: 'actions'}, i.state === 'in_flight' ? el('span', {className: 'hint', text: 'running'}) : [
          el('button', {type: 'button', className: 'small', 'data-action': 'lookup-retry', text: 'Retry',
            onclick: () => sendJobs('retry', [{event: i.event, order: i.order}], p.provider)}),
          el('button', {type: 'button', className: 'small danger', 'data-action': 'lookup-cancel', text: 'Cancel',
            onclick: () => sendJobs('cancel', [{event: i.event, order: i.order}], p.provider)})]))))
      : el('p', {className: 'hint', 'data-testid': 'lookup-not-queued', text: 'Not queued: nothing waiting or running.'});
    const stored = results.length ? table('Stored sync results',
      ['Mapping', 'Position', 'Object type', 'Id value', 'External link', 'Action', 'Transmitted'],
      results.map((r) => el('tr', {'data-testid': 'result-row', 'data-mapping': r.mapping_id},
        el('td', {className: 'num', text: r.mapping_id}),
        el('td', {text: r.position_id == null ? 'order' : r.position_id}),
        el('td', {text: r.object_type || r.external_object_type || '—'}),
        el('td', {text: isBlank(r.id_value) ? '—' : r.id_value}),
        el('td', {}, externalLink(r.external_link_href, r.external_link_display_name)),
        el('td', {text: isBlank(r.action) ? '—' : r.action}),
        el('td', {text: formatTime(r.transmitted != null ? r.transmitted : r.transmitted_ms)}))))
      : el('p', {className: 'hint', 'data-testid': 'lookup-no-results', text: 'No sync results stored.'});
    const syncNowButton = el('button', {type: 'button', className: 'small', 'data-action': 'lookup-sync-now',
      'data-testid': 'lookup-sync-now', text: 'Sync now', 'aria-label': 'Sync this order with ' + p.provider + ' now',
      onclick: () => syncNow(p.provider)});
    return el('div', {className: 'provider-block', 'data-testid': 'lookup-provider', 'data-provider': p.provider},
      el('h3', {}, displayName(p.provider), ' ', syncNowButton), queue, stored,
      el('details', {}, el('summary', {text: 'Audit log (' + plural(log.length, 'entry', 'entries') + ')'}),
        log.length ? el('ol', {className: 'log'}, log.map(logLine)) : el('p', {className: 'hint', text: 'Empty.'})));
  }

  /// The API path of one order: api/v1/orders/{organizer}/{event}/{code}.
  const orderPath = ({organizer, event, code}) => 'api/v1/orders/' + [organizer, event, code].map(encodeURIComponent).join('/');

  async function refreshLookup() {
    const {organizer, event, code} = view.lookup;
    const path = orderPath(view.lookup);
    const box = $('lookup-message');
    try {
      const order = await api('GET', path);
      if (view.lookup.code !== code || view.lookup.event !== event || view.lookup.organizer !== organizer) return;
      showMessage(box, '', '');
      const providers = Array.isArray(order.providers) ? order.providers : [];
      $('lookup-result').replaceChildren(
        el('p', {}, 'Order ', el('strong', {'data-testid': 'lookup-order', text: order.order || code}),
          ' of ', el('strong', {text: order.event || organizer + '/' + event}),
          ': known to ' + plural(providers.length, 'provider') + '.'),
        ...providers.map(providerBlock));
    } catch (e) {
      $('lookup-result').replaceChildren();
      showMessage(box, 'error', e.status === 404 ? 'Order ' + code + ' of ' + organizer + '/' + event +
        ' is not known to any provider (' + e.message + ').' : 'Lookup failed: ' + e.message);
    }
  }

  /// "Sync now": the looked-up order becomes due now for one provider, from its stored snapshot
  /// (POST .../sync-now, trigger sync_now); the answer goes to the lookup's message box.
  async function syncNow(provider) {
    if (view.busy || !view.lookup) return;
    const {code} = view.lookup;
    const path = orderPath(view.lookup) + '/sync-now';
    let kind = 'ok';
    let text;
    setBusy(true);
    try {
      const result = await api('POST', path, {provider});
      const queued = result && Array.isArray(result.queued_for) ? result.queued_for : [];
      text = 'Order ' + code + ' is due now for ' + (queued.length ? queued.map(displayName).join(', ') : 'no provider') + '.';
    } catch (e) {
      kind = 'error';
      text = 'Sync now of order ' + code + ' for ' + displayName(provider) + ' failed: ' + e.message;
      noteTokenProblem(e);
    } finally {
      setBusy(false);
    }
    await Promise.allSettled([refreshLookup(), refreshOverview(), refreshJobs()]);
    showMessage($('lookup-message'), kind, text);
  }

  function lookupOrder(organizer, event, code) {
    $('lookup-organizer').value = organizer;
    $('lookup-event').value = event;
    $('lookup-code').value = code;
    view.lookup = {organizer, event, code};
    $('lookup-result').replaceChildren();
    showMessage($('lookup-message'), '', 'Looking up ' + code + '…');
    return refreshLookup();
  }

  /// A lookup by order code alone (GET api/v1/orders?code=): one event found shows the order as
  /// a lookup by event does; several list their events to choose from.
  async function findOrder(code) {
    const box = $('lookup-message');
    view.lookup = null;
    $('lookup-result').replaceChildren();
    showMessage(box, '', 'Looking up ' + code + ' in every event…');
    try {
      const found = await api('GET', 'api/v1/orders?' + query({code}));
      const matches = Array.isArray(found.matches) ? found.matches : [];
      if (matches.length === 1) {
        const [organizer, event] = String(matches[0].event).split('/');
        return lookupOrder(organizer, event, code);
      }
      showMessage(box, '', 'Order ' + code + ' is known in ' + plural(matches.length, 'event') + ':');
      $('lookup-result').replaceChildren(el('ul', {'data-testid': 'lookup-matches'}, matches.map((m) => {
        const [organizer, event] = String(m.event).split('/');
        return el('li', {}, el('button', {type: 'button', className: 'small', 'data-testid': 'lookup-match',
          text: m.event, onclick: () => lookupOrder(organizer, event, code)}));
      })));
    } catch (e) {
      showMessage(box, 'error', e.status === 404 ? 'Order ' + code + ' is not known to any provider (' + e.message + ').'
        : 'Lookup failed: ' + e.message);
    }
  }

  function setupLookup() {
    $('lookup-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const organizer = $('lookup-organizer').value.trim();
      const ev = $('lookup-event').value.trim();
      const code = $('lookup-code').value.trim();
      if (!code || !organizer !== !ev) {
        showMessage($('lookup-message'), 'error', 'Fill in the order code, with organizer and event or without both.');
        return;
      }
      if (organizer) lookupOrder(organizer, ev, code);
      else findOrder(code);
    });
  }

  // ---- polling -------------------------------------------------------------------------------

  async function poll() {
    const status = $('connection-status');
    try {
      await refreshOverview();
      status.className = 'connection';
      status.textContent = 'Live: updated ' + new Date().toLocaleTimeString() + ', every ' + POLL_MS / 1000 + ' s';
    } catch (e) {
      status.className = 'connection error';
      status.textContent = 'Cannot load the overview: ' + e.message + ' (trying again every ' + POLL_MS / 1000 + ' s)';
    }
    if (!view.busy) await refreshJobsShowingErrors();
    window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener('DOMContentLoaded', () => {
    setupToken();
    setupJobs();
    setupLookup();
    poll();
  });
})();
