// The top bar's finder: type part of a road, inspector or camera name or id, pick a match.

import { el } from './dom.js';
import { t } from './i18n.js';

const LIMIT = 12;

export class Search {
  // candidates(): [{kind: 'road'|'device'|'camera', id, name}]; onPick(item)
  constructor(candidates, onPick) {
    this.input = document.getElementById('search');
    this.list = document.getElementById('search-results');
    this.candidates = candidates;
    this.onPick = onPick;
    this.input.addEventListener('input', () => this.update());
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') { const first = this.list.querySelector('li'); if (first) first.click(); }
      if (e.key === 'Escape') this.close();
    });
    this.input.addEventListener('blur', () => setTimeout(() => this.close(), 200));
  }

  update() {
    const q = this.input.value.trim().toLowerCase();
    if (!q) { this.close(); return; }
    const hits = [];
    for (const item of this.candidates()) {
      const name = String(item.name ?? ''); const id = String(item.id);
      if (name.toLowerCase().includes(q) || id.toLowerCase().includes(q)) hits.push(item);
      if (hits.length >= LIMIT) break;
    }
    const icon = { road: t('detail.road'), device: t('detail.inspector'), camera: t('detail.camera') };
    this.list.replaceChildren(...hits.map((item) => el('li', {
      onmousedown: (e) => e.preventDefault(),
      onclick: () => { this.close(); this.input.value = ''; this.onPick(item); } },
    el('span', { class: 'kind', text: icon[item.kind] }), el('span', { text: item.name || item.id }),
    item.name && item.name !== item.id ? el('small', { text: item.id }) : null)));
    this.list.hidden = hits.length === 0;
  }

  close() { this.list.hidden = true; }
}
