// Kubernetes manifests (docker/k8s), checked without a cluster: every
// document parsed, the references between them resolved (selectors, ports,
// ConfigMaps, Secrets, the autoscaler's target), and every variable each
// service reads (from its C sources, tests/lib/svcvars.js) set in its
// container.  kubeconform and a cluster are not in Debian 12; where kubectl
// happens to be installed, `kubectl kustomize` must render the same set.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const YAML = require('yaml');
const { suite, serviceInfo, allSourceVars } = require('../lib/svcvars');

const ROOT = path.resolve(__dirname, '../..');
const K8S = path.join(ROOT, 'docker/k8s');
const SERVICES = ['wsgw', 'registrar', 'b2bua', 'mediad'];
const INFO = Object.fromEntries(Object.entries(suite()).map(([s, d]) => [s, serviceInfo(d)]));

// Variables a container may leave out on purpose (the service's default
// is right everywhere): none today.
const DEFAULTED = { wsgw: [], registrar: [], b2bua: [], mediad: [] };
// Secrets the operator makes (docs/deploy.md shows how); optional ones may
// be absent.
const OPERATOR_SECRETS = ['rtcgate-tls', 'rtcgate-users', 'rtcgate-nonce', 'rtcgate-admin'];

const API = {
  Namespace: 'v1', ConfigMap: 'v1', Service: 'v1', Secret: 'v1',
  Deployment: 'apps/v1', StatefulSet: 'apps/v1', DaemonSet: 'apps/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2', PodDisruptionBudget: 'policy/v1',
};
const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];

function loadKustomization() {
  return YAML.parse(fs.readFileSync(path.join(K8S, 'kustomization.yaml'), 'utf8'));
}

// Every document of every resource file, with the file it came from.
function loadDocs() {
  const docs = [];
  for (const file of loadKustomization().resources) {
    const all = YAML.parseAllDocuments(fs.readFileSync(path.join(K8S, file), 'utf8'));
    for (const d of all) {
      assert.deepEqual(d.errors, [], `${file}: YAML errors`);
      const o = d.toJS();
      if (o) docs.push({ ...o, file });
    }
  }
  return docs;
}

const DOCS = loadDocs();
const byKind = (k) => DOCS.filter((d) => d.kind === k);
const find = (k, name) => DOCS.find((d) => d.kind === k && d.metadata.name === name);
const workloads = () => DOCS.filter((d) => WORKLOADS.includes(d.kind));
const podSpec = (w) => w.spec.template.spec;
const matches = (sel, labels) => Object.entries(sel || {}).every(([k, v]) => labels && labels[k] === v);
const envOf = (c) => Object.fromEntries((c.env || []).map((e) => [e.name, e]));

// The container that runs service svc (Deployment svc, container svc).
function container(svc) {
  const w = workloads().find((d) => d.metadata.name === svc);
  assert.ok(w, `no workload named ${svc}`);
  const c = podSpec(w).containers.find((x) => x.name === svc);
  assert.ok(c, `${svc}: no container named ${svc}`);
  return { w, c };
}

test('kustomization lists every manifest, and every document is well formed', () => {
  const k = loadKustomization();
  assert.equal(k.kind, 'Kustomization');
  assert.ok(k.namespace, 'kustomization sets no namespace');
  const files = fs.readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
  assert.deepEqual(files.filter((f) => !k.resources.includes(f)), [], 'files not in the kustomization');
  for (const f of k.resources) assert.ok(fs.existsSync(path.join(K8S, f)), `${f} is listed but missing`);
  assert.ok(DOCS.length > 10, `${DOCS.length} documents`);
  const seen = new Set();
  for (const d of DOCS) {
    const where = `${d.file}: ${d.kind} ${d.metadata && d.metadata.name}`;
    assert.ok(API[d.kind], `${where}: unexpected kind`);
    assert.equal(d.apiVersion, API[d.kind], `${where}: apiVersion`);
    assert.ok(d.metadata && /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(d.metadata.name), `${where}: metadata.name`);
    assert.ok(!d.metadata.namespace, `${where}: namespace is the kustomization's to set`);
    const key = `${d.kind}/${d.metadata.name}`;
    assert.ok(!seen.has(key), `${key} twice`);
    seen.add(key);
  }
  for (const svc of SERVICES) {
    assert.ok(k.images.some((i) => i.name === `rtcgate/${svc}`), `no image entry for rtcgate/${svc}`);
  }
});

