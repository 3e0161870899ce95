"""``learnact gradfield EXPR -o FILE.png``: the gradient field of a typed-in function."""

from __future__ import annotations

from learnact.cli._common import add_command, headless_plots

METHODS = ("central", "five_point", "complex", "richardson")


def add_parser(subparsers):
    """Register the ``gradfield`` subcommand."""
    parser = add_command(
        subparsers,
        "gradfield",
        run,
        help="draw the negative-gradient field of an expression in x0, x1",
        description=(
            "Draw arrows of -grad f on a grid (as in 'Deep Learning from Scratch' 4.3.3), "
            "coloured by |grad f|, over contours of f. EXPR uses x0, x1 (or x, y), numbers, "
            "pi, e, + - * / ** and sin cos tan exp log sqrt tanh abs; it is parsed by a "
            "whitelist, never evaluated as Python. Example: learnact gradfield 'x0*x1' -o xy.png"
        ),
    )
    parser.add_argument("expr", metavar="EXPR", help="function of x0 and x1, e.g. 'sin(x0*x1)'")
    parser.add_argument("--xlim", nargs=2, type=float, default=(-2.0, 2.0), metavar=("A", "B"))
    parser.add_argument("--ylim", nargs=2, type=float, default=(-2.0, 2.0), metavar=("A", "B"))
    parser.add_argument("--step", type=float, default=0.25, help="arrow spacing (default 0.25)")
    parser.add_argument("--method", choices=METHODS, default="central")
    parser.add_argument("--no-contour", action="store_true", help="arrows only")
    parser.add_argument("--title", default=None, help="title (default: f = EXPR)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.png")
    return parser


def run(args) -> int:
    """Draw the field with :func:`learnact.plotting.save_gradient_field`; return 0."""
    headless_plots()
    from learnact.plotting import save_gradient_field

    path = save_gradient_field(
        args.expr,
        args.output,
        xlim=args.xlim,
        ylim=args.ylim,
        step=args.step,
        method=args.method,
        contour=not args.no_contour,
        title=args.title,
    )
    print(f"wrote {path}")
    return 0
