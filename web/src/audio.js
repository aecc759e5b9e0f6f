// Input level of a local stream, for a meter: a WebAudio analyser read ten
// times a second. Returns a function that stops it.
let ctx;

function audioContext() {
  if (!ctx) ctx = new (window.AudioContext || window.webkitAudioContext)();
  if (ctx.state === 'suspended') ctx.resume().catch(() => {});
  return ctx;
}

// onLevel(level) with level in 0..1 (RMS in dBFS mapped from -60..0).
export function watchLevel(stream, onLevel) {
  if (!stream || !stream.getAudioTracks().length) return () => {};
  let ac;
  try { ac = audioContext(); } catch (e) { return () => {}; }
  const src = ac.createMediaStreamSource(stream);
  const an = ac.createAnalyser();
  an.fftSize = 1024;
  src.connect(an);
  const buf = new Float32Array(an.fftSize);
  const timer = setInterval(() => {
    an.getFloatTimeDomainData(buf);
    let sum = 0;
    for (let i = 0; i < buf.length; i++) sum += buf[i] * buf[i];
    const db = 10 * Math.log10(sum / buf.length + 1e-12);
    onLevel(Math.min(1, Math.max(0, (db + 60) / 60)));
  }, 100);
  return () => {
    clearInterval(timer);
    src.disconnect();
    onLevel(0);
  };
}

// Asks for the microphone; a clear message when it is refused.
export async function microphone() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw new Error('this browser cannot use a microphone here (a secure https page is needed)');
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  } catch (e) {
    const why = e && e.name === 'NotAllowedError' ? 'microphone access was refused'
      : e && e.name === 'NotFoundError' ? 'no microphone found' : `microphone: ${e && e.message}`;
    throw new Error(why);
  }
}

export const CAMERA = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } };

// The camera alone (to add video to a call in progress); a clear message
// when there is none or it is refused.
export async function camera() {
  try {
    const s = await navigator.mediaDevices.getUserMedia({ audio: false, video: CAMERA });
    return s.getVideoTracks()[0];
  } catch (e) {
    throw new Error(e && e.name === 'NotAllowedError' ? 'camera access was refused'
      : e && e.name === 'NotFoundError' ? 'no camera found' : `camera: ${e && e.message}`);
  }
}

// Microphone, and the camera when video is wanted. A missing or refused
// camera is not an error: the call goes on with audio only, and
// { stream, video: false, note } says why.
export async function userMedia({ video = false } = {}) {
  if (!video) return { stream: await microphone(), video: false, note: '' };
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return userMedia();
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: CAMERA });
    return { stream, video: stream.getVideoTracks().length > 0, note: '' };
  } catch (e) {
    // Audio alone: a refused microphone is reported from here.
    const r = await userMedia();
    r.note = e && e.name === 'NotAllowedError' ? 'Camera access was refused: audio only.'
      : 'No camera found: audio only.';
    return r;
  }
}

// A ring tone for incoming calls (two seconds of 440 + 480 Hz, four
// seconds of silence). Returns a function that stops it.
export function ringtone() {
  let ac;
  try { ac = audioContext(); } catch (e) { return () => {}; }
  const gain = ac.createGain();
  gain.gain.value = 0;
  gain.connect(ac.destination);
  const oscs = [440, 480].map((f) => {
    const o = ac.createOscillator();
    o.frequency.value = f;
    o.connect(gain);
    o.start();
    return o;
  });
  const t0 = ac.currentTime;
  for (let i = 0; i < 10; i++) {		// one minute at most
    gain.gain.setValueAtTime(0.08, t0 + i * 6);
    gain.gain.setValueAtTime(0, t0 + i * 6 + 2);
  }
  return () => {
    for (const o of oscs) { try { o.stop(); } catch (e) { /* stopped */ } }
    gain.disconnect();
  };
}
