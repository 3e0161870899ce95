"""kan-tasks suite: pykan's own tasks, learnact and pykan side by side in one run (opt-in).

``learnact bench --suite kan-tasks`` (not part of the default run: it takes
minutes and needs pykan, from the ``bench`` extra). Both candidates get the
same data, pykan's ``create_dataset`` (x ~ U[-1, 1], 1000 train / 1000
test, seed 0), in float64, with pykan's widths, grids and step counts:

* ``hellokan``: ``exp(sin(pi x1) + x2^2)``, [2, 5, 1], grid 3, 50 steps with
  the sparsity penalty (lamb 0.001), prune, 50 steps, refine to grid 10,
  50 steps;
* ``grid-extension`` (pykan's Example 1): the same function, [2, 1, 1],
  grids 3, 10, 20, 50, 100, 200 steps each;
* ``deep-formula`` (Example 3): ``exp((sin(pi(x1^2+x2^2)) + sin(pi(x3^2+x4^2)))/2)``,
  [4, 2, 1, 1], 20 steps (lamb 0.002) at grid 3, then refine to 3, 5, 10,
  20, 50 with 50 steps each (grid updates until step 20);
* ``special-function`` (Example 5): ``exp(J0(20 x1) + x2^2)``, [2, 1, 1],
  grid 3, 20 steps, refine to 20, 20 steps.

A step is pykan's: one ``LBFGS.step`` of up to 20 iterations (strong-Wolfe
line search, history 10); pykan's ``fit`` updates the grids from the
training inputs every ``stop_grid_update_step / 10`` steps before
``stop_grid_update_step`` (50 by default), and learnact does the same with
:func:`learnact.kan.update_grids` between :func:`learnact.training.fit_lbfgs`
calls (scipy's L-BFGS-B over a compiled ``jax.value_and_grad``), from
pykan's initial KAN (``KANDense(use_spline_scale=True)``, pykan's noise and
base weights). Each stage's wall time covers everything it does, JAX
compilation included. pykan runs on PyTorch with one thread (as the issue
measured it).

Targets: at every stage a test RMSE no worse than pykan's, and each task in at
most a tenth of pykan's wall time.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time

import numpy as np

TASKS = ("hellokan", "grid-extension", "deep-formula", "special-function")
SPEED_TARGET = 0.1


def _functions(torch):
    """The tasks' target functions, on torch tensors (pykan's create_dataset takes them)."""
    pi = torch.pi
    return {
        "hellokan": (2, lambda x: torch.exp(torch.sin(pi * x[:, [0]]) + x[:, [1]] ** 2)),
        "grid-extension": (2, lambda x: torch.exp(torch.sin(pi * x[:, [0]]) + x[:, [1]] ** 2)),
        "deep-formula": (
            4,
            lambda x: torch.exp(
                (
                    torch.sin(pi * (x[:, [0]] ** 2 + x[:, [1]] ** 2))
                    + torch.sin(pi * (x[:, [2]] ** 2 + x[:, [3]] ** 2))
                )
                / 2
            ),
        ),
        "special-function": (
            2,
            lambda x: torch.exp(torch.special.bessel_j0(20 * x[:, [0]]) + x[:, [1]] ** 2),
        ),
    }


def _plan(task: str, quick: bool) -> dict:
    """Widths, seed and stages: ``(label, action, argument, steps, lamb, stop_grid_update)``."""
    scale = (lambda n: max(2, n // 10)) if quick else (lambda n: n)
    if task == "hellokan":
        stages = [
            ("grid 3", "init", 3, scale(50), 0.001, 50),
            ("pruned", "prune", None, scale(50), 0.0, 50),
            ("grid 10", "refine", 10, scale(50), 0.0, 50),
        ]
        return {"width": [2, 5, 1], "seed": 1, "stages": stages}
    if task == "grid-extension":
        grids = (3, 10) if quick else (3, 10, 20, 50, 100)
        stages = [
            (f"grid {g}", "init" if i == 0 else "refine", g, scale(200), 0.0, 50)
            for i, g in enumerate(grids)
        ]
        return {"width": [2, 1, 1], "seed": 1, "stages": stages}
    if task == "deep-formula":
        grids = (3, 5) if quick else (3, 5, 10, 20, 50)
        stages = [("grid 3 (lamb)", "init", 3, scale(20), 0.002, 50)]
        stages += [(f"grid {g}", "refine", g, scale(50), 0.0, 20) for g in grids]
        return {"width": [4, 2, 1, 1], "seed": 1, "stages": stages}
    stages = [
        ("grid 3", "init", 3, scale(20), 0.0, 50),
        ("grid 20", "refine", 20, scale(20), 0.0, 50),
    ]
    return {"width": [2, 1, 1], "seed": 2, "stages": stages}


def _rmse(prediction, target) -> float:
    return float(np.sqrt(np.mean((np.asarray(prediction, np.float64) - target) ** 2)))


# --- pykan ---------------------------------------------------------------------------


def _run_pykan(plan, dataset, folder) -> list[dict]:

    # pykan's refine and prune save checkpoints there whatever auto_save says.
    os.makedirs(folder, exist_ok=True)
    model = None
    rows = []
    for label, action, argument, steps, lamb, stop in plan["stages"]:
        start = time.perf_counter()
        # pykan prints a line per saved checkpoint and a progress bar per fit: keep the
        # report clean (both are cheap, so the timing is not changed by the redirection).
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            model = _pykan_stage(model, plan, action, argument, folder)
            results = model.fit(
                dataset, opt="LBFGS", steps=steps, lamb=lamb, stop_grid_update_step=stop, log=steps
            )
        seconds = time.perf_counter() - start
        rows.append(
            {
                "stage": label,
                "seconds": seconds,
                "test_rmse": float(results["test_loss"][-1]),
                # What pykan's L-BFGS minimised, at its last evaluation: MSE + lamb * reg.
                "train_objective": float(results["train_loss"][-1]) ** 2
                + lamb * float(results["reg"][-1]),
                # MultKAN's width holds [sum units, multiplication units] per layer.
                "widths": [
                    int(w[0]) if isinstance(w, (list, tuple)) else int(w) for w in model.width
                ],
            }
        )
    return rows


def _pykan_stage(model, plan, action, argument, folder):
    """Return pykan's model for a stage: a new KAN, the pruned model or the refined one."""
    from kan import KAN

    if action == "init":
        return KAN(
            width=list(plan["width"]),  # pykan rewrites it in place
            grid=argument,
            k=3,
            seed=plan["seed"],
            auto_save=False,
            ckpt_path=folder,
        )
    if action == "prune":
        return model.prune()
    return model.refine(argument)


