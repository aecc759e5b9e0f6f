// Call statistics from RTCPeerConnection.getStats(), once a second: codec,
// round-trip time, jitter, packets lost and bitrates. onSample(sample)
// gets { codec, rttMs, jitterMs, lost, received, inKbps, outKbps } for the
// audio, and when the call has video, video: { codec, framesDecoded, fps,
// width, height, inKbps, outKbps }; the returned function stops the polling.
export function watchStats(pc, onSample, periodMs = 1000) {
  let prev = null;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy || pc.connectionState === 'closed') return;
    busy = true;
    try {
      const cur = summarize(await pc.getStats());
      const s = { ...cur, video: cur.video && { ...cur.video } };
      if (prev && cur.t > prev.t) {
        const dt = (cur.t - prev.t) / 1000;
        s.inKbps = Math.max(0, (cur.bytesIn - prev.bytesIn) * 8 / dt / 1000);
        s.outKbps = Math.max(0, (cur.bytesOut - prev.bytesOut) * 8 / dt / 1000);
        if (cur.video && prev.video) {
          s.video.inKbps = Math.max(0, (cur.video.bytesIn - prev.video.bytesIn) * 8 / dt / 1000);
          s.video.outKbps = Math.max(0, (cur.video.bytesOut - prev.video.bytesOut) * 8 / dt / 1000);
        }
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
  const v = { bytesIn: 0, bytesOut: 0, framesDecoded: 0, fps: null, width: 0, height: 0, codec: '' };
  let video = false;
  for (const r of byId.values()) {
    if ((r.type === 'inbound-rtp' || r.type === 'outbound-rtp') && r.kind === 'video') {
      video = true;
      s.t = s.t || r.timestamp;
      summarizeVideo(v, r, byId.get(r.codecId));
      continue;
    }
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
  s.video = video ? v : null;
  return s;
}

// One video RTP stream into v: what arrives (codec, frames decoded and
// their rate and size) first, what we send as the fallback codec.
function summarizeVideo(v, r, codec) {
  if (r.type === 'inbound-rtp') {
    v.bytesIn += r.bytesReceived || 0;
    v.framesDecoded += r.framesDecoded || 0;
    if (typeof r.framesPerSecond === 'number') v.fps = r.framesPerSecond;
    if (r.frameWidth) { v.width = r.frameWidth; v.height = r.frameHeight || 0; }
    if (codec) v.codec = codecName(codec);
  } else {
    v.bytesOut += r.bytesSent || 0;
    if (codec && !v.codec) v.codec = codecName(codec);
  }
}

function codecName(c) {
  const name = (c.mimeType || '').replace(/^(audio|video)\//i, '');
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
    video: s.video ? describeVideo(s.video, f) : null,
  };
}

function describeVideo(v, f) {
  return {
    codec: v.codec || '–',
    frames: `${v.framesDecoded} decoded${v.width ? `, ${v.width}×${v.height}` : ''}`,
    fps: f(v.fps, 'frames/s'),
    bitrate: `↓ ${f(v.inKbps, 'kbit/s', 1)} ↑ ${f(v.outKbps, 'kbit/s', 1)}`,
  };
}
