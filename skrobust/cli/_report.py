"""``skrobust report``: one static HTML page to judge a tagger by eye.

The page needs no server and no internet: thumbnails are embedded as base64 JPEG
(Pillow) and the chart of pi as inline SVG (matplotlib), so the file can be mailed
or opened from a USB stick.
"""

import base64
import difflib
import html
import io
from pathlib import Path

import numpy as np

import skrobust
from skrobust.cli import _types
from skrobust.cli._errors import CommandError
from skrobust.cli._inputs import read_features, read_photo_list, read_tags
from skrobust.cli._outputs import check_output_file, photo_list_path, write_text
from skrobust.cli._predict import top_tags

DESCRIPTION = """\
Write one static HTML page that shows what a tagger does, to judge it by eye:
  - for a few tag queries, the photos ranked first (a query of several tags
    ranks by the product of their probabilities: photos showing all of them)
  - for a random sample of photos, their suggested tags with p_true (the tag
    is true of the photo) and p_tag (an uploader would supply it), and with
    --tags the tags the uploader gave them
  - the learned pi per tag (P(an uploader supplies the tag when it is true)),
    as a chart with each bar's value
The page has no external links: thumbnails are embedded as JPEG, the chart as
SVG. Needs Pillow and matplotlib: pip install 'skrobust[features,plots]'.

Photos: the features' sidecar FEATURES.photos.txt (or --photo-list) names the
photo of each row; each is looked up in --photos as DIR/PATH, then DIR/NAME.

example:
  skrobust report --model tagger.skrobust --features features.npy \\
      --photos photos/ --output report.html --query sky --query dog+grass
"""

MAX_CHART_TAGS = 40


def add_parser(commands, common):
    parser = commands.add_parser(
        "report", parents=[common], description=DESCRIPTION,
        help="a static HTML page of retrieved photos, suggested tags and pi per tag",
        formatter_class=common.formatter_class)
    _types.add_model_and_features(parser)
    parser.add_argument("--photos", required=True, type=_types.existing_dir, metavar="DIR",
                        help="folder holding the photos")
    parser.add_argument("--output", required=True, type=_types.output_file,
                        metavar="REPORT.html", help="the HTML file to write")
    parser.add_argument("--photo-list", type=_types.existing_file, default=None,
                        help="photo of each feature row, one per line (default: "
                        "FEATURES.photos.txt)")
    parser.add_argument("--tags", type=_types.existing_file, default=None,
                        metavar="TAGS.txt", help="the photos' user tags (as for skrobust "
                        "train): shown beside the sampled photos' suggestions")
    parser.add_argument("--query", action="append", dest="queries", metavar="TAG[+TAG]",
                        help="a tag query to show (repeatable; several tags joined by "
                        "+); default: the --n-queries tags the model finds most often")
    parser.add_argument("--n-queries", type=_types.positive_int, default=4,
                        help="queries chosen when no --query is given (default 4)")
    parser.add_argument("--top", type=_types.positive_int, default=8,
                        help="photos shown per query (default 8)")
    parser.add_argument("--n-sample", type=_types.positive_int, default=12,
                        help="photos shown with their suggested tags (default 12)")
    parser.add_argument("--k", type=_types.positive_int, default=5,
                        help="tags shown per sampled photo (default 5)")
    parser.add_argument("--thumbnail", type=_types.positive_int, default=180,
                        metavar="PIXELS", help="longest side of a thumbnail (default 180)")
    parser.add_argument("--seed", type=_types.non_negative_int, default=0,
                        help="seed of the photo sample (default 0)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace --output if it exists")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)
    return parser


def _resolve_photos(photos_dir, listed):
    """Each listed photo in ``photos_dir`` (as DIR/PATH, then DIR/NAME), or None."""
    resolved = []
    for photo in listed:
        for candidate in (photos_dir / photo, photos_dir / Path(photo).name):
            if candidate.is_file():
                resolved.append(candidate)
                break
        else:
            resolved.append(None)
    if not any(resolved):
        raise CommandError(f"none of the photos is in {photos_dir} (e.g. {listed[0]})")
    return resolved


def _closest(tag, names):
    """The model's tags closest to ``tag`` in spelling, for an error message."""
    close = difflib.get_close_matches(tag.lower(), names, n=5, cutoff=0.5)
    if close:
        return f"closest: {', '.join(close)}"
    return f"none is close; the model's tags include {', '.join(names[:5])}"