# --- learnact ------------------------------------------------------------------------


def _kan_model(width, grid_size, lamb):
    import keras

    from learnact.kan import KANSparsity
    from learnact.layers import KANDense

    penalty = KANSparsity(strength=lamb) if lamb > 0 else None
    layers = [keras.Input((width[0],))]
    for inputs, units in zip(width[:-1], width[1:], strict=True):
        # pykan's initial KAN: each edge's spline from noise of +-0.15 / grid at the grid
        # points times scale_sp = 1/sqrt(inputs), a trainable scale per edge (here it
        # starts at 1 with the 1/sqrt(inputs) in the noise: the same function), base
        # weights U(-1, 1)/sqrt(inputs).
        scale = 1 / np.sqrt(inputs)
        noise = 0.15 / grid_size * scale
        layers.append(
            KANDense(
                units,
                grid_size=grid_size,
                edge_regularizer=penalty,
                use_spline_scale=True,
                spline_kernel_initializer=keras.initializers.RandomUniform(-noise, noise),
                base_kernel_initializer=keras.initializers.RandomUniform(-scale, scale),
            )
        )
    return keras.Sequential(layers)


def _set_penalty(model, lamb):
    from learnact.kan import KANSparsity

    for layer in model.layers:
        layer.edge_regularizer = KANSparsity(strength=lamb) if lamb > 0 else None


def _fit_like_pykan(model, x, y, steps, stop_grid_update_step, grid_update_num=10):
    """pykan's ``fit``: grid updates every ``stop / num`` steps before ``stop``, L-BFGS between.

    Returns the objective (mean squared error plus the penalty) after the last step.
    """
    from learnact import kan
    from learnact.training import fit_lbfgs

    every = max(1, int(stop_grid_update_step / grid_update_num))
    done = 0
    while done < steps:
        if done < stop_grid_update_step and done % every == 0:
            kan.update_grids(model, x)
            chunk = min(every, steps - done)
        else:
            chunk = steps - done
        objective = fit_lbfgs(model, x, y, steps=chunk)[-1]
        done += chunk
    return objective


def _run_learnact(plan, data) -> list[dict]:
    import keras

    from learnact import kan
    from learnact.layers.evaluation import evaluate

    x, y, x_test, y_test = data
    model = None
    rows = []
    # Keras seeds TensorFlow too where it is installed, importing it the first time
    # (seconds): do that once here, outside the timed stages, as pykan is imported
    # before its stages are timed.
    keras.utils.set_random_seed(plan["seed"])
    for label, action, argument, steps, lamb, stop in plan["stages"]:
        start = time.perf_counter()
        if action == "init":
            keras.utils.set_random_seed(plan["seed"])
            model = _kan_model(plan["width"], argument, lamb)
        elif action == "prune":
            model = kan.prune(model, x)
        else:
            model = kan.refine(model, argument, x)
        _set_penalty(model, lamb)
        objective = _fit_like_pykan(model, x, y, steps, stop)
        prediction = evaluate(model, x_test)
        seconds = time.perf_counter() - start
        rows.append(
            {
                "stage": label,
                "seconds": seconds,
                "test_rmse": _rmse(prediction, y_test),
                "train_objective": objective,
                "widths": [model.layers[0].grid.shape[0]] + [layer.units for layer in model.layers],
            }
        )
    return rows


# --- the suite -----------------------------------------------------------------------


