// The 案件 (Cases) tab: queues by state with counts and overdue colours, the cases of a queue
// (also drawn on the map), and one case: its fields, clock, photos, spill evidence, flow log
// and the actions the signed-in role may take now (the server's `allowed`). A department
// token sees only its own cases: the server answers so; the page calls it the inbox.
// Everything from the server goes in as text (dom.js el()).

import { getBlobURL, getJSON, query, send } from './api.js';
import { CameraView } from './camera.js';
import { clear, el, hm, isoDate, toast } from './dom.js';
import { bilingual, label, t, tf } from './i18n.js';

export const CLOCK_COLORS = { green: '#22c55e', yellow: '#eab308', red: '#ef4444', none: '#a78bfa' };
const LIST_PAGE = 100; // cases fetched at first; "more" adds as many again
// The queue each desk works from when the tab opens.
const HOME_QUEUE = { operator: 'reported', dispatcher: 'opened', department: 'dispatched' };
// What each guard asks for before the action is sent (cases/flow.py Guard).
const GUARD_FIELDS = {
  none: [], reason: ['reason'], department: ['department'], photo: ['photo'],
  check_result: ['passed', 'photo'], check_passed: [], extension: ['hours', 'reason'],
};

function stamp(ts) { return ts == null ? '–' : `${isoDate(ts)} ${hm(ts)}`; }

function field(name, value) {
  return el('div', { class: 'field' }, el('span', { class: 'k', text: name }),
    el('span', { class: 'v', text: value ?? '–' }));
}

export class CaseDesk {
  // who: /api/v1/whoami; map: CityMap; gridName(id); failed(err)
  constructor({ who, map, gridName, failed }) {
    Object.assign(this, { who, map, gridName, failed });
    this.role = who.base;
    this.queue = HOME_QUEUE[this.role] || 'all';
    this.limit = LIST_PAGE;
    this.cases = [];
    this.current = null; // the case shown in detail
    this.conflict = null; // the 409 message to show above the case
    this.urls = [];
    this.evidence = new CameraView();
    this.markers = new Map(); // case id -> circle marker
    this.box = {
      queues: document.getElementById('case-queues'), list: document.getElementById('case-list'),
      empty: document.getElementById('case-empty'), total: document.getElementById('case-total'),
      listing: document.getElementById('case-listing'), detail: document.getElementById('case-detail'),
      overdue: document.getElementById('case-overdue'), title: document.getElementById('case-title'),
      badge: document.getElementById('case-badge'), role: document.getElementById('case-role'),
    };
    this.box.overdue.addEventListener('change', () => this.reload());
    this.box.entry = document.getElementById('case-entry');
    this.box.newButton = document.getElementById('case-new');
    // Hotline calls (12319) are entered by the supervision centre's operators.
    this.box.newButton.hidden = !['operator', 'admin'].includes(this.role);
    this.box.newButton.addEventListener('click', () => this.hotlineForm());
    const L = window.L;
    this.layer = L.layerGroup().addTo(map.map);
  }

  async start() {
    this.catalog = await getJSON('/api/v1/cases/catalog');
    this.classes = new Map(this.catalog.classes.map((c) => [c.code, c]));
    this.departments = new Map(this.catalog.departments.map((d) => [d.id, d.name]));
    this.flow = new Map(this.catalog.flow.map((f) => [`${f.state}:${f.action}`, f]));
    this.relabel();
    await this.reload();
  }

  departmentName(id) { return id ? bilingual(this.departments.get(id) || id) : '–'; }

  className(code) {
    const c = this.classes?.get(code);
    return c ? `${code} ${bilingual(c.name)}` : String(code ?? '–');
  }

  relabel() {
    const inbox = this.role === 'department';
    this.box.title.textContent = inbox ? `${t('cases.inbox')} · ${this.departmentName(this.who.subject)}`
      : t('cases.title');
    this.box.role.textContent = label('role', this.role);
    if (this.data) this.renderQueues();
    this.renderList();
    if (this.current) this.renderDetail(this.current);
  }

  // -- the queues and the list ---------------------------------------------------------------

  async reload() {
    const states = this.queue === 'all' ? null : this.queue;
    const asked = (this.asked || 0) + 1; // an older answer landing late must not win
    this.asked = asked;
    const data = await getJSON(`/api/v1/cases${query({ state: states, limit: this.limit,
      overdue: this.box.overdue.checked ? 1 : null })}`);
    if (asked !== this.asked) return;
    const before = new Set(this.cases.map((c) => c.id));
    this.fresh = this.cases.length ? new Set(data.cases.filter((c) => !before.has(c.id)).map((c) => c.id)) : new Set();
    this.data = data;
    this.cases = data.cases;
    this.renderQueues();
    this.renderList();
    this.drawMarkers();
  }

