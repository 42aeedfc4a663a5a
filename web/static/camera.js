// A camera's drill-down: its live events, its evidence list, and one evidence folder opened:
// the overview with boxes, the vehicle crop, the frames on a slider and the clip. Files need the
// bearer header, so each is fetched and shown through a blob: URL revoked when the view closes.

import { getBlobURL, getJSON, query } from './api.js';
import { clear, el, hms, toast } from './dom.js';
import { label, t } from './i18n.js';

function fileURL(id, name) {
  // The name may hold a slash (frames/000001.jpg): encoded, it stays one path segment.
  return `/api/v1/evidence/${encodeURIComponent(id)}/${encodeURIComponent(name)}`;
}

export class CameraView {
  constructor() {
    this.urls = [];
    this.events = new Map(); // camera -> recent camera_event list, newest first
  }

  // Live camera_event from /ws/live; kept so opening a camera shows what it just saw.
  record(ev) {
    if (typeof ev.camera !== 'string') return;
    const list = this.events.get(ev.camera) || [];
    list.unshift(ev);
    if (list.length > 50) list.pop();
    this.events.set(ev.camera, list);
    if (this.open && this.open.id === ev.camera) this.renderEvents();
  }

  release() {
    for (const url of this.urls) URL.revokeObjectURL(url);
    this.urls = [];
  }

  async blob(id, name) {
    const url = await getBlobURL(fileURL(id, name));
    this.urls.push(url);
    return url;
  }

  async show(container, cam, roadName) {
    this.release();
    this.open = cam;
    this.eventsBox = el('ol', { class: 'events' });
    this.evidenceBox = el('ol', { class: 'evidence-list' });
    this.viewer = el('div', { class: 'evidence-view' });
    container.replaceChildren(
      el('h2', {}, el('span', { class: 'kind', text: t('detail.camera') }), el('span', { text: cam.name || cam.id })),
      el('p', { class: 'muted', text: roadName ? `${t('detail.road')}: ${roadName}` : cam.id }),
      el('h3', { text: t('detail.events') }), this.eventsBox,
      el('h3', { text: t('detail.evidence') }), this.evidenceBox, this.viewer);
    this.renderEvents();
    const list = await getJSON(`/api/v1/evidence${query({ camera: cam.id })}`);
    if (this.open !== cam) return;
    if (!list.length) this.evidenceBox.append(el('li', { class: 'muted', text: t('detail.no_evidence') }));
    for (const item of list.slice(0, 50)) {
      this.evidenceBox.append(el('li', { tabindex: '0', onclick: () => this.showEvidence(item.id) },
        el('b', { text: label('type', item.kind) }), ` ${hms(item.ts)} · ${item.frames ?? 0} ${t('detail.frames')}`));
    }
  }

  renderEvents() {
    const list = this.events.get(this.open.id) || [];
    clear(this.eventsBox).append(...list.slice(0, 10).map((ev) => el('li', {},
      el('b', { text: label('type', ev.kind) }), ` ${hms(ev.ts)}`,
      ev.evidence ? el('button', { type: 'button', class: 'btn small', text: t('detail.evidence'),
        onclick: () => this.showEvidence(String(ev.evidence)) }) : null)));
  }

  async showEvidence(id) {
    this.release();
    const m = await getJSON(`/api/v1/evidence/${encodeURIComponent(id)}`);
    const files = m.files || {};
    const v = clear(this.viewer);
    v.append(el('p', { class: m.tampered ? 'tampered' : 'intact',
      text: m.tampered ? t('detail.tampered') : t('detail.intact') }),
    el('p', { class: 'muted', text: `${label('type', m.kind)} · ${hms(m.start_ts)} – ${hms(m.end_ts)}` }));
    try {
      const pics = el('div', { class: 'pics' });
      v.append(pics);
      for (const [name, key] of [['overview.jpg', 'detail.overview'], ['vehicle.jpg', 'detail.vehicle']]) {
        if (!(name in files)) continue;
        pics.append(el('figure', {}, el('img', { src: await this.blob(id, name), alt: t(key) }),
          el('figcaption', { text: t(key) })));
      }
      const frames = Array.isArray(m.frames) ? m.frames : [];
      if (frames.length) this.frameStrip(v, id, frames);
      if (m.clip && m.clip.file in files) {
        const url = await this.blob(id, m.clip.file);
        // OpenCV's fast mp4v codec does not play in browsers: say so, offer the file, and
        // leave the frame player above as the playback.
        const video = el('video', { controls: true, muted: true, loop: true, playsinline: true, class: 'clip' });
        const note = el('p', { class: 'note', hidden: true, text: t('detail.clip_unplayable') });
        video.addEventListener('error', () => { video.hidden = true; note.hidden = false; });
        v.append(el('h3', { text: t('detail.clip') }), video, note,
          el('a', { class: 'btn small', href: url, download: `${id}.mp4`, text: t('detail.download_clip') }));
        video.src = url;
      }
    } catch (err) {
      toast(String(err.message || err));
    }
  }

  frameStrip(v, id, frames) {
    const img = el('img', { class: 'frame', alt: t('detail.frames') });
    const stamp = el('span', { class: 'muted' });
    const slider = el('input', { type: 'range', min: '0', max: String(frames.length - 1), value: '0',
      class: 'frame-slider' });
    const play = el('button', { type: 'button', class: 'btn small', text: '▶' });
    const cache = new Map();
    const showFrame = async (k) => {
      const f = frames[k];
      stamp.textContent = `${k + 1}/${frames.length} · ${hms(f.ts)}`;
      if (!cache.has(k)) cache.set(k, this.blob(id, f.file));
      const url = await cache.get(k);
      if (Number(slider.value) === k) img.src = url;
    };
    // Frames played at the pace they were recorded (capped at 1 s a frame).
    let timer = null;
    const stop = () => { clearTimeout(timer); timer = null; play.textContent = '▶'; };
    const step = () => {
      const k = Number(slider.value);
      if (k >= frames.length - 1) { stop(); return; }
      const wait = Math.min(1000, Math.max(20, 1000 * (frames[k + 1].ts - frames[k].ts)));
      timer = setTimeout(() => { slider.value = String(k + 1); showFrame(k + 1).then(step); }, wait);
    };
    play.addEventListener('click', () => {
      if (timer) { stop(); return; }
      if (Number(slider.value) >= frames.length - 1) slider.value = '0';
      play.textContent = '❚❚';
      showFrame(Number(slider.value)).then(step);
    });
    slider.addEventListener('input', () => { stop(); showFrame(Number(slider.value)); });
    v.append(el('h3', { text: t('detail.frames') }), img, el('div', { class: 'row' }, play, slider, stamp));
    showFrame(0);
  }
}