def _parse_queries(queries, names):
    index = {name: j for j, name in enumerate(names)}
    parsed = []
    for query in queries:
        tags = [tag.strip() for tag in query.split("+") if tag.strip()]
        if not tags:
            raise CommandError(f"--query {query!r}: no tag (write TAG or TAG+TAG)")
        for tag in tags:
            if tag not in index:
                raise CommandError(f"--query {query!r}: {tag!r} is not one of the "
                                   f"model's tags ({_closest(tag, names)})")
        parsed.append(tags)
    return parsed


class _Thumbnails:
    """Base64 JPEG thumbnails, made once per photo."""

    def __init__(self, paths, size, bar):
        from PIL import Image, ImageOps

        self._image, self._ops = Image, ImageOps
        self.paths, self.size, self.bar = paths, size, bar
        self.cache = {}

    def html(self, row, caption):
        if row not in self.cache:
            self.cache[row] = self._make(self.paths[row])
            self.bar.update(1)
        label = html.escape(caption)
        uri = self.cache[row]
        if uri is None:
            return '<div class="missing">photo not found or unreadable</div>'
        return f'<img src="{uri}" alt="{label}" title="{label}">'

    def _make(self, path):
        if path is None:
            return None
        try:
            with self._image.open(path) as im:
                im = self._ops.exif_transpose(im).convert("RGB")
                im.thumbnail((self.size, self.size))
                buffer = io.BytesIO()
                im.save(buffer, format="JPEG", quality=82)
        except (OSError, ValueError, self._image.DecompressionBombError):
            return None
        return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def _pi_label(p):
    """pi as its bar's label: 2 decimals, or 2 significant digits below 0.1."""
    return f"{p:.2f}" if p >= 0.1 or p == 0 else f"{p:.2g}"


def _pi_chart(names, pi):
    """Inline SVG bar chart of pi per tag (the highest and lowest if there are many)."""
    import matplotlib
    from matplotlib.figure import Figure

    order = np.argsort(-pi, kind="stable")
    note = ""
    if len(order) > MAX_CHART_TAGS:
        half = MAX_CHART_TAGS // 2
        order = np.concatenate([order[:half], order[-half:]])
        note = (f"The {half} tags with the highest pi and the {half} with the lowest, "
                f"of {len(pi)}.")
    with matplotlib.rc_context({"svg.fonttype": "none", "font.size": 9}):
        figure = Figure(figsize=(7, 0.5 + 0.22 * len(order)))
        axes = figure.subplots()
        positions = np.arange(len(order))
        # The edge keeps a bar of pi near 0 visible (a line at 0), its label says how
        # near: on a 0-1 axis, pi = 0.004 is narrower than a pixel.
        bars = axes.barh(positions, pi[order], color="#3b7dd8", edgecolor="#1d4f91",
                         linewidth=0.8)
        axes.bar_label(bars, labels=[_pi_label(p) for p in pi[order]], padding=3,
                       fontsize=8)
        axes.set_yticks(positions, [names[j] for j in order])
        axes.invert_yaxis()
        axes.set_xlim(0, 1.1)  # room for the label of a bar at pi = 1
        axes.set_xlabel("pi = P(an uploader supplies the tag | the tag is true)")
        axes.grid(axis="x", alpha=0.3)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):], note


STYLE = """
body { font-family: sans-serif; margin: 24px; color: #222; background: #fff; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; }
.row { display: flex; flex-wrap: wrap; gap: 10px; }
figure { margin: 0; width: 190px; }
figure img, .missing { width: 180px; height: 180px; object-fit: cover; display: block;
  border-radius: 4px; background: #ddd; }
.missing { font-size: 12px; color: #666; text-align: center; line-height: 180px; }
figcaption { font-size: 12px; margin-top: 3px; }
table.tags { font-size: 12px; border-collapse: collapse; width: 180px; }
table.tags td { padding: 1px 3px; } table.tags td.p { text-align: right; }
.bar { display: inline-block; height: 8px; background: #3b7dd8; }
.meta { color: #555; font-size: 13px; }
.own { color: #555; margin: 2px 0; }
"""


def _query_section(tags, names, log_p, photos, thumbs, top):
    columns = [names.index(tag) for tag in tags]
    score = log_p[:, columns].sum(axis=1)
    rows = np.argsort(-score, kind="stable")[:top]
    title = " + ".join(tags)
    cells = []
    for rank, row in enumerate(rows, start=1):
        p = float(np.exp(score[row]))
        cells.append(f'<figure>{thumbs.html(row, photos[row])}<figcaption>#{rank} '
                     f'{html.escape(Path(photos[row]).name)}: p = {p:.2f}</figcaption>'
                     '</figure>')
    return (f'<h3>Query: {html.escape(title)}</h3>\n<div class="row query">'
            + "".join(cells) + "</div>")


