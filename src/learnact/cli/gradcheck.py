"""``learnact gradcheck``: run ``gradient_check`` on every learnact layer and print the tables.

Layers are discovered, not listed: every concrete layer class registered under
the ``learnact>`` package (:func:`learnact.layers.layer_classes`), so a new
layer shows up here as soon as it is registered.
"""

from __future__ import annotations

from learnact.cli._common import add_command


def add_parser(subparsers):
    """Register the ``gradcheck`` subcommand."""
    parser = add_command(
        subparsers,
        "gradcheck",
        run,
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
    return parser


def run(args) -> int:
    """Check each layer with :func:`learnact.inspection.check_layers`; 1 if one fails."""
    if args.list:
        from learnact.layers import layer_classes

        print("\n".join(layer_classes()))
        return 0
    from learnact.inspection import check_layers

    checks = check_layers(
        args.layer,
        batch=args.batch,
        features=args.features,
        atol=args.atol,
        rtol=args.rtol,
        seed=args.seed,
    )
    for check in checks:
        print(check, flush=True)
    return 0 if all(check.passed for check in checks) else 1
