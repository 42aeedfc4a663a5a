// A camera's drill-down: its live events, its evidence list, and one evidence folder opened:
// its signature check, the overview with boxes, the vehicle crop, the clip (H.264 or VP9) and
// the original frames on a slider (the playback of old evidence whose clip browsers cannot
// play). Files need the bearer header, so each is fetched and shown through a blob: URL
// revoked when the view closes.

import { getBlobURL, getJSON, query } from './api.js';
import { clear, el, hms, toast } from './dom.js';
import { label, t } from './i18n.js';

function fileURL(id, name) {
  // The name may hold a slash (frames/000001.jpg): encoded, it stays one path segment.
  return `/api/v1/evidence/${encodeURIComponent(id)}/${encodeURIComponent(name)}`;
}

// valid: signed and every file matches; unsigned: files match, no signature (older evidence);
// modified: named files (or the manifest itself) changed since it was signed.
function integrityBanner(m) {
  const status = (m.integrity && m.integrity.status) || (m.tampered ? 'modified' : 'unsigned');
  if (status === 'modified') {
    const names = (m.integrity && m.integrity.modified) || [];
    return el('div', { class: 'tampered' }, el('div', { text: t('detail.tampered') }),
      names.length ? el('ul', { class: 'modified-files' }, names.map((n) => el('li', { text: n }))) : null);
  }
  if (status === 'valid') return el('p', { class: 'intact', text: t('detail.intact') });
  return el('p', { class: 'unsigned', text: t('detail.unsigned') });
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
    v.dataset.evidence = id; // which evidence the view shows (the old one stays until the fetch ends)
    v.append(integrityBanner(m),
      el('p', { class: 'muted', text: `${label('type', m.kind)} · ${hms(m.start_ts)} – ${hms(m.end_ts)}` }));
    try {
      const pics = el('div', { class: 'pics' });
      v.append(pics);
      for (const [name, key] of [['overview.jpg', 'detail.overview'], ['vehicle.jpg', 'detail.vehicle']]) {
        if (!(name in files)) continue;
        pics.append(el('figure', {}, el('img', { src: await this.blob(id, name), alt: t(key) }),
          el('figcaption', { text: t(key) })));
      }
      const clip = m.clip && m.clip.file in files ? m.clip : null;
      const probe = document.createElement('video');
      // Old evidence (mp4v) has no mime and does not play: the frames are the playback there.
      const playable = clip && clip.mime && probe.canPlayType(clip.mime) !== '';
      const frames = Array.isArray(m.frames) ? m.frames : [];
      const original = el('details', { class: 'frames-box', open: !playable },
        el('summary', { text: `${t('detail.frames')} (${frames.length})` }));
      if (clip) {
        const url = await this.blob(id, clip.file);
        const note = el('p', { class: 'note', hidden: true, text: t('detail.clip_unplayable') });
        v.append(el('h3', { text: t('detail.clip') }));
        if (playable) {
          const video = el('video', { controls: true, muted: true, autoplay: true, loop: true,
            playsInline: true, preload: 'auto', class: 'clip' });
          video.addEventListener('error', () => { video.hidden = true; note.hidden = false; original.open = true; });
          v.append(video);
          video.src = url;
        } else {
          note.hidden = false;
        }
        const ext = clip.file.slice(clip.file.lastIndexOf('.'));
        v.append(note, el('a', { class: 'btn small', href: url, download: `${id}${ext}`, text: t('detail.download_clip') }));
      }
      if (frames.length) {
        v.append(original);
        this.frameStrip(original, id, frames);
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
    v.append(img, el('div', { class: 'row' }, play, slider, stamp));
    showFrame(0);
  }
}