test('workloads: selectors match their pods; images, probes, resources, non-root', () => {
  assert.ok(workloads().length >= 5);
  for (const w of workloads()) {
    const name = `${w.kind} ${w.metadata.name}`;
    const sel = w.spec.selector && w.spec.selector.matchLabels;
    assert.ok(sel && Object.keys(sel).length, `${name}: no selector`);
    assert.ok(matches(sel, w.spec.template.metadata.labels), `${name}: selector does not match the pod labels`);
    const ps = podSpec(w);
    assert.ok(Number.isInteger(ps.terminationGracePeriodSeconds), `${name}: terminationGracePeriodSeconds`);
    for (const c of ps.containers) {
      const where = `${name}/${c.name}`;
      assert.ok(c.image, `${where}: image`);
      assert.ok(c.readinessProbe && c.livenessProbe, `${where}: readiness and liveness probes`);
      for (const r of ['requests', 'limits']) {
        for (const k of ['cpu', 'memory']) {
          assert.ok(c.resources && c.resources[r] && c.resources[r][k], `${where}: resources.${r}.${k}`);
        }
      }
      const sc = { ...ps.securityContext, ...c.securityContext };
      assert.equal(sc.runAsNonRoot, true, `${where}: runAsNonRoot`);
      assert.ok(Number.isInteger(sc.runAsUser) && sc.runAsUser > 0, `${where}: runAsUser`);
      assert.equal(sc.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
      assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], `${where}: capabilities`);
      // probes on named ports name ports the container has
      const ports = (c.ports || []).map((p) => p.name);
      for (const p of [c.readinessProbe, c.livenessProbe, c.startupProbe].filter(Boolean)) {
        const port = (p.httpGet || p.tcpSocket || {}).port;
        if (typeof port === 'string') assert.ok(ports.includes(port), `${where}: probe port ${port}`);
        assert.ok(p.exec || p.httpGet || p.tcpSocket, `${where}: probe kind`);
      }
      // mounts name volumes of the pod
      const vols = (ps.volumes || []).map((v) => v.name)
        .concat((w.spec.volumeClaimTemplates || []).map((v) => v.metadata.name));
      for (const m of c.volumeMounts || []) assert.ok(vols.includes(m.name), `${where}: volume ${m.name}`);
    }
  }
});

test('each service gets every variable it reads, and only those', () => {
  const missing = []; const unread = [];
  for (const svc of SERVICES) {
    const { c } = container(svc);
    const env = envOf(c);
    for (const v of INFO[svc].vars.keys()) {
      if (!(v in env) && !DEFAULTED[svc].includes(v)) missing.push(`${svc}: ${v}`);
    }
    for (const k of Object.keys(env)) {
      if (!INFO[svc].vars.has(k)) unread.push(`${svc}: ${k}`);
    }
  }
  assert.deepEqual(missing, [], 'variables a service reads that its container does not set');
  assert.deepEqual(unread, [], 'variables set that the service does not read');
});

test('every RTCGATE_ variable in the C sources is in compose.yaml and (echo aside) the manifests', () => {
  const compose = fs.readFileSync(path.join(ROOT, 'compose.yaml'), 'utf8');
  const manifests = DOCS.map((d) => YAML.stringify(d)).join('\n');
  const echoOnly = (v) => INFO.echo && INFO.echo.vars.has(v) && !SERVICES.some((s) => INFO[s].vars.has(v));
  const all = allSourceVars();
  assert.ok(all.size > 40, `${all.size} variables found: the scan is broken`);
  const words = (text) => new Set(text.match(/RTCGATE_[A-Z0-9_]+/g));
  const inCompose = words(compose); const inK8s = words(manifests);
  const noCompose = [...all].filter((v) => !inCompose.has(v));
  const noK8s = [...all].filter((v) => !echoOnly(v) && !inK8s.has(v));
  assert.deepEqual(noCompose, [], 'read by the C code, absent from compose.yaml');
  assert.deepEqual(noK8s, [], 'read by the C code, absent from docker/k8s');
});

