// The operator page: registrations, active calls, media nodes and recent
// CDRs from wsgw's read-only JSON API (docs/admin.md), refreshed every 2 s.
// The browser already holds the admin credentials (the page itself is
// behind HTTP Basic authentication) and sends them with each fetch.
// Every value is shown through textContent (dom.js): what the API returns
// comes partly from strangers (From, To, User-Agent).
import { el, setText, show } from './dom.js';

const REFRESH_MS = 2000;
const $ = (id) => document.getElementById(id);

function fmtTime(ms) {
  return ms ? new Date(ms).toLocaleTimeString() : '';
}

function fmtSpan(ms) {
  if (ms === null || ms === undefined) return '';
  const s = Math.max(0, Math.round(ms / 1000));
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm}:${ss}` : `${mm}:${ss}`;
}

// "sip:alice@example.com" -> "alice@example.com"; display names kept.
function short(uri) {
  return uri ? String(uri).replace(/<?sips?:([^>;]*)[^>]*>?/, '$1') : '';
}

// A load bar: the width is set through CSSOM, which the page's
// Content-Security-Policy (no inline styles) allows.
function bar(used, max, label = `${used} / ${max || '?'}`) {
  const frac = max > 0 ? Math.min(1, used / max) : 0;
  const fill = el('span');
  fill.style.width = `${Math.round(frac * 100)}%`;
  const b = el('span', { class: 'bar', role: 'img',
    'aria-label': `${Math.round(frac * 100)} percent`,
    'data-level': frac >= 0.95 ? 'full' : frac >= 0.75 ? 'high' : 'ok' }, fill);
  return el('span', {}, b, label);
}

function fill(tableId, rows, empty, cols) {
  const body = $(tableId).tBodies[0];
  const out = rows.map((r) => el('tr', {}, ...cols(r).map((c) => el('td', {}, c))));
  if (!out.length) out.push(el('tr', {}, el('td', { class: 'empty', colspan: $(tableId).tHead.rows[0].cells.length }, empty)));
  body.replaceChildren(...out);
}

function count(id, shown, total, truncated) {
  setText($(id), truncated || total > shown ? `(${shown} of ${total})` : `(${total})`);
}

const views = {
  nodes(d) {
    count('nodes-count', d.nodes.length, d.total);
    d.nodes.sort((a, b) => String(a.node).localeCompare(String(b.node)));
    fill('nodes', d.nodes, 'No media node is sending heartbeats.', (n) => [
      n.node, n.ip, String(n.sessions ?? ''), bar(n.sessions || 0, n.max_sessions || 0),
      typeof n.cpu === 'number' ? bar(n.cpu, 1, `${Math.round(n.cpu * 100)}% of a core`) : '',
      `${n.transcoded ?? 0} / ${n.max_transcode ?? '?'}`, String(n.free_ports ?? ''),
      n.draining ? 'draining' : 'up']);
  },
  calls(d) {
    count('calls-count', d.calls.length, d.total, d.truncated);
    const now = Date.now();
    fill('calls', d.calls, 'No calls.', (c) => [
      short(c.from), short(c.to), c.dir, c.state,
      `${c.codec_web || '-'} / ${c.codec_sip || '-'}`,
      c.answered ? fmtSpan(now - c.answered) : c.started ? `ringing ${fmtSpan(now - c.started)}` : '',
      c.node, c.b2bua]);
  },
  registrations(d) {
    count('regs-count', d.bindings.length, d.total, d.truncated);
    fill('regs', d.bindings, 'Nobody is registered.', (b) => [
      b.aor, b.contact, b.src_ip, b.ua, b.edge, fmtSpan((b.expires || 0) * 1000)]);
  },
  cdrs(d) {
    count('cdrs-count', d.cdrs.length, d.total);
    fill('cdrs', d.cdrs, 'No call has ended yet.', (c) => [
      fmtTime(c.end), short(c.from), short(c.to), c.direction, fmtSpan(c.duration_ms),
      c.setup_ms === null ? '' : `${c.setup_ms} ms`,
      `${c.codec_web || '-'} / ${c.codec_sip || '-'}${c.transcoded ? ' (transcoded)' : ''}`,
      c.sip_status ? `${c.end_reason} (${c.sip_status})` : c.end_reason]);
  },
};

async function load(name) {
  const r = await fetch(`/api/${name}`, { credentials: 'same-origin', cache: 'no-store' });
  if (r.status === 401) throw new Error('Signed out: reload the page and enter the admin password.');
  if (r.status === 429) throw new Error('Too many failed logins from this address: wait a minute.');
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(`${name}: ${body.error || r.status}`);
  views[name](body);
}

async function refresh() {
  const results = await Promise.allSettled(Object.keys(views).map(load));
  const failed = results.filter((x) => x.status === 'rejected').map((x) => x.reason.message);
  setText($('error'), [...new Set(failed)].join(' '));
  show($('error'), failed.length > 0);
  const st = $('status');
  st.dataset.state = failed.length ? 'error' : 'ok';
  setText(st, failed.length ? 'Problem' : 'Live');
  setText($('updated'), `Updated ${new Date().toLocaleTimeString()}.`);
  document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
}

async function loop() {
  await refresh();
  setTimeout(loop, REFRESH_MS);
}

loop();
