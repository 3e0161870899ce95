"""Pure math on ``keras.ops``: polynomials, the soft exponential, basis functions.

Nothing here knows about layers; every function takes and returns backend
tensors (or anything ``keras.ops`` accepts) and runs on JAX, PyTorch and
TensorFlow.
"""
