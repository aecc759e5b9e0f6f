// A DTMF dial pad: twelve buttons; onTone(tone) for each press. Keyboard
// digits typed while the pad has focus are sent too.
import { el } from './dom.js';

const KEYS = [['1', ''], ['2', 'ABC'], ['3', 'DEF'], ['4', 'GHI'], ['5', 'JKL'], ['6', 'MNO'],
  ['7', 'PQRS'], ['8', 'TUV'], ['9', 'WXYZ'], ['*', ''], ['0', '+'], ['#', '']];

export function dialpad(onTone, { label = 'Dial pad' } = {}) {
  const pad = el('div', { class: 'dialpad', role: 'group', 'aria-label': label });
  for (const [k, sub] of KEYS) {
    pad.append(el('button', { type: 'button', class: 'key', 'data-tone': k, 'aria-label': `tone ${k}`,
      onclick: () => onTone(k) }, k, el('small', { 'aria-hidden': 'true' }, sub)));
  }
  pad.addEventListener('keydown', (e) => {
    if (/^[0-9*#]$/.test(e.key)) { e.preventDefault(); onTone(e.key); }
  });
  return pad;
}
