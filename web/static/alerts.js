// The alert feed: newest first, coloured by severity, filtered by type and grid, acknowledged
// per display (kept in localStorage: the server has no shared acknowledgement), and a click
// flies the map to the alert's road, inspector or camera.

import { clear, el, hms, isoDate } from './dom.js';
import { label, t } from './i18n.js';

const KEEP = 2000; // alerts kept in memory
const SHOW = 300; // alert rows in the list at once
const ACK_KEY = 'gridwatch.acked';
export const ALERT_TYPES = ['coverage_behind', 'road_unvisited', 'road_missed', 'signal_lost', 'idle',
  'off_grid', 'too_fast', 'motion', 'spill', 'camera_offline'];
const SEVERITIES = new Set(['info', 'warning', 'critical']);

// /ws/live spreads the alert into an event whose own "type" is "alert"; the alert's type then
// comes as alert_type, or else from its id, which starts with it ("too_fast:device:x:ts").
export function alertFromEvent(ev) {
  const type = typeof ev.alert_type === 'string' ? ev.alert_type : String(ev.id ?? '').split(':')[0];
  return { ...ev, type };
}

function loadAcked() {
  try {
    const ids = JSON.parse(localStorage.getItem(ACK_KEY) || '[]');
    return new Set(Array.isArray(ids) ? ids.filter((x) => typeof x === 'string') : []);
  } catch { return new Set(); }
}

export class AlertFeed {
  constructor({ gridOf, subjectLabel, onPick, onChange, today }) {
    Object.assign(this, { gridOf, subjectLabel, onPick, onChange, today });
    this.byId = new Map();
    this.order = []; // newest first
    this.acked = loadAcked();
    this.list = document.getElementById('alert-list');
    this.empty = document.getElementById('alert-empty');
    this.typeSel = document.getElementById('f-type');
    this.gridSel = document.getElementById('f-grid');
    this.showAcked = document.getElementById('f-acked');
    this.typeSel.addEventListener('change', () => this.render());
    this.gridSel.addEventListener('change', () => this.render());
    this.showAcked.addEventListener('change', () => this.render());
    document.getElementById('ack-all').addEventListener('click', () => this.ackVisible());
    this.grids = [];
    this.fillFilters();
  }

  setGrids(grids) { this.grids = grids; this.fillFilters(); }

  fillFilters() {
    const keepType = this.typeSel.value; const keepGrid = this.gridSel.value;
    clear(this.typeSel).append(el('option', { value: '', text: t('alerts.all_types') }),
      ...ALERT_TYPES.map((k) => el('option', { value: k, text: label('type', k) })));
    clear(this.gridSel).append(el('option', { value: '', text: t('alerts.all_grids') }),
      ...this.grids.map((g) => el('option', { value: g.id, text: g.name || g.id })));
    this.typeSel.value = keepType; this.gridSel.value = keepGrid;
  }

  // A raised alert (REST row or live event already passed through alertFromEvent); call
  // render() after a batch.
  add(raw, fresh = false) {
    if (!raw || typeof raw.id !== 'string') return;
    const old = this.byId.get(raw.id);
    const a = {
      id: raw.id, type: String(raw.type ?? ''), ts: Number(raw.ts) || 0,
      severity: SEVERITIES.has(raw.severity) ? raw.severity : 'info',
      subject: raw.subject && typeof raw.subject === 'object' ? raw.subject : {},
      message: String(raw.message ?? ''), details: raw.details ?? {},
      cleared_ts: raw.cleared_ts ?? old?.cleared_ts ?? null,
    };
    a.grid = raw.grid ?? this.gridOf(a.subject);
    this.byId.set(a.id, a);
    if (!old) {
      let at = 0; // usually 0: live alerts arrive newest last
      while (at < this.order.length && this.order[at].ts > a.ts) at++;
      this.order.splice(at, 0, a);
      if (this.order.length > KEEP) for (const gone of this.order.splice(KEEP)) this.byId.delete(gone.id);
    } else {
      this.order[this.order.indexOf(old)] = a;
    }
    if (fresh) a.fresh = true; // the caller renders once per batch of events
  }

  cleared(ev) {
    const a = this.byId.get(ev.id);
    if (!a) return;
    a.cleared_ts = Number(ev.ts) || Date.now() / 1000;
    const row = this.list.querySelector(`li[data-id="${CSS.escape(a.id)}"]`);
    if (row) row.replaceWith(this.row(a));
    this.changed();
  }

  visible(a) {
    if (this.typeSel.value && a.type !== this.typeSel.value) return false;
    if (this.gridSel.value && a.grid !== this.gridSel.value) return false;
    return this.showAcked.checked || !this.acked.has(a.id);
  }

  render() {
    const rows = [];
    for (const a of this.order) {
      if (!this.visible(a)) continue;
      rows.push(this.row(a));
      a.fresh = false;
      if (rows.length >= SHOW) break;
    }
    this.list.replaceChildren(...rows);
    this.empty.hidden = rows.length > 0;
    this.changed();
  }

  row(a) {
    const acked = this.acked.has(a.id);
    const li = el('li', { class: `alert sev-${a.severity}${acked ? ' acked' : ''}${a.cleared_ts ? ' cleared' : ''}${a.fresh ? ' fresh' : ''}`,
      dataset: { id: a.id, type: a.type }, tabindex: '0',
      onclick: () => this.onPick(a), onkeydown: (e) => { if (e.key === 'Enter') this.onPick(a); } },
    el('div', { class: 'a-head' },
      el('span', { class: 'a-sev', text: label('sev', a.severity) }),
      el('span', { class: 'a-type', text: label('type', a.type) }),
      el('time', { text: this.when(a.ts) })),
    el('div', { class: 'a-subject', text: this.subjectLabel(a.subject) }),
    el('div', { class: 'a-msg', text: a.message }),
    el('div', { class: 'a-foot' },
      a.cleared_ts ? el('span', { class: 'tag', text: `${t('alerts.cleared')} ${this.when(a.cleared_ts)}` }) : null,
      acked ? el('span', { class: 'tag', text: t('alerts.acked') })
        : el('button', { type: 'button', class: 'btn small ack', text: t('alerts.ack'),
          onclick: (e) => { e.stopPropagation(); this.ack([a.id]); } })));
    return li;
  }

  // Time of day for today's alerts; the date too for older ones.
  when(ts) {
    const day = isoDate(ts);
    return day === this.today() ? hms(ts) : `${day} ${hms(ts)}`;
  }

  ack(ids) {
    for (const id of ids) this.acked.add(id);
    const keep = [...this.acked].slice(-5000);
    localStorage.setItem(ACK_KEY, JSON.stringify(keep));
    this.render();
  }

  ackVisible() { this.ack(this.order.filter((a) => this.visible(a)).map((a) => a.id)); }

  openCount() {
    let n = 0;
    for (const a of this.order) if (!a.cleared_ts && !this.acked.has(a.id)) n++;
    return n;
  }

  newestTs() { return this.order.length ? this.order[0].ts : 0; }

  changed() { if (this.onChange) this.onChange(this.openCount()); }
}
