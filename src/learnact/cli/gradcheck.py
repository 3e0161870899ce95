"""``learnact gradcheck``: run ``gradient_check`` on every learnact layer and print the tables.

Layers are discovered, not listed: every Keras serializable registered under
the ``learnact>`` package plus the classes named in ``learnact.layers.__all__``
that are concrete ``keras.layers.Layer`` subclasses, so a new layer shows up
here as soon as it is registered.
"""

from __future__ import annotations

from learnact.cli.errors import CLIError

# Constructor arguments for layers that have required ones.
_REQUIRED_ARGS = {"PolynomialDense": {"units": 3}}


def add_parser(subparsers):
    """Register the ``gradcheck`` subcommand."""
    parser = subparsers.add_parser(
        "gradcheck",
        help="check autodiff gradients of every learnact layer against finite differences",
        description=(
            "Build each learnact layer with default arguments, and compare the backend's "
            "autodiff gradients (input and every weight) with float64 finite differences, "
            "entry by entry. Exit status 1 when a layer fails."
        ),
    )
    parser.add_argument(
        "--layer",
        action="append",
        default=None,
        metavar="NAME",
        help="check only this layer (repeatable)",
    )
    parser.add_argument("--list", action="store_true", help="list the layers and exit")
    parser.add_argument("--batch", type=int, default=4, help="batch size of the test input")
    parser.add_argument("--features", type=int, default=5, help="features of the test input")
    parser.add_argument("--atol", type=float, default=1e-6)
    parser.add_argument("--rtol", type=float, default=1e-5)
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(func=run)
    return parser


def discover_layers() -> dict:
    """Return ``{name: class}`` of the concrete learnact layer classes."""
    from learnact.layers import layer_classes

    return layer_classes()


def run(args) -> int:
    """Check each discovered layer and print one table per layer."""
    import numpy as np

    from learnact._checks import check_int, check_real
    from learnact.gradients import gradient_check

    check_int("--batch", args.batch, minimum=1, maximum=64)
    check_int("--features", args.features, minimum=1, maximum=256)
    check_real("--atol", args.atol, positive=True)
    check_real("--rtol", args.rtol)
    layers = discover_layers()
    if args.list:
        for name in layers:
            print(name)
        return 0
    if args.layer:
        unknown = [n for n in args.layer if n not in layers]
        if unknown:
            raise CLIError(
                f"unknown layer {unknown[0]!r}; available: {', '.join(layers) or 'none'}"
            )
        layers = {n: layers[n] for n in args.layer}
    if not layers:
        raise CLIError("no learnact layers are registered")
    rng = np.random.default_rng(args.seed)
    # Inputs away from 0 and +-1: no layer formula has a kink or a branch there.
    x = rng.uniform(0.2, 0.9, size=(args.batch, args.features)) * rng.choice(
        [-1.0, 1.0], size=(args.batch, args.features)
    )
    status = 0
    for name, cls in layers.items():
        print(f"== {name}")
        try:
            layer = cls(**_REQUIRED_ARGS.get(name, {}))
            report = gradient_check(layer, x, atol=args.atol, rtol=args.rtol, seed=args.seed)
        except Exception as exc:  # one broken layer must not hide the others' results
            print(f"error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            status = 1
            continue
        print(report)
        if not report.passed:
            status = 1
    return status