  reloadSoon() {
    if (this.reloadTimer) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      this.reload().catch((e) => this.failed(e));
    }, 150);
  }

  renderQueues() {
    const { counts = {}, overdue = {} } = this.data || {};
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const chip = (id, name, n, late) => el('button', {
      type: 'button', role: 'tab', class: `queue${this.queue === id ? ' active' : ''}`,
      dataset: { state: id },
      onclick: () => {
        Object.assign(this, { queue: id, limit: LIST_PAGE, cases: [] }); // another queue: nothing "new"
        this.closeDetail();
        this.reload().catch((e) => this.failed(e));
      },
    }, el('span', { text: name }), el('b', { class: 'n', text: String(n) }),
    late ? el('b', { class: 'late', title: tf('cases.overdue_n', { n: late }), text: String(late) }) : null);
    const states = (this.catalog?.states || []).map((s) => s.id);
    clear(this.box.queues).append(chip('all', t('cases.all'), total, 0),
      ...states.map((s) => chip(s, label('cstate', s), counts[s] || 0, overdue[s] || 0)));
    const home = HOME_QUEUE[this.role];
    const waiting = home ? counts[home] || 0 : Object.values(overdue).reduce((a, b) => a + b, 0);
    this.box.badge.textContent = waiting ? String(waiting) : '';
  }

  renderList() {
    const list = clear(this.box.list);
    this.box.empty.hidden = this.cases.length > 0;
    this.box.total.textContent = this.data ? tf('cases.total', { n: this.data.total }) : '';
    for (const c of this.cases) {
      const colour = c.clock?.colour || 'none';
      list.append(el('li', {
        class: `case-row c-${colour}${this.fresh?.has(c.id) ? ' fresh' : ''}`, tabindex: '0',
        dataset: { id: String(c.id), state: c.state },
        onclick: () => this.open(c.id).catch((e) => this.failed(e)),
        onkeydown: (e) => { if (e.key === 'Enter') this.open(c.id).catch((err) => this.failed(err)); },
      },
      el('div', { class: 'c-head' }, el('b', { text: `#${c.id}` }), el('span', { class: 'c-class', text: this.className(c.class) }),
        el('span', { class: `c-state s-${c.state}`, text: label('cstate', c.state) })),
      el('div', { class: 'c-sub' },
        el('span', { text: c.grid ? this.gridName(c.grid) : '–' }), ' · ',
        el('span', { text: this.departmentName(c.department || c.suggested_department) }), ' · ',
        el('span', { text: label('source', c.source) }),
        el('time', { text: c.clock?.due_ts ? `${t('case.due')} ${stamp(c.clock.due_ts)}` : stamp(c.created_ts) }))));
    }
    if (this.data && this.data.total > this.cases.length && this.cases.length >= this.limit) {
      list.append(el('li', { class: 'more' }, el('button', { type: 'button', class: 'btn ghost small', id: 'case-more',
        text: tf('cases.more', { shown: this.cases.length, total: this.data.total }),
        onclick: () => { this.limit += LIST_PAGE; this.reload().catch((e) => this.failed(e)); } })));
    }
  }

  drawMarkers() {
    const L = window.L;
    this.layer.clearLayers();
    this.markers.clear();
    for (const c of this.cases) {
      if (!Number.isFinite(c.lat) || !Number.isFinite(c.lon)) continue;
      const m = L.circleMarker([c.lat, c.lon], { renderer: this.map.renderer, radius: 7, weight: 2,
        color: '#f8fafc', fillColor: CLOCK_COLORS[c.clock?.colour || 'none'], fillOpacity: 1 });
      m.bindTooltip(el('span', { text: `#${c.id} ${this.className(c.class)}` }), { className: 'road-tip' });
      m.on('click', () => this.open(c.id, { fly: false }).catch((e) => this.failed(e)));
      m.addTo(this.layer);
      this.markers.set(c.id, m);
    }
  }

  showLayer(on) {
    if (on) this.layer.addTo(this.map.map); else this.layer.remove();
  }

  // A `case` event from /ws/live: the queues and list move, and the case open moves with it.
  onEvent(ev) {
    const m = this.markers.get(ev.id);
    if (m) m.setStyle({ fillColor: CLOCK_COLORS[ev.colour || 'none'] });
    this.reloadSoon();
    if (this.current && this.current.id === ev.id && ev.version > this.current.version) {
      this.open(ev.id, { fly: false, keepConflict: true }).catch((e) => this.failed(e));
    }
  }

  // -- one case ------------------------------------------------------------------------------

  closeDetail() {
    this.current = null;
    this.conflict = null;
    this.release();
    this.box.detail.hidden = true;
    this.box.listing.hidden = false;
    if (this.halo) this.halo.remove();
    this.halo = null;
  }

  release() {
    for (const url of this.urls) URL.revokeObjectURL(url);
    this.urls = [];
    this.evidence.release();
  }

  async open(id, { fly = true, keepConflict = false } = {}) {
    const c = await getJSON(`/api/v1/cases/${encodeURIComponent(id)}`);
    if (!keepConflict && (!this.current || this.current.id !== c.id)) this.conflict = null;
    this.current = c;
    this.box.listing.hidden = true;
    this.box.detail.hidden = false;
    this.renderDetail(c);
    if (fly && Number.isFinite(c.lat)) this.map.flyToPoint(c.lat, c.lon, 16);
    if (this.halo) this.halo.remove();
    this.halo = null;
    if (Number.isFinite(c.lat)) {
      // The open case, whatever the queue shown: its colour inside a white ring.
      this.halo = window.L.circleMarker([c.lat, c.lon], { renderer: this.map.renderer, radius: 11,
        color: '#ffffff', weight: 4, opacity: 0.9, fillColor: CLOCK_COLORS[c.clock?.colour || 'none'],
        fillOpacity: 1, interactive: false }).addTo(this.map.map);
    }
  }

  renderDetail(c) {
    this.release();
    const colour = c.clock?.colour;
    const photos = el('div', { class: 'case-photos' });
    const evidence = el('div', { class: 'evidence-view' });
    const check = c.check || {};
    const box = clear(this.box.detail);
    box.append(...[
      el('button', { type: 'button', class: 'btn ghost small', id: 'case-back', text: t('cases.back'),
        onclick: () => { this.closeDetail(); this.reload().catch((e) => this.failed(e)); } }),
      el('h2', {}, el('span', { class: 'kind', text: `${t('cases.title')} #${c.id}` }),
        el('span', { text: this.className(c.class) })),
      el('div', { class: 'row' },
        el('span', { class: `c-state big s-${c.state}`, id: 'case-state', text: label('cstate', c.state) }),
        colour ? el('span', { class: `clock-badge c-${colour}`, text: label('colour', colour) }) : null,
        c.urgent ? el('span', { class: 'tag warn', text: t('case.urgent') }) : null),
      this.conflict ? el('div', { class: 'conflict', role: 'alert', id: 'case-conflict', text: this.conflict }) : null,
      el('h3', { text: t('cases.actions') }), this.actionBox(c),
      el('div', { class: 'case-fields' }, ...[
        field(t('case.source'), label('source', c.source)),
        field(t('case.reporter'), c.reporter),
        field(t('case.grid'), c.grid ? this.gridName(c.grid) : '–'),
        field(t('case.road'), c.road),
        field(t('case.address'), c.address || null),
        field(t('case.description'), c.description || null),
        field(t('case.department'), this.departmentName(c.department)),
        c.department ? null : field(t('case.suggested'), this.departmentName(c.suggested_department)),
        field(t('case.created'), stamp(c.created_ts)),
        field(t('case.due'), c.clock?.paused_left_s != null
          ? tf('case.paused', { h: (c.clock.paused_left_s / 3600).toFixed(1) }) : stamp(c.clock?.due_ts)),
        c.component ? field(t('case.component'), c.component) : null,
        c.assignee ? field(t('case.assignee'), c.assignee) : null,
        c.camera ? field(t('case.camera'), c.camera) : null,
        field(t('case.rework'), String(c.rework_count ?? 0)),
        check.presence ? field(t('case.presence'), `${label('presence', check.presence)}${check.inspector ? ` · ${check.inspector}` : ''}`) : null,
      ].filter(Boolean)),
      el('div', { class: 'row' }, Number.isFinite(c.lat) ? el('button', { type: 'button', class: 'btn small',
        text: t('cases.fly'), onclick: () => this.map.flyToPoint(c.lat, c.lon) }) : null),
      el('h3', { text: t('cases.photos') }), photos,
      c.evidence ? el('h3', { text: t('cases.evidence') }) : null, c.evidence ? evidence : null,
      el('h3', { text: t('cases.timeline') }), this.timeline(c)].filter(Boolean));
    this.showPhotos(photos, c).catch((e) => this.failed(e));
    if (c.evidence?.evidence) {
      this.evidence.viewer = evidence;
      this.evidence.showEvidence(String(c.evidence.evidence)).catch((e) => {
        evidence.append(el('p', { class: 'muted', text: String(e.message || e) }));
      });
    }
  }

  async showPhotos(box, c) {
    const list = c.photos || [];
    if (!list.length) { box.append(el('p', { class: 'muted', text: t('cases.no_photos') })); return; }
    const shown = c;
    for (const p of list) {
      const url = await getBlobURL(p.url || `/api/v1/cases/photos/${encodeURIComponent(p.sha256)}`);
      if (this.current !== shown) { URL.revokeObjectURL(url); return; }
      this.urls.push(url);
      box.append(el('a', { href: url, target: '_blank', rel: 'noopener', class: 'thumb' },
        el('img', { src: url, alt: `${t('cases.photos')} ${p.seq ?? ''}` })));
    }
  }

  timeline(c) {
    const log = (c.log || []).slice().sort((a, b) => a.seq - b.seq);
    return el('ol', { class: 'flow-log', id: 'case-log' }, ...log.map((e) => el('li', { dataset: { action: e.action } },
      el('time', { text: stamp(e.ts) }),
      el('b', { text: label('action', e.action) }),
      e.to ? el('span', { class: 'muted', text: `${e.from ? label('cstate', e.from) : '∅'} → ${label('cstate', e.to)}` }) : null,
      el('span', { class: 'actor', text: e.actor }),
      e.reason ? el('div', { class: 'why', text: `${t('cases.reason')}: ${e.reason}` }) : null,
      e.note ? el('div', { class: 'why', text: e.note }) : null,
      e.details?.department ? el('div', { class: 'why', text: `${t('case.department')}: ${this.departmentName(e.details.department)}` }) : null,
      e.details?.presence ? el('div', { class: 'why', text: `${t('case.presence')}: ${label('presence', e.details.presence)}` }) : null,
      e.photos?.length ? el('span', { class: 'tag photos-n', text: `${t('cases.photos')} ${e.photos.length}` }) : null)));
  }

  // -- a hotline call -------------------------------------------------------------------------

  hotlineForm() {
    const form = this.box.entry;
    const L = window.L;
    const cls = el('select', { name: 'class' });
    for (const c of this.catalog.classes) cls.append(el('option', { value: c.code, text: this.className(c.code) }));
    const where = el('span', { class: 'muted', id: 'entry-where', text: t('cases.pick') });
    const text = (name, key) => el('label', { class: 'form-row' }, el('span', { text: t(key) }),
      el('input', { type: 'text', name, maxlength: '400' }));
    let at = null;
    const pin = (e) => {
      at = e.latlng;
      if (this.pin) this.pin.remove();
      this.pin = L.circleMarker(at, { renderer: this.map.renderer, radius: 9, color: '#ffffff', weight: 3,
        fillColor: CLOCK_COLORS.none, fillOpacity: 1, interactive: false }).addTo(this.map.map);
      where.textContent = `${t('cases.picked')} (${at.lat.toFixed(5)}, ${at.lng.toFixed(5)})`;
    };
    const close = () => {
      form.hidden = true;
      this.map.map.off('click', pin);
      if (this.pin) this.pin.remove();
      this.pin = null;
    };
    this.map.map.on('click', pin);
    clear(form).append(el('b', { text: t('cases.hotline') }),
      el('label', { class: 'form-row' }, el('span', { text: t('case.class') }), cls), where,
      text('address', 'case.address'), text('description', 'case.description'), text('caller', 'cases.caller'),
      el('div', { class: 'row' },
        el('button', { type: 'button', class: 'btn small', id: 'entry-submit', text: t('cases.submit'), onclick: async () => {
          if (!at) { toast(t('cases.pick')); return; }
          const value = (name) => form.querySelector(`input[name=${name}]`).value.trim();
          const body = { source: 'hotline', class: cls.value, lon: at.lng, lat: at.lat,
            address: value('address'), description: value('description'), caller: value('caller') || null };
          const { status, body: answer } = await send('POST', '/api/v1/cases', body);
          if (status !== 201 && status !== 200) { toast(t('cases.refused') + String(answer?.error || `HTTP ${status}`)); return; }
          close();
          toast(tf('cases.created', { id: answer.id }), true);
          this.queue = 'reported';
          await this.reload();
          await this.open(answer.id, { fly: false });
        } }),
        el('button', { type: 'button', class: 'btn ghost small', text: t('cases.cancel'), onclick: close })));
    form.hidden = false;
  }

  // -- actions -------------------------------------------------------------------------------

  actionBox(c) {
    const allowed = c.allowed || [];
    const box = el('div', { class: 'case-actions', id: 'case-actions' });
    if (!allowed.length) { box.append(el('p', { class: 'muted', text: t('cases.no_actions') })); return box; }
    const form = el('div', { class: 'action-form', hidden: true });
    box.append(el('div', { class: 'row' }, ...allowed.map((a) => el('button', {
      type: 'button', class: `btn small action a-${a}`, dataset: { action: a }, text: label('action', a),
      onclick: () => this.startAction(c, a, form),
    }))), form);
    return box;
  }

  startAction(c, action, form) {
    const guard = this.flow.get(`${c.state}:${action}`)?.guard || 'none';
    const needs = GUARD_FIELDS[guard] || [];
    if (!needs.length && action !== 'void') { this.act(c, action, {}); return; }
    const inputs = {};
    const row = (key, input) => { inputs[key] = input; return el('label', { class: 'form-row' }, el('span', { text: t(`cases.${key}`) }), input); };
    const parts = [];
    if (needs.includes('department')) {
      const sel = el('select', { name: 'department' });
      for (const [id] of this.departments) sel.append(el('option', { value: id, text: this.departmentName(id) }));
      sel.value = c.department || c.suggested_department || sel.value;
      parts.push(row('department', sel));
    }
    if (needs.includes('hours')) parts.push(row('hours', el('input', { type: 'number', name: 'hours', min: '1', value: '24' })));
    if (needs.includes('reason') || action === 'void') parts.push(row('reason', el('input', { type: 'text', name: 'reason', maxlength: '400', required: true })));
    if (needs.includes('passed')) parts.push(row('passed', el('input', { type: 'checkbox', name: 'passed', checked: true })));
    if (needs.includes('photo')) parts.push(row('photo', el('input', { type: 'file', name: 'photo', accept: 'image/jpeg,image/png' })));
    parts.push(row('note', el('input', { type: 'text', name: 'note', maxlength: '400' })));
    clear(form).append(el('b', { text: label('action', action) }), ...parts, el('div', { class: 'row' },
      el('button', { type: 'button', class: 'btn small', id: 'action-submit', text: t('cases.submit'), onclick: async () => {
        const fields = {};
        if (inputs.department) fields.department = inputs.department.value;
        if (inputs.hours) fields.hours = Number(inputs.hours.value);
        if (inputs.reason) fields.reason = inputs.reason.value.trim();
        if (inputs.passed) fields.passed = inputs.passed.checked;
        if (inputs.note?.value.trim()) fields.note = inputs.note.value.trim();
        if (inputs.photo?.files?.length) {
          const up = await send('POST', '/api/v1/cases/photos', inputs.photo.files[0], 'application/octet-stream');
          if (up.status !== 201) { toast(t('cases.refused') + (up.body?.error || up.status)); return; }
          fields.photos = [up.body.sha256];
        }
        this.act(c, action, fields);
      } }),
      el('button', { type: 'button', class: 'btn ghost small', text: t('cases.cancel'), onclick: () => { form.hidden = true; } })));
    form.hidden = false;
  }

  async act(c, action, fields) {
    try {
      const { status, body } = await send('POST', `/api/v1/cases/${encodeURIComponent(c.id)}/actions`,
        { action, version: c.version, ...fields });
      if (status === 200) {
        this.conflict = null;
        toast(tf('cases.done', { action: label('action', action) }), true);
        await this.open(c.id, { fly: false });
        this.reloadSoon();
        return;
      }
      if (status === 409) {
        // Someone acted first (or the case moved on): say so plainly, then show it as it is now.
        this.conflict = tf('cases.conflict', { state: label('cstate', body.state), version: body.version });
        await this.open(c.id, { fly: false, keepConflict: true });
        return;
      }
      toast(t('cases.refused') + String(body?.error || `HTTP ${status}`));
    } catch (err) {
      this.failed(err);
    }
  }
}
