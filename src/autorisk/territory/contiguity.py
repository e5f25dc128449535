"""Contiguous territory zones: which locations neighbour which, and Ward clustering along those links.

A zone of a tariff is often wanted in one piece on the map (a regulator's
or a sales force's requirement). :func:`neighbour_pairs` gives the links
between locations (a Delaunay triangulation of their coordinates, or a
mapping the user supplies, such as postcode adjacency), and
:func:`contiguous_ward` merges neighbouring clusters, always the pair whose
merge adds the least exposure-weighted within-zone sum of squares of the
log relativities (Ward's criterion under a connectivity constraint), until
the requested number of zones is left.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Delaunay, QhullError

from autorisk.data.schema import require_columns
from autorisk.errors import ParameterError

#: Ways of linking locations accepted by :func:`neighbour_pairs` (besides a mapping).
CONTIGUITY_METHODS = ("gabriel", "delaunay")


def neighbour_pairs(table: pd.DataFrame, contiguity: str | Mapping[Any, Iterable[Any]]) -> np.ndarray:
    """Links ``(i, j)``, ``i < j``, between the rows of ``table`` (one row per location).

    Parameters
    ----------
    table : DataFrame
        Indexed by location; ``lon`` and ``lat`` (degrees) for ``"delaunay"``.
    contiguity : "gabriel", "delaunay" or mapping
        ``"delaunay"``: the edges of the Delaunay triangulation of the
        locations (longitude scaled by the cosine of the mean latitude, so
        that a degree counts about the same both ways); locations on one line
        are linked in their order along it. Its edges along the convex hull
        can join far-apart locations across empty land or sea.
        ``"gabriel"``: the Gabriel graph, the Delaunay edges whose
        diametral circle holds no other location (both angles facing the
        edge acute); it drops those long hull edges and stays connected (it
        holds the minimum spanning tree). A mapping ``{location:
        neighbours}``: those links, made symmetric; neighbours that are not
        locations of ``table`` are ignored.

    Returns
    -------
    ndarray of shape (n_links, 2)
        Row positions, sorted, without repeats.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"lon": [0.0, 1.0, 0.0, 1.0], "lat": [0.0, 0.0, 1.0, 1.1]}, index=list("abcd"))
    >>> neighbour_pairs(table, {"a": ["b"], "d": ["c", "elsewhere"]}).tolist()
    [[0, 1], [2, 3]]
    >>> len(neighbour_pairs(table, "delaunay"))  # the square's four sides and one diagonal
    5
    >>> len(neighbour_pairs(table, "gabriel"))  # the diagonal faces a right angle or more: dropped
    4
    """
    if isinstance(contiguity, str):
        if contiguity not in CONTIGUITY_METHODS:
            raise ParameterError(
                f"contiguity must be None, one of {CONTIGUITY_METHODS} or a mapping of location -> neighbours, "
                f"got {contiguity!r}"
            )
        require_columns(table, ["lon", "lat"], "locations", f"for contiguity={contiguity!r}")
        lon, lat = table["lon"].to_numpy(float), table["lat"].to_numpy(float)
        points = np.column_stack([lon * np.cos(np.radians(np.mean(lat))), lat])
        pairs = _delaunay_edges(points, gabriel=contiguity == "gabriel")
    elif isinstance(contiguity, Mapping):
        position = {location: i for i, location in enumerate(table.index)}
        links = []
        for location, neighbours in contiguity.items():
            if location not in position:
                continue
            if isinstance(neighbours, (str, bytes)) or not isinstance(neighbours, Iterable):
                raise ParameterError(
                    f"contiguity[{location!r}] must be a list of neighbouring locations, got {neighbours!r}"
                )
            links += [(position[location], position[other]) for other in neighbours if other in position]
        pairs = np.array(links, dtype=np.int64).reshape(-1, 2)
    else:
        raise ParameterError(
            f"contiguity must be None, one of {CONTIGUITY_METHODS} or a mapping of location -> neighbours, "
            f"got {type(contiguity).__name__}"
        )
    pairs = np.sort(pairs, axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return np.unique(pairs, axis=0) if len(pairs) else np.zeros((0, 2), dtype=np.int64)


def _delaunay_edges(points: np.ndarray, gabriel: bool = False) -> np.ndarray:
    n = len(points)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    try:
        triangles = Delaunay(points).simplices if n >= 3 else None
    except QhullError:  # all points on one line (or repeated)
        triangles = None
    if triangles is None:
        centred = points - points.mean(axis=0)
        direction = np.linalg.svd(centred, full_matrices=False)[2][0] if np.any(centred) else np.array([1.0, 0.0])
        order = np.argsort(centred @ direction, kind="stable")
        return np.column_stack([order[:-1], order[1:]]).astype(np.int64)
    # each triangle's three edges, with the vertex facing each
    edges = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [0, 2]]]).astype(np.int64)
    if not gabriel:
        return edges
    facing = np.concatenate([triangles[:, 2], triangles[:, 0], triangles[:, 1]])
    # the facing vertex lies inside (or on) the edge's diametral circle iff its angle is >= 90 degrees
    blocked = np.einsum("ij,ij->i", points[edges[:, 0]] - points[facing], points[edges[:, 1]] - points[facing]) <= 0
    edges = np.sort(edges, axis=1)
    bad = {tuple(edge) for edge in edges[blocked].tolist()}
    return np.array([edge for edge in edges.tolist() if tuple(edge) not in bad], dtype=np.int64).reshape(-1, 2)


def n_components(n: int, pairs: np.ndarray) -> int:
    """Number of connected pieces of ``n`` locations linked by ``pairs``.

    Parameters
    ----------
    n : int
        Number of locations (positions ``0..n-1``).
    pairs : ndarray of shape (n_links, 2)
        Links between positions, as :func:`neighbour_pairs` gives them.

    Returns
    -------
    int

    Examples
    --------
    >>> import numpy as np
    >>> n_components(4, np.array([[0, 1], [2, 3]]))
    2
    """
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return int(connected_components(graph, directed=False)[0])


def contiguous_ward(values: np.ndarray, weights: np.ndarray, pairs: np.ndarray, n_zones: int) -> np.ndarray:
    """Cluster labels ``0..n_zones-1`` from agglomerative weighted Ward clustering along ``pairs``.

    Starting from one cluster per location, the linked pair of clusters
    ``a, b`` whose merge adds the least weighted sum of squares,
    ``w_a w_b / (w_a + w_b) * (m_a - m_b)**2`` (``m`` the weighted mean of
    ``values``, ``w`` the total weight), is merged, until ``n_zones``
    clusters are left; ties go to the pair of smallest positions. Every
    cluster is connected through ``pairs``. Labels are ordered by the
    clusters' weighted mean (0: the lowest).

    Parameters
    ----------
    values : ndarray of shape (n,)
        The quantity clustered per location (log relativities).
    weights : ndarray of shape (n,)
        Weight per location (exposure), >= 0.
    pairs : ndarray of shape (n_links, 2)
        Neighbour links between positions (:func:`neighbour_pairs`).
    n_zones : int
        Clusters wanted.

    Returns
    -------
    ndarray of int, shape (n,)

    Raises
    ------
    ParameterError
        ``n_zones`` is below the number of connected pieces (no contiguous
        clustering has that few zones) or above the number of locations.

    Examples
    --------
    >>> import numpy as np
    >>> chain = np.array([[0, 1], [1, 2], [2, 3]])
    >>> contiguous_ward(np.array([0.0, 0.1, 1.0, 0.2]), np.ones(4), chain, 2).tolist()  # 3 cannot join 0, 1 across 2
    [0, 0, 1, 1]
    """
    n = len(values)
    pieces = n_components(n, pairs)
    if not pieces <= n_zones <= n:
        raise ParameterError(
            f"n_zones={n_zones} contiguous zones are impossible: the locations form {pieces} separate pieces "
            f"(at least {pieces} zones) out of {n} locations"
        )
    weight = np.asarray(weights, dtype=float).copy()
    mean = np.asarray(values, dtype=float).copy()
    parent = np.arange(n)
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for i, j in pairs:
        neighbours[int(i)].add(int(j))
        neighbours[int(j)].add(int(i))
    version = np.zeros(n, dtype=np.int64)
    heap: list[tuple[float, int, int, int, int]] = []

    def push(a: int, b: int) -> None:
        a, b = min(a, b), max(a, b)
        heapq.heappush(heap, (_ward_cost(weight[a], mean[a], weight[b], mean[b]), a, b, version[a], version[b]))

    for i, j in pairs:
        push(int(i), int(j))
    clusters = n
    while clusters > n_zones:
        _, a, b, version_a, version_b = heapq.heappop(heap)
        if version[a] != version_a or version[b] != version_b:
            continue  # a stale entry: one of the two has merged since
        total = weight[a] + weight[b]
        mean[a] = (weight[a] * mean[a] + weight[b] * mean[b]) / total if total > 0 else (mean[a] + mean[b]) / 2
        weight[a] = total
        parent[parent == b] = a
        version[a] += 1
        version[b] = -1  # dead
        neighbours[a] = (neighbours[a] | neighbours[b]) - {a, b}
        for c in neighbours[b]:
            if c != a:
                neighbours[c].discard(b)
                neighbours[c].add(a)
        neighbours[b] = set()
        for c in sorted(neighbours[a]):
            push(a, c)
        clusters -= 1
    roots = np.unique(parent)
    order = roots[np.argsort(mean[roots], kind="stable")]
    label_of_root = np.empty(n, dtype=np.int64)
    label_of_root[order] = np.arange(len(order))
    return label_of_root[parent]


def _ward_cost(weight_a: float, mean_a: float, weight_b: float, mean_b: float) -> float:
    total = weight_a + weight_b
    return 0.0 if total <= 0 else float(weight_a * weight_b / total * (mean_a - mean_b) ** 2)


__all__ = ["CONTIGUITY_METHODS", "contiguous_ward", "n_components", "neighbour_pairs"]
