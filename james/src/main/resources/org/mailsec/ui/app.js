// mailsec's dashboard: every number on it comes from mailsec's webadmin JSON routes, read with the operator's token.
// Data from outside (report organizations, domains, reasons) is only ever set as text, never as HTML.
'use strict';

const errors = [];
window.mailsecErrors = errors;
window.addEventListener('error', e => errors.push(String(e.message)));
window.addEventListener('unhandledrejection', e => errors.push(String(e.reason)));

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function token() {
  return sessionStorage.getItem('mailsec.token') || '';
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token()) {
    headers.Authorization = 'Bearer ' + token();
  }
  const response = await fetch(path, Object.assign({}, options, { headers }));
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (e) {
    body = text;
  }
  if (response.status === 401 && token()) {
    // A token webadmin refuses is not sent again: the operator types a new one.
    sessionStorage.removeItem('mailsec.token');
    document.getElementById('token').focus();
  }
  if (!response.ok) {
    const message = body && body.message ? body.message : response.status + ' ' + response.statusText;
    throw new ApiError(response.status, response.status === 401 ? 'webadmin wants a token (top right): ' + message : message);
  }
  return body;
}

// --- DOM helpers ---------------------------------------------------------------------------------------------------

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === 'onclick' || name === 'onsubmit' || name === 'onchange') {
      node.addEventListener(name.substring(2), value);
    } else if (value !== undefined && value !== null && value !== false) {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

function section(title, ...children) {
  return el('section', {}, el('h2', {}, title), ...children);
}

/** A table: columns are {title, value(row), number, className(row)}; onRow makes rows clickable. */
function table(id, columns, rows, onRow) {
  const head = el('tr', {}, columns.map(c => el('th', { class: c.number ? 'number' : null }, c.title)));
  const body = rows.length === 0
    ? [el('tr', {}, el('td', { colspan: columns.length, class: 'muted' }, 'nothing'))]
    : rows.map(row => {
      const tr = el('tr', { class: onRow ? 'clickable' : null },
        columns.map(c => el('td', { class: [c.number ? 'number' : '', c.className ? c.className(row) : ''].join(' ').trim() || null },
          c.value(row))));
      if (onRow) {
        tr.addEventListener('click', () => onRow(row));
      }
      return tr;
    });
  return el('table', { id }, el('thead', {}, head), el('tbody', {}, body));
}

const charts = [];
const pendingCharts = [];

/** A chart next to the table that says the same; drawn once its canvas is in the page. */
function chart(id, config) {
  const canvas = el('canvas', { id, role: 'img', 'aria-label': config.label || id });
  pendingCharts.push({ canvas, config });
  return el('div', { class: 'chart' }, canvas);
}

function number(n) {
  return Number(n || 0).toLocaleString('en');
}

function statusCell(status) {
  return 'status-' + status;
}

function utcDay(offset) {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - offset);
  return d.toISOString().substring(0, 10);
}

