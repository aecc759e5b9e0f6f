// Tiny DOM helpers. Text always goes in through textContent, never as
// HTML, so anything that came from the network (a caller's name, a SIP
// reason phrase) is shown as text and cannot inject markup.

// el('button', { type: 'button', class: 'x', onclick: fn }, 'text', child)
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function setText(e, text) {
  e.textContent = text === undefined || text === null ? '' : String(text);
}

export function show(e, on = true) {
  e.hidden = !on;
}

// "mm:ss" (or "h:mm:ss") since t0 (ms).
export function elapsed(t0, now = Date.now()) {
  const s = Math.max(0, Math.floor((now - t0) / 1000));
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm}:${ss}` : `${mm}:${ss}`;
}
