"""The import contracts of pyproject.toml ([tool.importlinter], docs/architecture.md) hold:
a new cycle or an import up the process fails the suite, as well as `make lint`."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_layers_contract_lists_every_app():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["id"] == "layers")["layers"]
    listed = {name.strip() for layer in layers for name in layer.split("|")}
    apps = {f"coopess.{path.parent.name}" for path in (ROOT / "coopess").glob("*/apps.py")}
    assert apps <= listed, sorted(apps - listed)


def test_later_steps_plug_their_parts_into_the_call_page():
    """Selection, diagnostic and competition add their inlines to « Gestion des appels » from
    their apps' ready() (coopess/calls/officer_site.py never imports them), in process order."""
    from coopess.calls.admin import CallAdmin
    from coopess.calls.officer_site import OfficerCallAdmin

    names = [f"{i.__module__}.{i.__name__}" for i in OfficerCallAdmin.inlines]
    assert names[-6:] == [
        "coopess.selection.officer_site.RuleInline",
        "coopess.selection.officer_site.CriterionInline",
        "coopess.selection.officer_site.LetterInline",
        "coopess.diagnostic.officer_site.InterviewGuideInline",
        "coopess.diagnostic.officer_site.SelfDiagnosticInline",
        "coopess.competition.officer_site.CompetitionSettingsInline",
    ]
    assert len(names) == len(set(names))
    assert CallAdmin.inlines == OfficerCallAdmin.inlines


def test_later_steps_plug_their_parts_into_earlier_pages():
    """« Mon espace » and the application page show later steps through registries filled at
    ready() (coopess/accounts/dashboard.py, coopess/applications/panels.py)."""
    from coopess.accounts.dashboard import provider_names
    from coopess.applications.panels import panel_names

    assert provider_names() == [
        "calls.managed_calls",
        "applications.mine",
        "diagnostic.accompanied",
        "competition.provider",
    ]
    assert panel_names() == ["selection.messages"]
