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
    """Run Keras's ``TestCase.run_layer_test`` (build, call, symbolic call, training, saving)."""
    _CASE.run_layer_test(layer_cls, init_kwargs, **kwargs)
