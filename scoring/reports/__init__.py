"""Reports: what one page shows, assembled from store reads and the pure statistics.

A report function takes the database and the acting account, reads through :mod:`scoring.store`
(which checks permissions), computes with the pure modules of :mod:`scoring`, and returns a frozen
dataclass of small frames the page only has to draw.
"""
