"""Every private Keras name learnact uses still exists and still means what learnact assumes.

A Keras upgrade that moves one of them fails here, by name, instead of
silently degrading a float64 gradient check or a resumed run.
"""

import pathlib

import keras
import numpy as np

from learnact import _keras_private

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "learnact"


def test_no_other_module_touches_keras_internals():
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name != "_keras_private.py" and "keras.src" in path.read_text()
    ]
    assert offenders == []


def test_dtype_demotion_table_exists_and_demotes_float64():
    table = _keras_private.dtype_demotion_table()
    assert table.get("float64") == "float32", "Keras moved BIT64_TO_BIT32_DTYPE"
    # Keras's promotion rules read the table: float64 in, float32 out.
    assert keras.backend.result_type("float64", "float64") == "float32"
    with _keras_private.keep_64_bit_results():
        assert table["float64"] == "float64"
        assert keras.backend.result_type("float64", "float64") == "float64"
    assert table["float64"] == "float32"


def test_initial_epoch_is_read_by_fit():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = keras.callbacks.History()
    _keras_private.set_initial_epoch(model, 2)
    model.fit(np.ones((4, 1)), np.ones((4, 1)), epochs=3, verbose=0, callbacks=[history])
    assert history.epoch == [2], "Keras no longer reads model._initial_epoch in fit"


def test_backup_and_restore_hooks_exist_and_hold_the_epoch(tmp_path):
    for name in _keras_private.BACKUP_AND_RESTORE_HOOKS:
        assert callable(getattr(keras.callbacks.BackupAndRestore, name, None)), name
    callback = keras.callbacks.BackupAndRestore(str(tmp_path))
    assert hasattr(callback, _keras_private.BACKUP_AND_RESTORE_EPOCH)


def test_sublayers_walks_nested_layers():
    inner = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    outer = keras.Sequential([keras.Input((2,)), inner, keras.layers.Dense(1)])
    names = [type(layer).__name__ for layer in _keras_private.sublayers(outer)]
    assert names.count("Sequential") == 2 and names.count("Dense") == 2
    assert names[0] == "Sequential"


def test_run_through_graph_walks_a_functional_graph_with_any_values():
    a, b = keras.Input((1,)), keras.Input((1,))
    shared = keras.layers.Dense(1)
    total = keras.layers.Add()([shared(a), shared(b)])
    model = keras.Model([a, b], total)

    def operation_fn(layer):
        if isinstance(layer, keras.layers.Add):
            return lambda values: "(" + " + ".join(values) + ")"
        return lambda value: f"{layer.name}({value})"

    out = _keras_private.run_through_graph(model, ["a", "b"], operation_fn)
    assert out == f"({shared.name}(a) + {shared.name}(b))"


def test_weights_bytes_is_what_load_weights_reads(tmp_path):
    def model():
        return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])

    saved, restored = model(), model()
    path = tmp_path / "m.weights.h5"
    path.write_bytes(_keras_private.weights_bytes(saved))  # Keras still writes to a BytesIO
    restored.load_weights(path)
    for a, b in zip(saved.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
