// Call statistics from RTCPeerConnection.getStats(), once a second: codec,
// round-trip time, jitter, packets lost and bitrates. onSample(sample)
// gets { codec, rttMs, jitterMs, lost, received, inKbps, outKbps }; the
// returned function stops the polling.
export function watchStats(pc, onSample, periodMs = 1000) {
  let prev = null;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy || pc.connectionState === 'closed') return;
    busy = true;
    try {
      const cur = summarize(await pc.getStats());
      const s = { ...cur };
      if (prev && cur.t > prev.t) {
        const dt = (cur.t - prev.t) / 1000;
        s.inKbps = Math.max(0, (cur.bytesIn - prev.bytesIn) * 8 / dt / 1000);
        s.outKbps = Math.max(0, (cur.bytesOut - prev.bytesOut) * 8 / dt / 1000);
      }
      prev = cur;
      onSample(s);
    } catch (e) {
      // the connection went away between two polls
    } finally {
      busy = false;
    }
  }, periodMs);
  return () => clearInterval(timer);
}

export function summarize(report) {
  const byId = new Map();
  report.forEach((s) => byId.set(s.id, s));
  const s = { t: 0, bytesIn: 0, bytesOut: 0, lost: 0, received: 0, jitterMs: null, rttMs: null, codec: '' };
  let pairId = null;
  for (const r of byId.values()) {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') {
      s.t = r.timestamp;
      s.bytesIn += r.bytesReceived || 0;
      s.lost += r.packetsLost || 0;
      s.received += r.packetsReceived || 0;
      if (typeof r.jitter === 'number') s.jitterMs = r.jitter * 1000;
      const c = byId.get(r.codecId);
      if (c) s.codec = codecName(c);
    } else if (r.type === 'outbound-rtp' && r.kind === 'audio') {
      s.t = s.t || r.timestamp;
      s.bytesOut += r.bytesSent || 0;
      const c = byId.get(r.codecId);
      if (c && !s.codec) s.codec = codecName(c);
    } else if (r.type === 'remote-inbound-rtp' && typeof r.roundTripTime === 'number') {
      s.rttMs = r.roundTripTime * 1000;
    } else if (r.type === 'transport' && r.selectedCandidatePairId) {
      pairId = r.selectedCandidatePairId;
    }
  }
  // No RTCP report from the peer: the ICE consent checks still measure it.
  const pair = pairId ? byId.get(pairId)
    : [...byId.values()].find((r) => r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded');
  if (s.rttMs === null && pair && typeof pair.currentRoundTripTime === 'number') {
    s.rttMs = pair.currentRoundTripTime * 1000;
  }
  return s;
}

function codecName(c) {
  const name = (c.mimeType || '').replace(/^audio\//i, '');
  return c.clockRate ? `${name}/${c.clockRate}` : name;
}

// Short text for one sample.
export function describe(s) {
  const f = (v, unit, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '–' : `${v.toFixed(d)} ${unit}`);
  return {
    codec: s.codec || '–',
    rtt: f(s.rttMs, 'ms', s.rttMs !== null && s.rttMs < 10 ? 1 : 0),
    jitter: f(s.jitterMs, 'ms', 1),
    lost: `${s.lost} of ${s.lost + s.received}`,
    bitrate: `↓ ${f(s.inKbps, 'kbit/s', 1)} ↑ ${f(s.outKbps, 'kbit/s', 1)}`,
  };
}
