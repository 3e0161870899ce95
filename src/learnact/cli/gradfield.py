"""``learnact gradfield EXPR -o FILE.png``: the gradient field of a typed-in function."""

from __future__ import annotations

import os

from learnact.cli.errors import CLIError

IMAGE_FORMATS = ("png", "pdf", "svg", "jpg", "jpeg")

METHODS = ("central", "five_point", "complex", "richardson")


def add_parser(subparsers):
    """Register the ``gradfield`` subcommand."""
    parser = subparsers.add_parser(
        "gradfield",
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
    parser.set_defaults(func=run)
    return parser


def _check_output(path: str) -> None:
    """Refuse an output name matplotlib would change or could not write, before any work."""
    if not path or os.path.isdir(path):
        raise CLIError(f"-o must name an image file, e.g. field.png; received {path!r}")
    extension = os.path.splitext(path)[1].lower().lstrip(".")
    if extension not in IMAGE_FORMATS:
        raise CLIError(f"-o must end in one of .{', .'.join(IMAGE_FORMATS)}; received {path!r}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CLIError(f"the folder of -o {path!r} does not exist")


def run(args) -> int:
    """Parse EXPR, draw the field and save it to ``args.output``."""
    from learnact.expressions import parse_expression

    _check_output(args.output)

    try:
        f = parse_expression(args.expr)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    import matplotlib

    matplotlib.use("Agg")

    from learnact.plotting import plot_gradient_field
    from learnact.training.files import save_figure

    title = args.title if args.title is not None else f"f = {args.expr}"
    ax = plot_gradient_field(
        f,
        xlim=tuple(args.xlim),
        ylim=tuple(args.ylim),
        step=args.step,
        method=args.method,
        contour=not args.no_contour,
        title=title,
    )
    # Written beside the target and renamed: a reader never sees half a picture.
    try:
        save_figure(ax.figure, args.output, dpi=120, bbox_inches="tight")
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot write {args.output!r}: {exc}") from None
    print(f"wrote {args.output}")
    return 0
