// /ws/live with a visible state and automatic reconnection (backoff with jitter, capped).
// Batch mode: each message is one JSON array of events, so one parse per message however
// many inspectors moved.

import { token } from './api.js';

const MAX_DELAY_MS = 15000;

export class LiveSocket {
  // onEvents(array), onState('connecting' | 'live' | 'offline', detail),
  // onOpen() after each (re)subscription so the caller can catch up on what it missed,
  // onRefused() when the socket closes before it ever opened (bad token, server down).
  constructor({ onEvents, onState, onOpen, onRefused }) {
    Object.assign(this, { onEvents, onState, onOpen, onRefused });
    this.ws = null;
    this.attempt = 0;
    this.stopped = true;
    this.timer = null;
    this.subscription = { grids: null, types: null, batch: true };
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, 'logout');
    this.ws = null;
  }

  connect() {
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${scheme}//${window.location.host}/ws/live?token=${encodeURIComponent(token())}`;
    this.onState('connecting');
    const ws = new WebSocket(url);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      ws.send(JSON.stringify({ subscribe: this.subscription }));
    };
    ws.onmessage = (msg) => {
      let data;
      try { data = JSON.parse(msg.data); } catch { return; }
      if (Array.isArray(data)) { this.onEvents(data); return; }
      if (data && data.type === 'subscribed') {
        this.attempt = 0;
        this.onState('live');
        this.onOpen();
      } else if (data && data.type === 'error') {
        this.lastError = String(data.error ?? '');
      } else if (data && typeof data.type === 'string') {
        this.onEvents([data]);
      }
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (!opened) this.onRefused();
      this.schedule(ev.code);
    };
  }

  schedule(code) {
    this.attempt += 1;
    const base = Math.min(MAX_DELAY_MS, 500 * 2 ** Math.min(this.attempt - 1, 6));
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.onState('offline', { code, retryInMs: delay, error: this.lastError });
    this.lastError = '';
    this.timer = setTimeout(() => { if (!this.stopped) this.connect(); }, delay);
  }
}
