"""``skimgclf export MODEL --format onnx -o FILE``: a saved network as an ONNX graph; a step the
exporter refuses is one line naming it, exit code 2, and nothing written."""

from __future__ import annotations

import numpy as np
import pytest

from skimgclf.cli import main
from skimgclf.datasets import load_digits_images
from skimgclf.persistence import load_model

pytest.importorskip("onnx")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    common = ["digits", "--limit", "300", "-q"]
    assert main(["train", *common, "--model", "mlp", "--max-epochs", "1", "-o",
                 str(root / "mlp.skimgclf")]) == 0
    assert main(["train", *common, "--model", "logreg", "--param", "clf__max_iter=50", "-o",
                 str(root / "lr.skimgclf")]) == 0
    return root


@pytest.fixture()
def here(models, monkeypatch):
    monkeypatch.chdir(models)
    return models


def test_a_network_is_exported_and_runs(here, capsys):
    assert main(["export", "mlp.skimgclf", "--format", "onnx", "-o", "out/mlp.onnx"]) == 0
    assert capsys.readouterr().out.strip() == "exported mlp.skimgclf to out/mlp.onnx"
    assert sorted(p.name for p in (here / "out").iterdir()) == ["mlp.onnx"]  # no temporary
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(here / "out" / "mlp.onnx"),
                                   providers=["CPUExecutionProvider"])
    X = load_digits_images().images[:20].astype(np.uint8)
    proba = session.run(None, {session.get_inputs()[0].name: X})[0]
    model = load_model(here / "mlp.skimgclf")
    assert np.abs(proba - model.predict_proba(X)).max() < 1e-4


def test_a_network_with_test_time_views_needs_no_tta(here, capsys):
    from skimgclf.persistence import save_model

    model = load_model(here / "mlp.skimgclf")
    save_model(model.set_params(clf__tta="flip"), here / "tta.skimgclf")
    assert main(["export", "tta.skimgclf", "-o", "tta.onnx"]) == 2
    err = capsys.readouterr().err
    assert "averages test-time views (tta='flip')" in err and "add --no-tta" in err
    assert not (here / "tta.onnx").exists()
    assert main(["export", "tta.skimgclf", "-o", "tta.onnx", "--no-tta", "-q"]) == 0
    assert (here / "tta.onnx").is_file()
    assert load_model(here / "tta.skimgclf").named_steps["clf"].tta == "flip"  # file as it was


def test_the_default_output_is_the_models_name_with_onnx(here, capsys):
    assert main(["export", "mlp.skimgclf", "-q"]) == 0
    assert (here / "mlp.onnx").is_file() and capsys.readouterr().out == ""


def test_a_step_the_exporter_refuses_is_exit_2_and_writes_nothing(here, capsys):
    assert main(["export", "lr.skimgclf", "-o", "lr.onnx"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("skimgclf export: error: the step 'clf' (LogisticRegression) cannot "
                          "be exported to ONNX")
    assert not list(here.glob("*lr.onnx*"))


@pytest.mark.parametrize("argv, message", [
    (["export", "mlp.skimgclf", "-o", "mlp.skimgclf"], "-o mlp.skimgclf is the model file"),
    (["export", "missing.skimgclf"], "model file not found: missing.skimgclf"),
    (["export", "mlp.skimgclf", "--format", "tflite"], "argument --format: invalid choice"),
])
def test_export_mistakes_are_one_line(argv, message, here, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
