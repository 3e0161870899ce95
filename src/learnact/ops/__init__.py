"""Pure math on ``keras.ops``: polynomials, rational functions, the soft exponential, bases.

Nothing here knows about layers; every function takes and returns backend
tensors (or anything ``keras.ops`` accepts) and runs on JAX, PyTorch and
TensorFlow.
"""

import keras

from learnact._backend import check_backend

# The first of learnact's Keras code to be imported: refuse a backend it cannot serve here,
# with one clear error, rather than deep inside a layer.
check_backend(keras.backend.backend())

from learnact.ops.basis import basis_functions  # noqa: E402,F401
from learnact.ops.polynomial import polynomial_terms, polyval, powers  # noqa: E402,F401

# The function shadows its module's name on the package; import the module's
# other names with ``from learnact.ops.rational import ...``.
from learnact.ops.rational import rational  # noqa: E402,F401
from learnact.ops.soft_exponential import (  # noqa: E402,F401
    complex_soft_exponential,
    soft_exponential,
)
