#!/usr/bin/env bash
# Checks the Kubernetes manifests of deploy/kubernetes/ (a kustomize base) without a cluster, and exits non-zero on
# any problem. It installs what it needs under .local/ (git-ignored) on its first run; later runs need no network.
#
#   scripts/validate-kubernetes.sh [--kubernetes-version X.Y.Z] [--nginx]
#
#   --kubernetes-version  the Kubernetes release whose API schemas every object must match (default 1.30.0; the
#                         pinned kubernetes-validate knows 1.25 to 1.37)
#   --nginx               check the proxy's nginx configuration even when no nginx is installed, with Debian's nginx
#                         package unpacked into .local/kubernetes-tools (apt-get download: nothing is installed
#                         system-wide and no server starts). Without it, that check runs only when an nginx is
#                         installed (or was unpacked by an earlier --nginx).
#
# What it does:
#   1. A Python venv in .local/kubernetes-venv with pinned kubernetes-validate (it bundles the Kubernetes JSON
#      schemas, so validating needs no network) and PyYAML; installed once, again when the pins change.
#   2. Renders the base with the first of: `kubectl kustomize` (kubectl on PATH), `kustomize build` (kustomize on
#      PATH), or the kubectl of Debian's kubernetes-client package unpacked into .local/kubernetes-tools (apt-get
#      download, once; its kustomize is v2.0.3, old but enough for this base). With none of them it reads the
#      resource files kustomization.yaml lists as they are (no `images:`, generators as their sources) and says so.
#   3. kubernetes-validate --strict: every rendered object against the schemas of that release, an unknown field
#      included.
#   4. What the schemas cannot see: kustomization.yaml lists every .yaml file beside it and each file it names
#      exists; every workload's pods run as non-root, every container has a read-only root filesystem, no privilege
#      escalation and CPU and memory requests and limits; every long-running one has readiness and liveness probes
#      and terminationGracePeriodSeconds 30; every Service and PodDisruptionBudget selects pods, every Service port
#      names a port those pods have; the ConfigMaps and Secret keys that pods use exist; the addresses in
#      memos-config are Service ports; the shard proxy's upstream lists exactly the retrieval StatefulSet's replicas
#      under its headless Service, at its gRPC port.
#   5. `nginx -t` on deploy/kubernetes/retrieval-proxy-nginx.conf (see --nginx), its placeholders filled in. The
#      file needs nginx 1.27.3 or later (`resolve`); with an older nginx (Debian 12 has 1.22) the `resolve` servers
#      are pointed at 127.0.0.1 for the test and, before 1.25.1, `http2 on;` becomes `listen ... http2`, so that
#      such an nginx checks everything else, and the script says what it changed.
set -euo pipefail

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="$ROOT/deploy/kubernetes"
K8S_VERSION="1.30.0"
WANT_NGINX=0
while (($#)); do
    case "$1" in
        --kubernetes-version) K8S_VERSION="${2:?--kubernetes-version needs a value}"; shift 2 ;;
        --nginx) WANT_NGINX=1; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "validate-kubernetes.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ "$K8S_VERSION" =~ ^[0-9]+\.[0-9]+$ ]] && K8S_VERSION="$K8S_VERSION.0"