function daysAgo(days) {
  return new Date(Date.now() - days * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
}

function sumBy(items, key, weight) {
  const sums = new Map();
  for (const item of items) {
    sums.set(key(item), (sums.get(key(item)) || 0) + weight(item));
  }
  return [...sums.entries()].sort((a, b) => b[1] - a[1]);
}

// --- pages -----------------------------------------------------------------------------------------------------------

const pages = {
  async overview(argument) {
    const days = argument === '30' ? 30 : 7;
    const dayList = [...Array(days).keys()].map(utcDay).reverse();
    const perDay = await Promise.all(dayList.map(day => api('/mailsec/tls-results?limit=10000&day=' + day)));
    const results = perDay.flat();
    const failures = results.filter(r => r.result !== 'success');
    const dayRows = dayList.map((day, i) => ({
      day,
      success: perDay[i].filter(r => r.result === 'success').reduce((s, r) => s + r.sessions, 0),
      failure: perDay[i].filter(r => r.result !== 'success').reduce((s, r) => s + r.sessions, 0)
    }));
    const byType = sumBy(failures, r => r.result, r => r.sessions);
    const byDomain = sumBy(failures, r => r.recipientDomain, r => r.sessions).slice(0, 10);
    const byMx = sumBy(failures, r => r.mxHost || '(none)', r => r.sessions).slice(0, 10);
    const range = '?start=' + daysAgo(days) + '&end=' + daysAgo(-1);
    const [tlsReports, dmarcReports, sources] = await Promise.all([
      api('/mailsec/tls-reports/summaries' + range), api('/mailsec/dmarc-reports/summaries' + range),
      api('/mailsec/dmarc-reports/sources' + range + '&limit=10')]);
    // DMARC over time, summed over our domains: each day's reports are those whose period covers its noon (UTC), so a
    // report is counted on one day only, even one that runs from noon to noon.
    const dmarcPerDay = await Promise.all(dayList.map(day => api('/mailsec/dmarc-reports/summaries?start=' + day
      + 'T12:00:00Z&end=' + day + 'T12:00:01Z')));
    const dmarcDayRows = dayList.map((day, i) => ({
      day,
      messages: dmarcPerDay[i].reduce((s, d) => s + d.messages, 0),
      pass: dmarcPerDay[i].reduce((s, d) => s + d.dmarcPass, 0)
    }));
    const choose = el('select', { id: 'days', onchange: e => { location.hash = 'overview/' + e.target.value; } },
      el('option', { value: '7', selected: days === 7 }, 'last 7 days'),
      el('option', { value: '30', selected: days === 30 }, 'last 30 days'));
    return [
      el('p', {}, 'Period: ', choose, el('span', { class: 'muted' }, ' (UTC days; counts are TLS sessions and messages)')),
      section('Outgoing TLS sessions per day', el('div', { class: 'charts' },
        chart('chart-tls-per-day', {
          type: 'bar', label: 'TLS sessions per day, success and failure',
          data: { labels: dayList, datasets: [
            { label: 'success', data: dayRows.map(r => r.success), backgroundColor: '#1b7f3b', stack: 's' },
            { label: 'failure', data: dayRows.map(r => r.failure), backgroundColor: '#b3261e', stack: 's' }] }
        }),
        chart('chart-failure-types', {
          type: 'doughnut', label: 'TLS failures by result type',
          data: { labels: byType.map(t => t[0]), datasets: [{ data: byType.map(t => t[1]) }] }
        })),
        table('tls-per-day', [
          { title: 'day', value: r => r.day },
          { title: 'success', value: r => number(r.success), number: true },
          { title: 'failure', value: r => number(r.failure), number: true, className: r => r.failure ? 'status-error' : '' }],
        dayRows),
        table('tls-failure-types', [
          { title: 'result type', value: t => t[0] }, { title: 'sessions', value: t => number(t[1]), number: true }], byType)),
      section('Where outgoing TLS fails', el('div', { class: 'charts' },
        table('top-failing-domains', [
          { title: 'recipient domain', value: t => t[0] }, { title: 'failed sessions', value: t => number(t[1]), number: true }],
        byDomain),
        table('top-failing-mx', [
          { title: 'MX host', value: t => t[0] }, { title: 'failed sessions', value: t => number(t[1]), number: true }], byMx))),
      section('TLS reports received, per policy domain',
        table('incoming-tls', [
          { title: 'policy domain', value: s => s.policyDomain },
          { title: 'reports', value: s => number(s.reports), number: true },
          { title: 'successful sessions', value: s => number(s.success), number: true },
          { title: 'failed sessions', value: s => number(s.failure), number: true, className: s => s.failure ? 'status-error' : '' },
          { title: 'failures by type', value: s => Object.entries(s.failuresByResultType || {}).map(e => e[0] + ' ' + e[1]).join(', ') }],
        tlsReports)),
      section('DMARC compliance of our domains (reports received)', el('div', { class: 'charts' },
        chart('chart-dmarc', {
          type: 'bar', label: 'DMARC pass and fail messages per domain',
          data: { labels: dmarcReports.map(s => s.domain), datasets: [
            { label: 'DMARC pass', data: dmarcReports.map(s => s.dmarcPass), backgroundColor: '#1b7f3b', stack: 'd' },
            { label: 'DMARC fail', data: dmarcReports.map(s => s.messages - s.dmarcPass), backgroundColor: '#b3261e', stack: 'd' }] }
        }),
        chart('chart-dmarc-per-day', {
          type: 'line', label: 'DMARC pass and fail messages per day',
          data: { labels: dayList, datasets: [
            { label: 'DMARC pass', data: dmarcDayRows.map(r => r.pass), borderColor: '#1b7f3b' },
            { label: 'DMARC fail', data: dmarcDayRows.map(r => r.messages - r.pass), borderColor: '#b3261e' }] }
        })),
        table('dmarc-per-day', [
          { title: 'day (reports covering its noon)', value: r => r.day },
          { title: 'messages', value: r => number(r.messages), number: true },
          { title: 'DMARC pass', value: r => number(r.pass), number: true },
          { title: 'DMARC fail', value: r => number(r.messages - r.pass), number: true,
            className: r => r.messages - r.pass ? 'status-error' : '' }], dmarcDayRows),
        table('dmarc-compliance', [
          { title: 'domain', value: s => s.domain },
          { title: 'reports', value: s => number(s.reports), number: true },
          { title: 'messages', value: s => number(s.messages), number: true },
          { title: 'DMARC pass', value: s => number(s.dmarcPass), number: true },
          { title: 'pass %', value: s => s.messages ? (100 * s.dmarcPass / s.messages).toFixed(1) : '–', number: true },
          { title: 'none / quarantine / reject', value: s => [s.dispositionNone, s.dispositionQuarantine, s.dispositionReject].map(number).join(' / ') },
          { title: 'DKIM fail', value: s => number(s.dkimFail), number: true },
          { title: 'SPF fail', value: s => number(s.spfFail), number: true }],
        dmarcReports),
        el('h2', {}, 'Sources failing DMARC most' + (sources.saturated ? ' (of the newest ' + sources.reports + ' reports)' : '')),
        table('dmarc-failing-sources', [
          { title: 'source IP', value: s => s.sourceIp }, { title: 'domains', value: s => s.domains.join(', ') },
          { title: 'messages', value: s => number(s.messages), number: true },
          { title: 'DMARC fail', value: s => number(s.dmarcFail), number: true, className: s => s.dmarcFail ? 'status-error' : '' }],
        sources.sources.filter(s => s.dmarcFail > 0)))
    ];
  },

  async 'tls-results'(argument) {
    const [day, filter] = (argument || '').split('/');
    const chosen = /^\d{4}-\d{2}-\d{2}$/.test(day || '') ? day : utcDay(0);
    const failuresOnly = filter === 'failures';
    const results = (await api('/mailsec/tls-results?limit=10000&day=' + chosen))
      .filter(r => !failuresOnly || r.result !== 'success');
    const go = (d, f) => { location.hash = 'tls-results/' + d + (f ? '/failures' : ''); };
    const dayInput = el('input', { id: 'tls-day', type: 'date', value: chosen, onchange: e => go(e.target.value, failuresOnly) });
    const only = el('input', { id: 'failures-only', type: 'checkbox', checked: failuresOnly, onchange: e => go(chosen, e.target.checked) });
    return [section('Outgoing TLS results of ' + chosen,
      el('form', { class: 'inline' }, el('label', {}, 'UTC day', dayInput), el('label', {}, 'failures only', only)),
      table('tls-results-table', [
        { title: 'policy domain', value: r => r.policyDomain + (r.isHost ? ' (MX host)' : '') },
        { title: 'recipient domain', value: r => r.recipientDomain },
        { title: 'policy', value: r => r.policyType },
        { title: 'MX host', value: r => r.mxHost },
        { title: 'receiving IP', value: r => r.receivingIp },
        { title: 'result', value: r => r.result, className: r => r.result === 'success' ? 'status-ok' : 'status-error' },
        { title: 'reason', value: r => r.failureReasonCode },
        { title: 'sessions', value: r => number(r.sessions), number: true }],
      results))];
  },

  async reports(argument) {
    const periods = { 30: 'last 30 days', 365: 'last year', all: 'since 2000' };
    const period = Object.prototype.hasOwnProperty.call(periods, argument) ? argument : '30';
    const range = '?start=' + (period === 'all' ? '2000-01-01T00:00:00Z' : daysAgo(Number(period))) + '&end=' + daysAgo(-1);
    const choose = el('select', { id: 'reports-period', onchange: e => { location.hash = 'reports/' + e.target.value; } },
      Object.entries(periods).map(([value, text]) => el('option', { value, selected: value === period }, text)));
    const [tls, dmarc, tlsRejected, dmarcRejected] = await Promise.all([
      api('/mailsec/tls-reports' + range), api('/mailsec/dmarc-reports' + range),
      api('/mailsec/tls-reports/rejected' + range), api('/mailsec/dmarc-reports/rejected' + range)]);
    const details = el('pre', { id: 'report-details', class: 'muted' }, 'Choose a report to see it whole.');
    const show = kind => guarded(async row => {
      details.textContent = JSON.stringify(await api('/mailsec/' + kind + '-reports/' + row.id), null, 2);
    });
    const rejected = () => [
      { title: 'received', value: r => r.received }, { title: 'from', value: r => r.from },
      { title: 'subject', value: r => r.subject }, { title: 'why', value: r => r.reason }];
    return [
      el('p', {}, 'Reports whose period ends ', choose),
      section('TLS reports received', table('tls-reports-table', [
        { title: 'organization', value: r => r.organization }, { title: 'policy domain', value: r => r.policyDomain },
        { title: 'begin', value: r => r.begin }, { title: 'end', value: r => r.end },
        { title: 'success', value: r => number(r.success), number: true },
        { title: 'failure', value: r => number(r.failure), number: true, className: r => r.failure ? 'status-error' : '' },
        { title: 'authenticated', value: r => r.authenticated ? 'yes' : 'no' }], tls, show('tls'))),
      section('DMARC aggregate reports received', table('dmarc-reports-table', [
        { title: 'organization', value: r => r.organization }, { title: 'domain', value: r => r.domain },
        { title: 'begin', value: r => r.begin }, { title: 'end', value: r => r.end },
        { title: 'messages', value: r => number(r.messages), number: true },
        { title: 'DMARC pass', value: r => number(r.dmarcPass), number: true },
        { title: 'authenticated', value: r => r.authenticated ? 'yes' : 'no' }], dmarc, show('dmarc'))),
      section('Report details', details),
      section('Refused report mails and posts', table('tls-rejected-table', rejected(), tlsRejected),
        table('dmarc-rejected-table', rejected(), dmarcRejected))
    ];
  },

  async evaluations() {
    const summaries = await api('/mailsec/dmarc-evaluations');
    const rows = el('div', { id: 'evaluation-rows' });
    const show = guarded(async s => {
      const evaluations = await api('/mailsec/dmarc-evaluations/' + encodeURIComponent(s.policyDomain));
      rows.replaceChildren(table('evaluations-of-domain', [
        { title: 'evaluated', value: e => e.evaluated }, { title: 'source IP', value: e => e.sourceIp },
        { title: 'header from', value: e => e.headerFrom }, { title: 'disposition', value: e => e.disposition },
        { title: 'DKIM aligned pass', value: e => e.alignedDkimPass ? 'yes' : 'no' },
        { title: 'SPF aligned pass', value: e => e.alignedSpfPass ? 'yes' : 'no' },
        { title: 'override', value: e => (e.overrideReasons || []).map(r => r.type).join(', ') }], evaluations));
    });
    return [section('DMARC evaluations of received mail, waiting for their aggregate reports',
      table('evaluations-table', [
        { title: 'policy domain', value: s => s.policyDomain },
        { title: 'evaluations', value: s => number(s.evaluations), number: true },
        { title: 'dispositions', value: s => Object.entries(s.dispositions || {}).map(e => e[0] + ' ' + e[1]).join(', ') },
        { title: 'optional', value: s => number(s.optional), number: true },
        { title: 'report will be sent', value: s => s.reportWillBeSent ? 'yes' : 'no' }], summaries, show),
      rows)];
  },

  async policies() {
    const policies = await api('/mailsec/mta-sts/policies');
    return [section('MTA-STS policies cached for delivery', table('policies-table', [
      { title: 'domain', value: p => p.domain }, { title: 'mode', value: p => p.mode }, { title: 'record id', value: p => p.recordId },
      { title: 'valid until', value: p => p.validUntil }, { title: 'fetched', value: p => p.fetched },
      { title: 'last used', value: p => p.lastUsed }, { title: 'backoff', value: p => p.backoff ? 'yes' : 'no' }], policies))];
  },

  async suppressions() {
    const [tls, dmarc] = await Promise.all([api('/mailsec/suppressions/tls'), api('/mailsec/suppressions/dmarc')]);
    const path = (kind, address) => '/mailsec/suppressions/' + kind + '/' + encodeURIComponent(address);
    const put = (kind, address, until, comment) => api(path(kind, address), {
      method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ until, comment })
    });
    const actions = kind => s => el('span', {},
      el('button', { type: 'button', class: 'extend', onclick: guarded(async () => {
        await put(kind, s.address, new Date(Math.max(Date.parse(s.until), Date.now()) + 30 * 86400000).toISOString(), s.comment);
        render();
      }) }, '+30 days'), ' ',
      el('button', { type: 'button', class: 'remove', onclick: guarded(async () => {
        await api(path(kind, s.address), { method: 'DELETE' });
        render();
      }) }, 'remove'));
    const list = (kind, rows) => table('suppressions-' + kind, [
      { title: 'address', value: s => s.address }, { title: 'since', value: s => s.since }, { title: 'until', value: s => s.until },
      { title: 'why', value: s => s.comment }, { title: '', value: actions(kind) }], rows);
    const kind = el('select', { id: 'suppress-kind', name: 'kind' }, el('option', { value: 'tls' }, 'TLS reports'),
      el('option', { value: 'dmarc' }, 'DMARC reports'));
    const address = el('input', { id: 'suppress-address', name: 'address', required: true, placeholder: 'tlsrpt@example.com' });
    const days = el('input', { id: 'suppress-days', name: 'days', type: 'number', min: 1, max: 3650, value: 30 });
    const comment = el('input', { id: 'suppress-comment', name: 'comment', maxlength: 500 });
    const form = el('form', { id: 'suppress-form', class: 'inline', onsubmit: async e => {
      e.preventDefault();
      try {
        await put(kind.value, address.value.trim(), new Date(Date.now() + Number(days.value) * 86400000).toISOString(), comment.value);
        render();
      } catch (error) {
        showError(error);
      }
    } }, el('label', {}, 'reports', kind), el('label', {}, 'address', address), el('label', {}, 'days', days),
    el('label', {}, 'why', comment), el('button', { type: 'submit' }, 'Suppress'));
    return [
      section('Add a suppression: no reports of that kind to this address until then', form),
      section('No TLS reports to', list('tls', tls)),
      section('No DMARC reports to', list('dmarc', dmarc))];
  },

  async check(argument) {
    const domain = decodeURIComponent(argument || '');
    const input = el('input', { id: 'check-domain', value: domain, placeholder: 'example.com', required: true });
    const form = el('form', { id: 'check-form', class: 'inline', onsubmit: e => {
      e.preventDefault();
      location.hash = 'check/' + encodeURIComponent(input.value.trim());
    } }, el('label', {}, 'domain', input), el('button', { type: 'submit' }, 'Check'),
    el('button', { type: 'button', id: 'check-all', onclick: () => { location.hash = 'check/*'; } }, 'Check every James domain'));
    if (!domain) {
      return [section('Domain check', form, el('p', { class: 'muted' },
        'What senders find: MX, STARTTLS on each MX host, DANE, MTA-STS, TLSRPT, DMARC, SPF. Up to 30 s.'))];
    }
    if (domain === '*') {
      const all = await api('/mailsec/domains/check');
      return [section('Domain check', form, table('check-all-table', [
        { title: 'domain', value: c => c.domain }, { title: 'status', value: c => c.status, className: c => statusCell(c.status) },
        { title: 'errors', value: c => number(c.errors.length), number: true },
        { title: 'warnings', value: c => number(c.warnings.length), number: true }], all,
      c => { location.hash = 'check/' + encodeURIComponent(c.domain); }))];
    }
    const result = await api('/mailsec/domains/' + encodeURIComponent(domain) + '/check');
    let records = null;
    try {
      records = await api('/mailsec/domains/' + encodeURIComponent(domain) + '/records');
    } catch (error) {
      if (error.status !== 404) {
        throw error;
      }
    }
    const findings = items => items.length ? el('ul', { class: 'findings' }, items.map(i => el('li', {}, i))) : '';
    return [
      section('Domain check of ' + result.domain, form,
        el('p', {}, 'Overall: ', el('span', { id: 'check-status', class: statusCell(result.status) }, result.status),
          el('span', { class: 'muted' }, ' (checked ' + result.checked + ')')),
        table('check-parts', [
          { title: 'part', value: p => p.name }, { title: 'of', value: p => p.subject },
          { title: 'status', value: p => p.status, className: p => statusCell(p.status) },
          { title: 'errors', value: p => findings(p.errors), className: () => 'status-error' },
          { title: 'warnings', value: p => findings(p.warnings), className: () => 'status-warning' },
          { title: 'to publish', value: p => findings(p.instructions) }], result.parts)),
      section('DNS records to publish', records
        ? el('pre', { id: 'records' }, records.zone)
        : el('p', { class: 'muted', id: 'records' }, domain + ' is not one of James\'s domains: see "to publish" above.'))];
  }
};

