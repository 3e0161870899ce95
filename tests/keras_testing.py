"""Keras's own layer test, imported from its private module in this one place.

``run_layer_test`` lives on ``keras.src.testing.TestCase``; a single instance
lets plain pytest functions call it.
"""

from keras.src import testing


class _LayerTestCase(testing.TestCase):
    def runTest(self):  # unittest needs a test method to instantiate the case
        pass


_CASE = _LayerTestCase()


def run_layer_test(layer_cls, init_kwargs, **kwargs):
    """Run Keras's ``TestCase.run_layer_test`` (build, call, symbolic call, training, saving).

    learnact's layers hold only trainable weights and pass masks through, so
    those two expectations are checked unless a test says otherwise.
    """
    kwargs.setdefault("expected_num_non_trainable_weights", 0)
    kwargs.setdefault("supports_masking", True)
    _CASE.run_layer_test(layer_cls, init_kwargs, **kwargs)