test('env references resolve: ConfigMap keys, Secrets, files on mounted volumes', () => {
  const deploy = fs.readFileSync(path.join(ROOT, 'docs/deploy.md'), 'utf8');
  for (const w of workloads()) {
    const ps = podSpec(w);
    for (const c of ps.containers) {
      const where = `${w.metadata.name}/${c.name}`;
      for (const e of c.env || []) {
        assert.ok('value' in e || 'valueFrom' in e, `${where}: ${e.name} has no value`);
        const vf = e.valueFrom || {};
        if (vf.configMapKeyRef) {
          const cm = find('ConfigMap', vf.configMapKeyRef.name);
          assert.ok(cm, `${where}: ${e.name}: no ConfigMap ${vf.configMapKeyRef.name}`);
          assert.ok(vf.configMapKeyRef.key in cm.data, `${where}: ${e.name}: no key ${vf.configMapKeyRef.key}`);
        }
        if (vf.secretKeyRef) {
          assert.ok(OPERATOR_SECRETS.includes(vf.secretKeyRef.name) || find('Secret', vf.secretKeyRef.name),
            `${where}: ${e.name}: Secret ${vf.secretKeyRef.name}`);
        }
        if (vf.fieldRef) {
          assert.ok(['metadata.name', 'status.podIP', 'status.hostIP', 'metadata.namespace', 'spec.nodeName']
            .includes(vf.fieldRef.fieldPath), `${where}: ${e.name}: fieldRef ${vf.fieldRef.fieldPath}`);
        }
        // a file setting must lie on a volume the container mounts, under
        // a name that volume provides
        if (/^RTCGATE_(USERS|ROUTES|TLS_CERT|TLS_KEY)$/.test(e.name) && e.value) {
          const m = (c.volumeMounts || []).find((x) => e.value.startsWith(`${x.mountPath}/`));
          assert.ok(m, `${where}: ${e.name}=${e.value} is on no mounted volume`);
          const vol = ps.volumes.find((v) => v.name === m.name);
          const file = e.value.slice(m.mountPath.length + 1);
          if (vol.configMap) {
            const cm = find('ConfigMap', vol.configMap.name);
            assert.ok(cm && file in cm.data, `${where}: ${e.name}: ConfigMap ${vol.configMap.name} has no ${file}`);
          } else if (vol.secret) {
            const names = vol.secret.items ? vol.secret.items.map((i) => i.path) : ['tls.crt', 'tls.key'];
            assert.ok(names.includes(file), `${where}: ${e.name}: Secret ${vol.secret.secretName} gives no ${file}`);
          } else {
            assert.fail(`${where}: ${e.name}: on a volume that is neither ConfigMap nor Secret`);
          }
        }
      }
      for (const v of ps.volumes || []) {
        if (v.configMap) assert.ok(find('ConfigMap', v.configMap.name), `${where}: ConfigMap ${v.configMap.name}`);
        if (v.secret) assert.ok(OPERATOR_SECRETS.includes(v.secret.secretName), `${where}: Secret ${v.secret.secretName}`);
      }
    }
  }
  // the operator is told how to make each Secret the pods use
  for (const s of OPERATOR_SECRETS) {
    assert.match(deploy, new RegExp(`kubectl[^\\n]*create secret[^\\n]*\\b${s}\\b`), `docs/deploy.md: how to make ${s}`);
  }
});

test('probes: the services are probed by the image\'s health probe, as their kind', () => {
  for (const svc of SERVICES) {
    const { c } = container(svc);
    const execs = [c.readinessProbe, c.livenessProbe].filter((p) => p.exec).map((p) => p.exec.command);
    assert.ok(execs.length > 0, `${svc}: no exec probe`);
    for (const cmd of execs) {
      assert.equal(cmd[0], 'rtcgate-healthcheck', `${svc}: ${cmd}`);
      assert.equal(cmd[1], INFO[svc].kind, `${svc}: probe kind`);
    }
  }
  assert.deepEqual(container('wsgw').c.readinessProbe.exec.command.slice(2), ['--https'], 'wsgw: HTTPS /healthz too');
});

