// Device states as the map draws them: one colour each, fixed across the page.

export const STATES = ['active', 'idle', 'off_grid', 'too_fast', 'signal_lost', 'off_duty', 'other'];
export const STATE_COLORS = {
  active: '#22d3ee', idle: '#facc15', off_grid: '#e879f9', too_fast: '#fb7185',
  signal_lost: '#f43f5e', off_duty: '#64748b', other: '#cbd5e1',
};