class _Float64:
    """float64 for both: torch's default dtype, Keras's floatx and policy, JAX's x64."""

    def __enter__(self):
        import jax
        import keras
        import torch

        self.saved = (
            torch.get_default_dtype(),
            torch.get_num_threads(),
            keras.config.floatx(),
            keras.config.dtype_policy(),
            jax.config.jax_enable_x64,
        )
        torch.set_default_dtype(torch.float64)
        torch.set_num_threads(1)
        keras.config.set_floatx("float64")
        keras.config.set_dtype_policy("float64")
        jax.config.update("jax_enable_x64", True)
        return self

    def __exit__(self, *exc):
        import jax
        import keras
        import torch

        dtype, threads, floatx, policy, x64 = self.saved
        torch.set_default_dtype(dtype)
        torch.set_num_threads(threads)
        keras.config.set_floatx(floatx)
        keras.config.set_dtype_policy(policy)
        jax.config.update("jax_enable_x64", x64)


def run(quick: bool = False, tasks=TASKS) -> dict:
    """Run the tasks; return ``{"suite", "rows", "targets", "pykan"}``.

    Rows: one per task, stage and candidate (``case`` "task: stage", ``name``
    pykan or learnact, ``median_ms`` the stage's wall time, ``ratio`` learnact's
    time over pykan's, ``test_rmse``).

    Raises:
        learnact.errors.UserInputError: pykan is not installed, or the Keras
            backend is not JAX.
    """
    import keras

    from learnact.errors import UserInputError

    if keras.backend.backend() != "jax":
        raise UserInputError(
            "the kan-tasks suite runs learnact on the JAX backend (KERAS_BACKEND=jax); "
            f"the backend is {keras.backend.backend()!r}"
        )
    try:
        import kan as pykan
        import torch
        from kan import create_dataset
    except ImportError as exc:
        raise UserInputError(
            f"the kan-tasks suite needs pykan (pip install 'learnact[bench]'): {exc}"
        ) from None
    from importlib.metadata import version

    rows, targets = [], []
    functions = _functions(torch)
    with _Float64(), tempfile.TemporaryDirectory() as folder:
        for task in tasks:
            n_var, f = functions[task]
            dataset = create_dataset(f, n_var=n_var, train_num=1000, test_num=1000, seed=0)
            data = tuple(
                dataset[key].numpy().astype(np.float64)
                for key in ("train_input", "train_label", "test_input", "test_label")
            )
            plan = _plan(task, quick)
            theirs = _run_pykan(plan, dataset, os.path.join(folder, task))
            ours = _run_learnact(plan, data)
            task_rows, task_targets = _compare(task, theirs, ours)
            rows.extend(task_rows)
            targets.extend(task_targets)
    return {
        "suite": "kan-tasks",
        "rows": rows,
        "targets": targets,
        "pykan": version("pykan"),
        "pykan_module": pykan.__name__,
    }


def _compare(task, theirs, ours):
    """The rows and targets of one task from pykan's and learnact's stage results.

    Example:
        >>> stage = {"stage": "grid 3", "seconds": 2.0, "test_rmse": 0.1, "widths": [2, 2, 1]}
        >>> rows, targets = _compare("t", [stage], [dict(stage, seconds=1.0, widths=[2, 1, 1])])
        >>> [row["ratio"] for row in rows], targets[0]["name"]
        ([1.0, 0.5], "t: grid 3: learnact test RMSE / pykan's (widths [2, 1, 1] vs [2, 2, 1])")
    """
    rows, targets = [], []
    for p_row, l_row in zip(theirs, ours, strict=True):
        case = f"{task}: {p_row['stage']}"
        rows.append(
            {
                "case": case,
                "name": "pykan",
                "median_ms": 1e3 * p_row["seconds"],
                "ratio": 1.0,
                "test_rmse": p_row["test_rmse"],
                "train_objective": p_row.get("train_objective"),
                "widths": p_row["widths"],
            }
        )
        rows.append(
            {
                "case": case,
                "name": "learnact",
                "median_ms": 1e3 * l_row["seconds"],
                "ratio": l_row["seconds"] / p_row["seconds"],
                "test_rmse": l_row["test_rmse"],
                "train_objective": l_row.get("train_objective"),
                "widths": l_row["widths"],
            }
        )
        # Pruning may keep other units in each library: then the two rows compare
        # networks of different sizes, which the target's name says.
        same = list(l_row["widths"]) == list(p_row["widths"])
        widths = "" if same else f" (widths {l_row['widths']} vs {p_row['widths']})"
        targets.append(
            {
                "name": f"{case}: learnact test RMSE / pykan's{widths}",
                "value": l_row["test_rmse"] / p_row["test_rmse"],
                "limit": 1.0,
                "higher": False,
                "met": l_row["test_rmse"] <= p_row["test_rmse"],
            }
        )
    p_time = sum(r["seconds"] for r in theirs)
    l_time = sum(r["seconds"] for r in ours)
    targets.append(
        {
            "name": f"{task}: learnact time / pykan's",
            "value": l_time / p_time,
            "limit": SPEED_TARGET,
            "higher": False,
            "met": l_time <= SPEED_TARGET * p_time,
        }
    )
    return rows, targets