test('Services: selectors match pods and targetPorts exist there, with the protocol', () => {
  for (const s of byKind('Service')) {
    const pods = workloads().filter((w) => matches(s.spec.selector, w.spec.template.metadata.labels));
    assert.ok(pods.length > 0, `Service ${s.metadata.name}: selects no pods`);
    for (const p of s.spec.ports) {
      const proto = p.protocol || 'TCP';
      const tp = p.targetPort === undefined ? p.port : p.targetPort;
      const ok = pods.some((w) => podSpec(w).containers.some((c) => (c.ports || []).some((cp) =>
        (typeof tp === 'string' ? cp.name === tp : cp.containerPort === tp) && (cp.protocol || 'TCP') === proto)));
      assert.ok(ok, `Service ${s.metadata.name}: port ${p.name} -> ${tp}/${proto} is on no pod`);
    }
  }
  const wsgw = find('Service', 'wsgw');
  assert.equal(wsgw.spec.type, 'LoadBalancer');
  assert.equal(wsgw.spec.ports[0].port, 443);
  const sip = byKind('Service').find((s) => matches(s.spec.selector, container('b2bua').w.spec.template.metadata.labels));
  assert.deepEqual(sip.spec.ports.map((p) => p.protocol).sort(), ['TCP', 'UDP'], 'b2bua SIP over UDP and TCP');
  // wsgw's TLS from a Secret
  const { w, c } = container('wsgw');
  assert.ok(envOf(c).RTCGATE_TLS_CERT.value && envOf(c).RTCGATE_TLS_KEY.value, 'wsgw: TLS certificate and key');
  assert.ok(podSpec(w).volumes.some((v) => v.secret && v.secret.secretName === 'rtcgate-tls'));
  // services reach NATS through a Service that exists, on its port
  for (const svc of SERVICES) {
    const url = new URL(envOf(container(svc).c).NATS_URL.value);
    const ns = find('Service', url.hostname);
    assert.ok(ns, `${svc}: NATS_URL ${url}: no Service ${url.hostname}`);
    assert.ok(ns.spec.ports.some((p) => p.port === Number(url.port || 4222)), `${svc}: NATS_URL port`);
  }
});

test('mediad: host network, the node\'s address, a UDP range, one per node', () => {
  const { w, c } = container('mediad');
  const ps = podSpec(w);
  assert.equal(ps.hostNetwork, true);
  assert.equal(ps.dnsPolicy, 'ClusterFirstWithHostNet', 'cluster DNS (the nats Service) on the host network');
  const env = envOf(c);
  assert.equal(env.RTCGATE_MEDIA_IP.valueFrom.fieldRef.fieldPath, 'status.hostIP');
  assert.match(env.RTCGATE_MEDIA_PORTS.value, /^\d+-\d+$/);
  if (w.kind === 'Deployment') {
    const anti = ps.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    assert.ok(anti.some((a) => a.topologyKey === 'kubernetes.io/hostname' &&
      matches(a.labelSelector.matchLabels, w.spec.template.metadata.labels)), 'one mediad per node');
    assert.equal(w.spec.strategy.rollingUpdate.maxSurge, 0, 'a surge pod could never fit beside the old one');
  }
});

test('mediad drain: the grace period is above RTCGATE_MEDIA_DRAIN_GRACE; preStop sends SIGTERM', () => {
  const { w, c } = container('mediad');
  const env = envOf(c);
  const grace = Number(env.RTCGATE_MEDIA_DRAIN_GRACE.value ||
    (INFO.mediad.vars.get('RTCGATE_MEDIA_DRAIN_GRACE') || NaN));
  assert.ok(grace > 0, 'RTCGATE_MEDIA_DRAIN_GRACE is set');
  assert.ok(podSpec(w).terminationGracePeriodSeconds > grace,
    `terminationGracePeriodSeconds ${podSpec(w).terminationGracePeriodSeconds} <= drain grace ${grace}`);
  assert.match(c.lifecycle.preStop.exec.command.join(' '), /kill -TERM 1/);
});