def _sample_section(rows, suggestions, photos, thumbs, user_tags=None):
    cells = []
    for row, tags in zip(rows, suggestions):
        own = ""
        if user_tags is not None:  # the uploader's tags, beside the suggestions
            listed = ", ".join(user_tags[row]) or "(none)"
            own = f'<div class="own">uploader\'s tags: {html.escape(listed)}</div>'
        lines = "".join(
            f'<tr><td>{html.escape(t["tag"])}</td><td class="p">{t["p_true"]:.2f}</td>'
            f'<td class="p">{t["p_tag"]:.2f}</td></tr>' for t in tags)
        cells.append(f'<figure>{thumbs.html(row, photos[row])}<figcaption>'
                     f'{html.escape(Path(photos[row]).name)}{own}<table class="tags">'
                     '<tr><th>tag</th><th>p_true</th><th>p_tag</th></tr>'
                     f'{lines}</table></figcaption></figure>')
    return '<div class="row sample">' + "".join(cells) + "</div>"


def build_page(model_path, names, pi, photos, p_true, p_tag, thumbs, args, calibrated,
               user_tags=None):
    """The report's HTML text."""
    n = len(photos)
    if args.queries:
        queries = _parse_queries(args.queries, names)
    else:  # the tags the model finds in the most photos
        order = np.argsort(-p_true.mean(axis=0), kind="stable")
        queries = [[names[j]] for j in order[:args.n_queries]]
    log_p = np.log(np.clip(p_true, 1e-300, 1))
    top = min(args.top, n)
    query_html = "\n".join(_query_section(q, names, log_p, photos, thumbs, top)
                           for q in queries)
    rng = np.random.default_rng(args.seed)
    sample = np.sort(rng.choice(n, size=min(args.n_sample, n), replace=False))
    k = min(args.k, len(names))
    suggestions = top_tags(p_true[sample], p_tag[sample], names, k)
    sample_html = _sample_section(sample, suggestions, photos, thumbs, user_tags)
    chart, chart_note = _pi_chart(names, pi)
    own_note = (" Above them, the tags the uploader gave the photo (--tags)."
                if user_tags is not None else "")
    title = f"skrobust report: {html.escape(Path(model_path).name)}"
    state = "calibrated on clean labels" if calibrated else "not calibrated"
    meta = (f"{n} photos, {len(names)} tags; model {state}; "
            f"skrobust {html.escape(skrobust.__version__)}")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{STYLE}</style></head>
<body>
<h1>{title}</h1>
<p class="meta">{meta}</p>
<h2>Retrieval: the photos ranked first for each query</h2>
<p class="meta">p: the model's probability that the photo shows every tag of the query.</p>
{query_html}
<h2>Suggested tags of {len(sample)} photos picked at random</h2>
<p class="meta">Top {k} tags by p_tag. p_true: P(the tag is true of the photo);
p_tag: P(an uploader would supply it).{own_note}</p>
{sample_html}
<h2>pi per tag</h2>
<p class="meta">How often uploaders supply a tag that is true of their photo, as the model
learned it. {chart_note}</p>
<div class="chart">{chart}</div>
</body></html>
"""


def run(args):
    from skrobust.calibration import InterceptCalibrator
    from skrobust.cli._models import load_model, model_parts, probabilities
    from skrobust.cli._progress import progress_bar

    output = check_output_file(args.output, args.overwrite)
    model, names = load_model(args.model)
    X = read_features(args.features)
    listing = args.photo_list or photo_list_path(args.features)
    if not Path(listing).exists():
        raise CommandError(f"no photo list for {args.features}: {listing} is missing "
                           "(skrobust featurize writes it; or give --photo-list)")
    photos = read_photo_list(listing, X.shape[0])
    paths = _resolve_photos(args.photos, photos)
    user_tags = None if args.tags is None else read_tags(args.tags, X.shape[0])
    p_true, p_tag = probabilities(model, X, args.features)
    pi = np.asarray(model_parts(model)[1].pi_, dtype=np.float64)
    with progress_bar(None, "thumbnails", "photo", args.quiet) as bar:
        thumbs = _Thumbnails(paths, args.thumbnail, bar)
        page = build_page(args.model, names, pi, photos, p_true, p_tag, thumbs, args,
                          isinstance(model, InterceptCalibrator), user_tags)
    write_text(output, page)
    if not args.quiet:
        missing = sum(uri is None for uri in thumbs.cache.values())
        note = f" ({missing} photos not found or unreadable)" if missing else ""
        print(f"wrote {output}: {len(thumbs.cache)} thumbnails{note}")
    return 0
