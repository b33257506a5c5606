"""Imports point down: no app imports a higher one, no app's modules import each other in a circle, and an
import inside a function says why it cannot be at the top (``kuyakusho.core.layers``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kuyakusho.core import layers

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def graph() -> layers.Graph:
    return layers.build(ROOT)


def test_the_tree_is_read(graph):
    """The graph holds the apps and their imports (a check over an empty graph would pass for nothing)."""
    assert {"core", "accounts", "audit", "residents", "certificates", "queues", "config"} <= set(graph.apps())
    edges = graph.app_edges()
    assert ("certificates", "residents") in edges
    assert ("config", "certificates") in edges


def test_no_app_imports_a_higher_one(graph):
    assert layers.upward_imports(graph) == []


def test_no_apps_import_each_other(graph):
    assert layers.app_cycles(graph) == []


def test_no_cycles_between_the_modules_of_an_app(graph):
    assert layers.module_cycles(graph) == []


def test_selectors_do_not_reach_into_services(graph):
    assert layers.selectors_importing_services(graph) == []


def test_a_selector_importing_a_service_is_found(tmp_path):
    graph = _tree(tmp_path, {
        "kuyakusho/audit/__init__.py": "",
        "kuyakusho/audit/services.py": "",
        "kuyakusho/residents/__init__.py": "",
        "kuyakusho/residents/services/__init__.py": "",
        "kuyakusho/residents/services/common.py": "",
        "kuyakusho/residents/selectors.py": (
            "from kuyakusho.audit.services import record_reads\n"
            "from .services.common import lock_members\n"),
        "kuyakusho/residents/portal_selectors.py": "from . import services\n",
    })
    assert layers.selectors_importing_services(graph) == [
        "kuyakusho.residents.portal_selectors:1 imports kuyakusho.residents.services (a read reaching into writes)",
        "kuyakusho.residents.selectors:2 imports kuyakusho.residents.services.common "
        "(a read reaching into writes)"]


def test_imports_inside_functions_say_why(graph):
    assert layers.uncommented_function_imports(graph) == []


def test_areas_still_to_come_have_their_layer():
    """Facilities, reports, open data and planning are checked from the day their folder appears."""
    for app in ("facilities", "reports", "opendata", "planning"):
        assert layers.LEVEL[app] == layers.LEVEL["queues"]
    assert layers.LEVEL["config"] > layers.LEVEL["demo"] > layers.LEVEL["portal"] > layers.LEVEL["guide"]
    assert layers.LEVEL["certificates"] > layers.LEVEL["residents"] > layers.LEVEL["offices"]
    assert layers.LEVEL["audit"] > layers.LEVEL["core"]


# --- the checks can fail ---------------------------------------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> layers.Graph:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in ("kuyakusho", "config"):
        (root / folder).mkdir(exist_ok=True)
    return layers.build(root)


def test_an_upward_import_is_found(tmp_path):
    graph = _tree(tmp_path, {
        "kuyakusho/residents/__init__.py": "",
        "kuyakusho/residents/models.py": "from kuyakusho.certificates import models\n",
        "kuyakusho/certificates/__init__.py": "",
        "kuyakusho/certificates/models.py": "from ..residents.models import x\n",
        "kuyakusho/residents/tests/__init__.py": "",
        "kuyakusho/residents/tests/test_x.py": "from kuyakusho.certificates.models import y\n",
    })
    found = layers.upward_imports(graph)
    assert found == ["kuyakusho.residents.models:1 imports kuyakusho.certificates.models "
                     "(residents is below certificates)"]  # the test module may
    assert layers.app_cycles(graph) == [["certificates", "residents"]]


def test_an_app_in_no_layer_is_found(tmp_path):
    graph = _tree(tmp_path, {"kuyakusho/lottery/__init__.py": "", "kuyakusho/lottery/models.py": ""})
    assert layers.upward_imports(graph) == [
        "lottery: an app in no layer (add it to kuyakusho.core.layers.LAYERS)"]


def test_a_cycle_inside_an_app_is_found_also_through_a_function(tmp_path):
    graph = _tree(tmp_path, {
        "kuyakusho/demo/__init__.py": "",
        "kuyakusho/demo/population/__init__.py": "",
        "kuyakusho/demo/population/generator.py": "from .registry import Registry\n",
        "kuyakusho/demo/population/registry.py": (
            "def build():\n"
            "    # a cycle dodged is still a cycle\n"
            "    from . import generator\n"),
        "kuyakusho/demo/population/typed.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n"
            "    from .generator import x\n"),
    })
    assert layers.module_cycles(graph) == [["kuyakusho.demo.population.generator",
                                            "kuyakusho.demo.population.registry"]]


def test_an_import_in_a_function_needs_its_reason(tmp_path):
    graph = _tree(tmp_path, {
        "kuyakusho/core/__init__.py": "",
        "kuyakusho/core/a.py": "",
        "kuyakusho/core/b.py": "",
        "kuyakusho/core/c.py": (
            "def ready():\n"
            "    # in ready(): models cannot be imported while the registry loads\n"
            "    from . import a\n"
            "\n"
            "    from . import b\n"
            "\n"
            "\n"
            "def later():\n"
            "    x = 1\n"
            "    from .a import thing\n"
            "    from .b import (\n"
            "        other,  # reason on a continuation line\n"
            "    )\n"),
    })
    assert layers.uncommented_function_imports(graph) == [
        "kuyakusho.core.c:10 imports kuyakusho.core.a inside a function without a comment saying why"]


def test_the_table_names_each_pair_once(tmp_path):
    graph = _tree(tmp_path, {
        "kuyakusho/core/__init__.py": "",
        "kuyakusho/core/errors.py": "",
        "kuyakusho/residents/__init__.py": "",
        "kuyakusho/residents/models.py": "from kuyakusho.core.errors import E\nimport kuyakusho.core.errors\n",
        "kuyakusho/residents/views.py": "from kuyakusho.core import errors\n",
    })
    assert "| residents | core (2) |" in layers.table(graph).splitlines()