test('autoscaler and disruption budgets point at real workloads', () => {
  const hpas = byKind('HorizontalPodAutoscaler');
  assert.ok(hpas.length >= 1);
  for (const h of hpas) {
    const ref = h.spec.scaleTargetRef;
    const t = find(ref.kind, ref.name);
    assert.ok(t, `HPA ${h.metadata.name}: no ${ref.kind} ${ref.name}`);
    assert.equal(ref.apiVersion, t.apiVersion);
    assert.notEqual(t.kind, 'DaemonSet', 'a DaemonSet cannot be scaled');
    assert.ok(h.spec.minReplicas >= 1 && h.spec.minReplicas <= h.spec.maxReplicas);
    const cpu = h.spec.metrics.find((m) => m.type === 'Resource' && m.resource.name === 'cpu');
    assert.ok(cpu, 'scales on CPU');
    for (const c of podSpec(t).containers) assert.ok(c.resources.requests.cpu, 'CPU utilisation needs a request');
  }
  assert.ok(hpas.some((h) => h.spec.scaleTargetRef.name === 'mediad'), 'mediad autoscaled');
  const pdbs = byKind('PodDisruptionBudget');
  for (const p of pdbs) {
    const hit = workloads().filter((w) => matches(p.spec.selector.matchLabels, w.spec.template.metadata.labels));
    assert.equal(hit.length, 1, `PDB ${p.metadata.name} selects ${hit.length} workloads`);
    assert.ok(('minAvailable' in p.spec) !== ('maxUnavailable' in p.spec), `PDB ${p.metadata.name}: one of min/max`);
  }
  for (const w of workloads()) {
    assert.ok(pdbs.some((p) => matches(p.spec.selector.matchLabels, w.spec.template.metadata.labels)),
      `${w.metadata.name}: no PodDisruptionBudget`);
  }
});

test('NATS: a 3-server JetStream cluster, routes to every server, storage per pod', (t) => {
  const sts = find('StatefulSet', 'nats');
  assert.ok(sts);
  assert.equal(sts.spec.replicas, 3);
  const headless = find('Service', sts.spec.serviceName);
  assert.equal(headless.spec.clusterIP, 'None');
  assert.equal(headless.spec.publishNotReadyAddresses, true);
  assert.equal(sts.spec.volumeClaimTemplates.length, 1);
  const c = podSpec(sts).containers[0];
  assert.match(c.image, /^nats:2\.9/);
  const cmName = podSpec(sts).volumes.find((v) => v.configMap).configMap.name;
  const conf = Object.values(find('ConfigMap', cmName).data)[0];
  for (let i = 0; i < 3; i++) {
    assert.ok(conf.includes(`nats://nats-${i}.${headless.metadata.name}:6222`), `route to nats-${i}`);
  }
  assert.match(conf, /jetstream\s*\{[^}]*store_dir:\s*\/data/);
  assert.ok(c.volumeMounts.some((m) => m.mountPath === '/data' && m.name === sts.spec.volumeClaimTemplates[0].metadata.name));
  const kv = envOf(container('registrar').c).RTCGATE_KV_REPLICAS.value;
  assert.equal(Number(kv), 3, 'the KV bucket on every server');
  // nats-server itself accepts the configuration
  const have = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  if (have.error) { t.diagnostic('nats-server not installed: configuration not tested'); return; }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rtcgate-k8s-'));
  try {
    fs.writeFileSync(path.join(tmp, 'nats.conf'), conf);
    const r = spawnSync('nats-server', ['-c', path.join(tmp, 'nats.conf'), '-t'],
      { encoding: 'utf8', env: { PATH: process.env.PATH, SERVER_NAME: 'nats-0' } });
    assert.equal(r.status, 0, r.stderr + r.stdout);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('kubectl kustomize renders every document (where kubectl is installed)', (t) => {
  const r = spawnSync('kubectl', ['kustomize', K8S], { encoding: 'utf8' });
  if (r.error) { t.skip('kubectl is not installed (not in Debian 12): the checks above are the validation'); return; }
  assert.equal(r.status, 0, r.stderr);
  const out = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS()).filter(Boolean);
  assert.equal(out.length, DOCS.length);
  const ns = loadKustomization().namespace;
  for (const d of out) if (d.kind !== 'Namespace') assert.equal(d.metadata.namespace, ns, `${d.kind} ${d.metadata.name}`);
  assert.ok(out.some((d) => d.kind === 'Deployment' && /^rtcgate\/mediad:/.test(d.spec.template.spec.containers[0].image)));
});
