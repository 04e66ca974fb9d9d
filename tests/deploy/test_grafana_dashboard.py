"""The Grafana dashboard ships with the monitoring component, and every metric it plots exists."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "sanwei-dashboard.json"


def dashboard_metric_names() -> set[str]:
    """The sanwei_… and faststream_… sample names the dashboard's queries use."""
    exprs = [t["expr"] for p in json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"] for t in p.get("targets", [])]
    return {name for expr in exprs for name in re.findall(r"\b(?:sanwei|faststream)_[a-z_]+\b", expr)}


def test_dashboard_is_valid_grafana_json_with_unique_panel_ids() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert dashboard["uid"] == "sanwei-overview"
    assert dashboard_metric_names()


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")
def test_production_ships_the_dashboard_as_a_grafana_sidecar_configmap() -> None:
    built = subprocess.run(["kubectl", "kustomize", str(ROOT / "deploy" / "k8s" / "overlays" / "production")],
                           capture_output=True, text=True, check=True).stdout
    (configmap,) = [o for o in yaml.safe_load_all(built)
                    if o and o["kind"] == "ConfigMap" and o["metadata"]["name"] == "sanwei-grafana-dashboard"]
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(configmap["data"]["sanwei-dashboard.json"]) == json.loads(DASHBOARD.read_text(encoding="utf-8"))
