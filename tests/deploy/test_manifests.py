"""The container and the Kubernetes manifests, checked without Docker or a cluster.

The manifests are validated against Kubernetes' own OpenAPI schemas, which kubernetes-validate
ships (no network), strictly (an unknown field, a typo, fails). Then what matters is asserted:
the probes ask Streamlit's health endpoint, the Ingress pins a browser with a cookie and keeps
an idle WebSocket open, and one port runs through the Dockerfile, the pod, the Service and the
Ingress.
"""

from __future__ import annotations

import copy
import json
import re
import shlex

import kubernetes_validate
import pytest
import yaml

from bench.live import ROOT
from bench.proxy import cookie_name

K8S = ROOT / "deploy" / "k8s"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
# A release clusters still run, and the newest the validator ships (its schemas, offline).
VERSIONS = ("1.31.0", "1.37.0")
HEALTH = "/_stcore/health"
STREAMLIT_PORT = 8501  # `streamlit run`'s default, and the image's


def _docs() -> dict[str, dict]:
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                found[doc["kind"]] = doc
    return found


DOCS = _docs()


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def _container() -> dict:
    (container,) = DOCS["Deployment"]["spec"]["template"]["spec"]["containers"]
    return container


def test_the_manifests_are_a_deployment_a_service_and_an_ingress():
    assert set(DOCS) == {"Deployment", "Service", "Ingress"}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("kind", ["Deployment", "Service", "Ingress"])
def test_each_manifest_is_valid_kubernetes(kind, version):
    kubernetes_validate.validate(DOCS[kind], version, strict=True)


def test_the_validator_is_not_a_formality():
    broken = copy.deepcopy(DOCS["Deployment"])
    broken["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "http"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)
    typo = copy.deepcopy(DOCS["Service"])
    typo["spec"]["selectr"] = typo["spec"].pop("selector")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, VERSIONS[-1], strict=True)


def test_probes_ask_streamlits_health_endpoint_on_its_port():
    container = _container()
    (port,) = container["ports"]
    assert port["containerPort"] == STREAMLIT_PORT
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        get = container[probe]["httpGet"]
        assert get["path"] == HEALTH, probe
        assert get["port"] in (port["name"], port["containerPort"]), probe


def test_resources_hold_a_replica_and_leave_the_cpu_unthrottled():
    resources = _container()["resources"]

    def mebibytes(text: str) -> float:
        number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", text).groups()
        return int(number) * (1024 if unit == "Gi" else 1)

    request = mebibytes(resources["requests"]["memory"])
    limit = mebibytes(resources["limits"]["memory"])
    assert request >= 300 * 1e6 / 2**20, "a replica is about 300 MB resident (README)"
    assert limit >= 2 * request
    # The result cache at its worst, every entry at the work budget's memory limit, on top.
    from layers.cost import BUDGET_BYTES
    from ui.compute import STACK_CACHE_ENTRIES

    worst = 320e6 + STACK_CACHE_ENTRIES * BUDGET_BYTES
    assert limit * 2**20 >= worst, f"the cache alone may keep {worst / 1e9:.1f} GB"
    assert "cpu" not in resources["limits"], "a CPU limit throttles every slider move"


def test_the_service_reaches_the_pods_on_streamlits_port():
    service, deployment = DOCS["Service"], DOCS["Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    (port,) = service["spec"]["ports"]
    assert port["targetPort"] in (_container()["ports"][0]["name"], STREAMLIT_PORT)


def test_the_ingress_is_sticky_by_cookie_and_keeps_websockets_open():
    ingress = DOCS["Ingress"]
    notes = {
        k.removeprefix("nginx.ingress.kubernetes.io/"): v
        for k, v in ingress["metadata"]["annotations"].items()
    }
    assert notes["affinity"] == "cookie"
    assert notes["affinity-mode"] == "persistent"
    assert notes["session-cookie-name"] == cookie_name(), "the same cookie as deploy/serve's"
    assert notes["session-cookie-change-on-failure"] == "true"
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(notes[timeout]) >= 3600, f"{timeout}: an idle WebSocket would be cut"
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    assert path["path"] == "/" and path["pathType"] == "Prefix"
    backend = path["backend"]["service"]
    assert backend["name"] == DOCS["Service"]["metadata"]["name"]
    assert backend["port"]["name"] == DOCS["Service"]["spec"]["ports"][0]["name"]


def test_the_pods_share_one_cookie_secret():
    env = {e["name"]: e for e in _container()["env"]}
    secret = env["STREAMLIT_SERVER_COOKIE_SECRET"]["valueFrom"]["secretKeyRef"]
    assert secret["name"] and secret["key"]
    assert "STREAMLIT_SERVER_COOKIE_SECRET" in (ROOT / "deploy" / "serve").read_text()


def test_the_dockerfile_is_the_readmes_install_as_a_non_root_user():
    steps = _dockerfile()
    assert steps[0] == ("FROM", "python:3.11-slim")
    args = dict(a.split("=", 1) for kind, a in steps if kind == "ARG")
    assert args["PIP_EXTRA_INDEX_URL"].endswith("/whl/cpu"), "torch's CPU wheels, not CUDA's"
    assert ("RUN", "pip install -r requirements.txt") in steps
    (user,) = [a for kind, a in steps if kind == "USER"]
    uid = user.split(":")[0]
    assert uid not in ("root", "0")
    security = DOCS["Deployment"]["spec"]["template"]["spec"]["securityContext"]
    assert security["runAsNonRoot"] and str(security["runAsUser"]) == uid


def test_the_image_serves_streamlit_on_all_addresses_with_a_health_check():
    steps = dict(_dockerfile()[1:])  # the last of each instruction
    assert steps["EXPOSE"] == str(STREAMLIT_PORT)
    command = json.loads(steps["CMD"])  # the exec form is a JSON list
    assert command[:5] == ["python", "-m", "streamlit", "run", "app.py"]
    options = dict(zip(command[5::2], command[6::2], strict=True))
    assert options["--server.address"] == "0.0.0.0"
    assert options["--server.port"] == str(STREAMLIT_PORT)
    assert options["--server.headless"] == "true"
    health = json.loads(steps["HEALTHCHECK"].split(" CMD ", 1)[1])
    assert f"127.0.0.1:{STREAMLIT_PORT}{HEALTH}" in shlex.join(health)


def test_the_build_context_keeps_what_the_app_needs():
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    needed = {"app.py", "requirements.txt", ".streamlit", "ui", "views", "viz", "layers", "locales"}
    needed |= {"lessons", "data"}  # the pages' packages; the Korean reviews the text page counts
    assert not needed & ignored
    assert all((ROOT / name).exists() for name in needed)
    assert {".git", "tests", "bench"} <= ignored