say() { echo "validate-kubernetes: $*" >&2; }
TOOLS="$ROOT/.local/kubernetes-tools"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Unpacks Debian package $1 into $TOOLS/$1 (once) without installing it. Needs apt-get (and its package lists: they
# are fetched with apt-get update when missing and we are root).
unpack_deb() {
    local package="$1" dest="$TOOLS/$1"
    [[ -f "$dest/.unpacked" ]] && return 0
    command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || return 1
    mkdir -p "$WORK/deb-$package"
    chmod 0777 "$WORK/deb-$package" # apt's _apt user downloads into it
    if ! (cd "$WORK/deb-$package" && apt-get download -q "$package" >/dev/null 2>&1); then
        [[ "$(id -u)" == 0 ]] || return 1
        say "apt-get update (no package list for $package) ..."
        apt-get update -qq >/dev/null 2>&1 || return 1
        (cd "$WORK/deb-$package" && apt-get download -q "$package" >/dev/null 2>&1) || return 1
    fi
    rm -rf "$dest"
    mkdir -p "$dest"
    dpkg-deb -x "$WORK/deb-$package"/*.deb "$dest" || return 1
    touch "$dest/.unpacked"
}

# ---- 1. the venv ------------------------------------------------------------------------------------------------
VENV="$ROOT/.local/kubernetes-venv"
PINS=(kubernetes-validate==1.37.0 PyYAML==6.0.3)
if [[ "$(cat "$VENV/.pins" 2>/dev/null)" != "${PINS[*]}" ]] || ! "$VENV/bin/python" -c 'import kubernetes_validate, yaml' 2>/dev/null; then
    say "installing ${PINS[*]} into $VENV ..."
    command -v python3 >/dev/null || { echo "validate-kubernetes.sh: python3 is needed (apt-get install python3 python3-venv)" >&2; exit 2; }
    rm -rf "$VENV"
    python3 -m venv "$VENV" || { echo "validate-kubernetes.sh: python3 -m venv failed (apt-get install python3-venv)" >&2; exit 2; }
    "$VENV/bin/pip" install -q --disable-pip-version-check "${PINS[@]}" >&2
    echo "${PINS[*]}" >"$VENV/.pins"
fi
PY="$VENV/bin/python"

# ---- 2. rendering -----------------------------------------------------------------------------------------------
RENDERED="$WORK/rendered.yaml"
RENDERER=""
if command -v kubectl >/dev/null; then
    RENDERER="kubectl kustomize ($(command -v kubectl))"
    kubectl kustomize "$BASE" >"$RENDERED"
elif command -v kustomize >/dev/null; then
    RENDERER="kustomize build ($(command -v kustomize))"
    kustomize build "$BASE" >"$RENDERED"
elif [[ -x "$TOOLS/kubernetes-client/usr/bin/kubectl" ]] || {
    say "no kubectl or kustomize on PATH: unpacking Debian's kubernetes-client into $TOOLS ..."
    unpack_deb kubernetes-client
}; then
    RENDERER="kubectl kustomize (Debian's kubernetes-client, $TOOLS/kubernetes-client)"
    "$TOOLS/kubernetes-client/usr/bin/kubectl" kustomize "$BASE" >"$RENDERED"
else
    say "WARNING: no kubectl or kustomize, and Debian's kubernetes-client could not be fetched: checking the resource"
    say "files kustomization.yaml lists as they are, without kustomize (no images:, generators from their sources)"
fi
say "rendering: ${RENDERER:-none}"

# ---- 3. and 4. schemas and consistency ---------------------------------------------------------------------------
# The script reads the rendered stream, or without one the listed files, and writes the objects for step 3 to
# $WORK/objects.yaml. Every problem is one line on stdout; it exits 1 when there was any.
CHECKS_RC=0
"$PY" - "$BASE" "$RENDERED" "$WORK/objects.yaml" <<'PY' >"$WORK/problems.txt" || CHECKS_RC=$?
import os, re, sys, yaml

base, rendered, out = sys.argv[1:4]
problems = []
def problem(text): problems.append(text)

with open(os.path.join(base, "kustomization.yaml")) as f:
    kustomization = yaml.safe_load(f)
resources = kustomization.get("resources") or []
generated_files = [spec.split("=", 1)[-1] for gen in kustomization.get("configMapGenerator") or []
                   for spec in gen.get("files") or []]
for name in resources + generated_files:
    if not os.path.exists(os.path.join(base, name)):
        problem(f"kustomization.yaml names {name}, which does not exist")
for name in sorted(os.listdir(base)):
    if name.endswith((".yaml", ".yml")) and name not in ("kustomization.yaml", "kustomization.yml") \
            and name not in resources:
        problem(f"{name} is not listed under resources: in kustomization.yaml")

if os.path.exists(rendered) and os.path.getsize(rendered) > 0:
    with open(rendered) as f:
        objects = [o for o in yaml.safe_load_all(f) if o]
    generated = {}
else:
    objects = []
    for name in resources:
        path = os.path.join(base, name)
        if os.path.isfile(path):
            with open(path) as f:
                objects += [o for o in yaml.safe_load_all(f) if o]
    # Generated ConfigMaps exist only once rendered: take their names and keys from kustomization.yaml.
    generated = {gen["name"]: [spec.split("=", 1)[0] if "=" in spec else os.path.basename(spec)
                               for spec in gen.get("files") or []]
                 for gen in kustomization.get("configMapGenerator") or []}
with open(out, "w") as f:
    yaml.safe_dump_all(objects, f, sort_keys=False)
if not objects:
    problem("no objects")

def ident(o): return f"{o.get('kind')}/{(o.get('metadata') or {}).get('name')}"
def by_kind(*kinds): return [o for o in objects if o.get("kind") in kinds]
def base_name(name):  # a generated ConfigMap's name without kustomize's hash suffix
    return re.sub(r"-[a-z0-9]{10}$", "", name)

configmaps = {o["metadata"]["name"]: list((o.get("data") or {}).keys()) for o in by_kind("ConfigMap")}
configmaps.update(generated)
secrets = {o["metadata"]["name"]: list((o.get("stringData") or {}).keys()) + list((o.get("data") or {}).keys())
           for o in by_kind("Secret")}
def configmap_keys(name):
    if name in configmaps: return configmaps[name]
    return configmaps.get(base_name(name)) if base_name(name) in generated else None

workloads = by_kind("Deployment", "StatefulSet", "Job")
def pod_labels(w): return ((w["spec"]["template"].get("metadata") or {}).get("labels")) or {}
def selects(selector, labels): return bool(selector) and all(labels.get(k) == v for k, v in selector.items())

for w in workloads:
    spec = w["spec"]["template"]["spec"]
    long_running = w["kind"] != "Job"
    if w["kind"] != "Job" and not selects(w["spec"]["selector"].get("matchLabels"), pod_labels(w)):
        problem(f"{ident(w)}: its selector does not match its pod template's labels")
    if not (spec.get("securityContext") or {}).get("runAsNonRoot"):
        problem(f"{ident(w)}: pod securityContext.runAsNonRoot is not true")
    if long_running and spec.get("terminationGracePeriodSeconds") != 30:
        problem(f"{ident(w)}: terminationGracePeriodSeconds is not 30 (the services drain for up to 25 s)")
    volumes = {v["name"]: v for v in spec.get("volumes") or []}
    for v in volumes.values():
        if "configMap" in v and configmap_keys(v["configMap"]["name"]) is None:
            problem(f"{ident(w)}: volume {v['name']} uses ConfigMap {v['configMap']['name']}, which is not defined")
    for c in spec.get("containers") or []:
        where = f"{ident(w)} container {c['name']}"
        resources_ = c.get("resources") or {}
        for part in ("requests", "limits"):
            for res in ("cpu", "memory"):
                if res not in (resources_.get(part) or {}):
                    problem(f"{where}: no {res} {part[:-1]}")
        sc = c.get("securityContext") or {}
        if sc.get("readOnlyRootFilesystem") is not True:
            problem(f"{where}: readOnlyRootFilesystem is not true")
        if sc.get("allowPrivilegeEscalation") is not False:
            problem(f"{where}: allowPrivilegeEscalation is not false")
        if long_running:
            for probe in ("readinessProbe", "livenessProbe"):
                if probe not in c:
                    problem(f"{where}: no {probe}")
        for m in c.get("volumeMounts") or []:
            if m["name"] not in volumes:
                problem(f"{where}: mounts volume {m['name']}, which the pod does not define")
        for ref in c.get("envFrom") or []:
            if "configMapRef" in ref and configmap_keys(ref["configMapRef"]["name"]) is None:
                problem(f"{where}: envFrom ConfigMap {ref['configMapRef']['name']} is not defined")
            if "secretRef" in ref and ref["secretRef"]["name"] not in secrets:
                problem(f"{where}: envFrom Secret {ref['secretRef']['name']} is not defined")
        for env in c.get("env") or []:
            source = env.get("valueFrom") or {}
            if "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                if ref["key"] not in secrets.get(ref["name"], []):
                    problem(f"{where}: {env['name']} uses key {ref['key']} of Secret {ref['name']}, which is not defined")
            if "configMapKeyRef" in source:
                ref = source["configMapKeyRef"]
                if ref["key"] not in (configmap_keys(ref["name"]) or []):
                    problem(f"{where}: {env['name']} uses key {ref['key']} of ConfigMap {ref['name']}, which is not defined")

def pods_selected(selector):
    return [w for w in workloads if selects(selector, pod_labels(w))]
def container_ports(ws):
    return {p.get("name"): p["containerPort"] for w in ws
            for c in w["spec"]["template"]["spec"].get("containers") or [] for p in c.get("ports") or []}

services = {}
for s in by_kind("Service"):
    selected = pods_selected(s["spec"].get("selector"))
    if not selected:
        problem(f"{ident(s)}: its selector matches no workload's pods")
        continue
    ports = container_ports(selected)
    for p in s["spec"].get("ports") or []:
        target = p.get("targetPort", p["port"])
        if (isinstance(target, str) and target not in ports) or (isinstance(target, int) and target not in ports.values()):
            problem(f"{ident(s)}: port {p.get('name')} targets {target}, which its pods do not have")
    services[s["metadata"]["name"]] = {p["port"] for p in s["spec"].get("ports") or []}

for pdb in by_kind("PodDisruptionBudget"):
    selected = pods_selected((pdb["spec"].get("selector") or {}).get("matchLabels"))
    if not selected:
        problem(f"{ident(pdb)}: its selector matches no workload's pods")
    for w in selected:
        replicas = w["spec"].get("replicas", 1)
        if replicas > 1 and pdb["spec"].get("minAvailable") != 1 and pdb["spec"].get("maxUnavailable") != 1:
            problem(f"{ident(pdb)}: {ident(w)} has {replicas} replicas; expected minAvailable 1 or maxUnavailable 1")
for w in by_kind("Deployment", "StatefulSet"):
    if w["spec"].get("replicas", 1) > 1 and not any(
            selects((p["spec"].get("selector") or {}).get("matchLabels"), pod_labels(w)) for p in by_kind("PodDisruptionBudget")):
        problem(f"{ident(w)}: replicated but no PodDisruptionBudget selects its pods")

config = next((o for o in by_kind("ConfigMap") if o["metadata"]["name"] == "memos-config"), None)
if config is None:
    problem("no ConfigMap memos-config")
else:
    for key, value in (config.get("data") or {}).items():
        if key.endswith("_ADDR"):
            host, _, port = value.rpartition(":")
            if host not in services or not port.isdigit() or int(port) not in services[host]:
                problem(f"memos-config {key}={value} is not a port of a Service of this base")

# The shard proxy's upstream against the retrieval StatefulSet.
retrieval = next((w for w in by_kind("StatefulSet") if w["metadata"]["name"] == "retrieval"), None)
conf_path = os.path.join(base, "retrieval-proxy-nginx.conf")
if retrieval is None:
    problem("no StatefulSet retrieval")
elif not os.path.exists(conf_path):
    problem("no retrieval-proxy-nginx.conf")
else:
    with open(conf_path) as f:
        conf = f.read()
    servers = re.findall(r"^\s*server\s+(\S+?):(\d+)\s[^;]*\bresolve\b", conf, re.M)
    headless = retrieval["spec"]["serviceName"]
    port = container_ports([retrieval]).get("grpc")
    expected = [(f"retrieval-{i}.{headless}.@DOMAIN@", str(port)) for i in range(retrieval["spec"].get("replicas", 1))]
    if servers != expected:
        problem(f"retrieval-proxy-nginx.conf: upstream servers {servers} are not the StatefulSet's replicas {expected}")
    if headless not in services:
        problem(f"StatefulSet retrieval: serviceName {headless} is not a Service of this base")
    headless_service = next((s for s in by_kind("Service") if s["metadata"]["name"] == headless), None)
    if headless_service and headless_service["spec"].get("clusterIP") != "None":
        problem(f"Service {headless} is not headless (clusterIP: None)")
    if not re.search(r"^\s*hash\s+\$http_x_memos_cube\s+consistent;", conf, re.M):
        problem("retrieval-proxy-nginx.conf: the upstream does not hash $http_x_memos_cube consistently")

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
PY
FAILED=0
if ((CHECKS_RC)); then
    sed 's/^/validate-kubernetes: PROBLEM: /' "$WORK/problems.txt" >&2
    [[ -s "$WORK/problems.txt" ]] || say "the consistency checks failed (above)"
    FAILED=1
fi
[[ -s "$WORK/objects.yaml" ]] || { say "nothing to validate"; exit 1; }

say "schemas: kubernetes-validate --strict, Kubernetes $K8S_VERSION"
if ! "$VENV/bin/kubernetes-validate" --strict --quiet --kubernetes-version "$K8S_VERSION" "$WORK/objects.yaml" \
    >"$WORK/schema.txt" 2>&1; then
    sed 's/^/validate-kubernetes: SCHEMA: /' "$WORK/schema.txt" >&2
    FAILED=1
fi
COUNT=$(grep -c '^kind:' "$WORK/objects.yaml")

# ---- 5. nginx -t ------------------------------------------------------------------------------------------------
NGINX=""
if command -v nginx >/dev/null; then
    NGINX="$(command -v nginx)"
elif [[ -x /usr/sbin/nginx ]]; then
    NGINX=/usr/sbin/nginx
elif [[ -x "$TOOLS/nginx/usr/sbin/nginx" ]]; then
    NGINX="$TOOLS/nginx/usr/sbin/nginx"
elif ((WANT_NGINX)); then
    say "unpacking Debian's nginx into $TOOLS ..."
    unpack_deb nginx || { say "could not fetch Debian's nginx package"; exit 1; }
    NGINX="$TOOLS/nginx/usr/sbin/nginx"
fi
NGINX_RESULT="nginx -t: skipped (no nginx installed; --nginx unpacks Debian's)"
if [[ -n "$NGINX" ]]; then
    version="$("$NGINX" -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')"
    at_least() { [[ "$(printf '%s\n%s\n' "$1" "$version" | sort -V | head -n1)" == "$1" ]]; }
    T="$WORK/nginx"
    mkdir -p "$T"
    # Placeholders as the container fills them in; temporary files inside $T, whoever runs this. Every edit keeps
    # the lines where they are, so nginx's line numbers are those of the file.
    temp_paths="client_body_temp_path $T/body; proxy_temp_path $T/proxy; fastcgi_temp_path $T/fastcgi;"
    temp_paths="$temp_paths uwsgi_temp_path $T/uwsgi; scgi_temp_path $T/scgi;"
    sed -e 's/@RESOLVER@/127.0.0.1/g' -e 's/@DOMAIN@/memos.svc.cluster.local/g' \
        -e "s|^http {|http { $temp_paths|" "$BASE/retrieval-proxy-nginx.conf" >"$T/nginx.conf"
    changed=""
    if ! at_least 1.27.3; then
        sed -i 's/^\([[:space:]]*server[[:space:]]\+\)[^[:space:]]\+:\([0-9]\+\)\([^;]*\)[[:space:]]resolve\b/\1127.0.0.1:\2\3/' \
            "$T/nginx.conf"
        changed="the resolve servers pointed at 127.0.0.1"
    fi
    if ! at_least 1.25.1; then
        sed -i -e 's/^\([[:space:]]*\)http2 on;/\1# http2 on;/' -e 's/^\([[:space:]]*listen[[:space:]]\+[0-9]\+\);/\1 http2;/' "$T/nginx.conf"
        changed="$changed, 'http2 on' as 'listen ... http2'"
    fi
    if "$NGINX" -t -q -e stderr -p "$T/" -c "$T/nginx.conf" >"$T/out.txt" 2>&1; then
        NGINX_RESULT="nginx $version -t: ok${changed:+ (nginx older than 1.27.3: $changed)}"
    else
        sed -e "s|$T/nginx.conf|deploy/kubernetes/retrieval-proxy-nginx.conf|g" -e 's/^/validate-kubernetes: NGINX: /' \
            "$T/out.txt" >&2
        NGINX_RESULT="nginx $version -t: FAILED"
        FAILED=1
    fi
fi
say "$NGINX_RESULT"

if ((FAILED)); then
    say "FAILED ($COUNT objects from ${RENDERER:-the listed files})"
    exit 1
fi
say "ok: $COUNT objects from ${RENDERER:-the listed files} valid for Kubernetes $K8S_VERSION (strict), consistent"
