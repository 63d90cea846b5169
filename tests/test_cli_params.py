"""One parameter naming for ``--param`` and grid files (STEP__NAME, or NAME when one step has
it), the steps named in the errors; flags over the grid file; search progress (--verbose)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from skimgclf._preset_catalog import MODEL_PRESETS, PRESET_STEPS
from skimgclf.cli import main
from skimgclf.datasets import load_digits_images
from skimgclf.persistence import load_model
from skimgclf.presets import make_model


@pytest.fixture()
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, y = load_digits_images(return_X_y=True)
    np.savez("d.npz", X=X[:300].reshape(-1, 8, 8), y=y[:300])
    return tmp_path


def _grid(models, **extra):
    with open("g.json", "w") as f:
        json.dump({"models": models, **extra}, f)
    return "g.json"


def _error(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize("name", sorted(MODEL_PRESETS))
def test_the_help_table_of_steps_is_what_make_model_builds(name):
    model = make_model(name, image_shape=(8, 8))
    assert tuple((s, type(e).__name__) for s, e in model.steps) == PRESET_STEPS[name]


# ---------------------------------------------------------------------------------- --param
@pytest.mark.parametrize("param", ["clf__C=0.25", "C=0.25"])
def test_param_takes_the_step_name_or_a_name_one_step_has(param, in_tmp):
    argv = ["train", "d.npz", "--model", "hog-logreg", "-o", "m.skimgclf", "-q"]
    assert main([*argv, "--param", param, "--param", "orientations=6"]) == 0
    model = load_model("m.skimgclf")
    assert model.named_steps["clf"].C == 0.25 and model.named_steps["hog"].orientations == 6


def test_a_name_two_steps_have_must_say_which(in_tmp, capsys):
    argv = ["train", "d.npz", "--model", "hog-logreg", "--param", "n_jobs=2"]
    assert main(argv) == 2
    assert ("--param n_jobs=2: 'n_jobs' is a parameter of the steps hog, clf of the model; say "
            "which: hog__n_jobs or clf__n_jobs") in _error(capsys)


def test_an_unknown_name_lists_the_steps(in_tmp, capsys):
    assert main(["train", "d.npz", "--model", "cnn", "--param", "learning_rate=0.1"]) == 2
    line = _error(capsys)
    assert "the model has no parameter 'learning_rate'" in line
    assert "the steps of cnn are scale (Normalizer), clf (CNNClassifier)" in line
    assert main(["train", "d.npz", "--model", "logreg", "--param", "max_iterr=5"]) == 2
    assert "did you mean clf__max_iter?" in _error(capsys)


def test_network_routing_names_resolve_to_the_network(in_tmp):
    argv = ["train", "d.npz", "--model", "mlp", "--max-epochs", "1", "-o", "m.skimgclf", "-q"]
    assert main([*argv, "--param", "module__dropout=0.25"]) == 0
    assert load_model("m.skimgclf").named_steps["clf"].get_params()["module__dropout"] == 0.25


# ------------------------------------------------------------------------------- grid files
def test_grid_names_are_the_same_as_param_names(in_tmp, capsys):
    grid = _grid({"a": {"preset": "logreg", "grid": {"C": [0.1, 1.0]}},
                  "b": {"preset": "logreg", "grid": {"clf__C": [0.1, 1.0]}},
                  "hog": {"preset": "hog-logreg", "grid": {"std__with_mean": [True, False],
                                                           "orientations": [6]}}}, cv=2)
    assert main(["search", "digits", "--limit", "300", "--grid", grid, "-q", "-o",
                 "best.skimgclf", "--param", "max_iter=40"]) == 0
    table = capsys.readouterr().out
    assert table.count("| a | C=") == 2 and table.count("| b | C=") == 2
    assert table.count("prep__std__with_mean=") == 2 and "prep__hog__orientations=6" in table
    best = load_model("best.skimgclf")
    assert best.named_steps["clf"].max_iter == 40 and best.class_names_[0] == "0"


def test_a_grid_name_two_steps_have_or_no_step_has_is_named(in_tmp, capsys):
    grid = _grid({"hog": {"preset": "hog-logreg", "grid": {"n_jobs": [1]}}})
    assert main(["search", "d.npz", "--grid", grid]) == 2
    assert "'n_jobs' is a parameter of the steps hog, clf" in _error(capsys)
    grid = _grid({"hog": {"preset": "hog-logreg", "grid": {"orientation": [6]}}})
    assert main(["search", "d.npz", "--grid", grid]) == 2
    line = _error(capsys)
    assert "model 'hog', grid orientation=6: the model has no parameter 'orientation'" in line
    assert "did you mean hog__orientations?" in line and "the steps of hog-logreg are" in line


def test_search_param_goes_to_every_family_that_has_it(in_tmp, capsys):
    grid = _grid({"lr": {"preset": "logreg"}, "mlp": {"preset": "mlp"}}, cv=2)
    argv = ["search", "d.npz", "--grid", grid, "-q", "--max-epochs", "1"]
    assert main([*argv, "--param", "max_iter=30", "--param", "hidden_sizes=[16]"]) == 0
    assert main([*argv, "--param", "gamma=3"]) == 2
    assert "--param gamma=3: no model of g.json has a parameter 'gamma'" in _error(capsys)


def test_search_takes_a_preset_that_is_a_network_alone(in_tmp, capsys):
    """resnet9 has no preprocessing step: its family searches the network alone."""
    grid = _grid({"r9": {"preset": "resnet9", "grid": {"lr": [0.01]}}}, cv=2)
    tiny = ["--param", "module__widths=[4,4,8,8]", "--param", "min_steps=1"]
    assert main(["search", "d.npz", "--grid", grid, "-q", "--max-epochs", "1", *tiny]) == 0
    assert "| r9 | lr=0.01 |" in capsys.readouterr().out


# ------------------------------------------------------------------- flags over the grid file
def test_cv_flag_wins_over_the_grid_file_with_a_note(in_tmp, capsys):
    grid = _grid({"lr": {"preset": "logreg", "grid": {"max_iter": [30]}}}, cv=2)
    assert main(["search", "d.npz", "--grid", grid, "--verbose", "1"]) == 0
    captured = capsys.readouterr()  # scikit-learn's verbose lines are progress: stderr
    assert "Fitting 2 folds" in captured.err and "note" not in captured.err  # the file's cv
    assert main(["search", "d.npz", "--grid", grid, "--cv", "3", "--verbose", "1"]) == 0
    captured = capsys.readouterr()
    assert "Fitting 3 folds for each of 1 candidates" in captured.err
    assert captured.err.startswith("skimgclf search: note: --cv 3 overrides cv = 2 of g.json\n")
    grid = _grid({"lr": {"preset": "logreg", "grid": {"max_iter": [30]}}})
    assert main(["search", "d.npz", "--grid", grid, "--verbose", "1"]) == 0
    assert "Fitting 3 folds" in capsys.readouterr().err  # neither: 3


def test_search_verbose_prints_a_line_per_fit(in_tmp, capsys):
    grid = _grid({"lr": {"preset": "logreg", "grid": {"C": [0.5, 1.0], "max_iter": [30]}}})
    assert main(["search", "d.npz", "--grid", grid, "--cv", "2", "--verbose", "2"]) == 0
    captured = capsys.readouterr()  # progress on the standard error, the table on the output
    assert captured.err.count("[CV] END") == 4 and "[CV]" not in captured.out
    assert ("1 model families on d.npz (300 images): 2 candidates x 2 folds = 4 fits"
            in captured.err)
    assert captured.out.startswith("| rank |")
    assert main(["search", "d.npz", "--grid", grid, "--cv", "2"]) == 0
    err = capsys.readouterr().err
    assert "[CV] END" not in err and "--verbose 2 prints a line per fit" in err


def test_search_workers_print_their_progress_on_the_standard_error(in_tmp, capfd):
    grid = _grid({"lr": {"preset": "logreg", "grid": {"C": [0.5, 1.0], "max_iter": [30]}}})
    argv = ["search", "d.npz", "--grid", grid, "--cv", "2", "--verbose", "2", "--n-jobs", "2"]
    assert main(argv) == 0
    captured = capfd.readouterr()  # the workers' file descriptors, not only sys.stdout
    assert captured.err.count("[CV] END") == 4 and "[CV]" not in captured.out


# ---------------------------------------------------------------------- routed parameters
@pytest.mark.parametrize("name", ["CNNClassifier", "TorchMLPClassifier"])
def test_the_routing_prefixes_are_the_networks_own(name):
    import skimgclf
    from skimgclf._cli._params import routing_prefixes
    from skimgclf.neural._params import ROUTING_PREFIXES

    net = getattr(skimgclf, name)()
    assert set(ROUTING_PREFIXES) <= routing_prefixes(net)  # what the network checks at fit
    assert set(net.prefixes_) <= routing_prefixes(net)  # what skorch routes
    assert routing_prefixes(make_model("logreg", image_shape=(8, 8))[-1]) == frozenset()


def test_every_routed_prefix_reaches_the_network_without_its_step(in_tmp):
    argv = ["train", "d.npz", "--model", "mlp", "--max-epochs", "1", "-o", "m.skimgclf", "-q"]
    assert main([*argv, "--param", "compile__mode=default", "--param",
                 "criterion__label_smoothing=0.1", "--param", "optimizer__eps=1e-7"]) == 0
    params = load_model("m.skimgclf").named_steps["clf"].get_params()
    assert params["compile__mode"] == "default" and params["criterion__label_smoothing"] == 0.1
    assert params["optimizer__eps"] == 1e-7