// --- the frame -------------------------------------------------------------------------------------------------------

function showError(error) {
  const banner = document.getElementById('error');
  banner.textContent = error instanceof ApiError ? error.message : 'error: ' + error;
  banner.hidden = false;
}

/** An event handler whose failures show in the banner instead of escaping. */
function guarded(handler) {
  return async (...args) => {
    try {
      await handler(...args);
    } catch (error) {
      showError(error);
    }
  };
}

/** Counts renders: a page still loading when another is asked for (a slow domain check) is dropped when it ends. */
let renderCount = 0;

async function render() {
  const mine = ++renderCount;
  const [name, ...rest] = (location.hash.replace(/^#/, '') || 'overview').split('/');
  const page = Object.prototype.hasOwnProperty.call(pages, name) ? name : 'overview';
  document.getElementById('error').hidden = true;
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('active', link.getAttribute('href') === '#' + page);
  }
  const main = document.getElementById('page');
  main.setAttribute('data-page', page);
  main.setAttribute('data-loaded', 'false');
  charts.splice(0).forEach(c => c.destroy());
  pendingCharts.splice(0);
  try {
    const content = await pages[page](rest.join('/'));
    if (mine !== renderCount) {
      return;
    }
    main.replaceChildren(...content);
    // Only this page's canvases: an abandoned render may have queued charts of its own.
    for (const { canvas, config } of pendingCharts.splice(0).filter(pending => pending.canvas.isConnected)) {
      charts.push(new Chart(canvas, Object.assign({ options: { maintainAspectRatio: false, animation: false } }, config)));
    }
  } catch (error) {
    if (mine !== renderCount) {
      return;
    }
    main.replaceChildren();
    showError(error);
  }
  main.setAttribute('data-loaded', 'true');
}

document.getElementById('token-form').addEventListener('submit', e => {
  e.preventDefault();
  sessionStorage.setItem('mailsec.token', document.getElementById('token').value.trim());
  render();
});
window.addEventListener('hashchange', render);
render();
