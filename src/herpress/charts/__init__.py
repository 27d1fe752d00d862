"""Charts written as TOML in ```` ```chart ```` blocks, drawn as SVG and PNG.

``parse_chart_spec`` reads and checks a block; ``draw_chart`` draws it (or
takes it from the cache without loading matplotlib).
"""

from herpress.charts.draw import ChartImages, cache_key, draw_chart
from herpress.charts.frame import EBOOK, Frame, print_frame
from herpress.charts.spec import CHART_TYPES, DRAWING_VERSION, ChartSpec, parse_chart_spec

__all__ = ["CHART_TYPES", "DRAWING_VERSION", "EBOOK", "ChartImages", "ChartSpec", "Frame", "cache_key",
           "draw_chart", "parse_chart_spec", "print_frame"]
