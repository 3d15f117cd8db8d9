"""What plants expect: discounted averages of a path over a route's life, or today's value.

With perfect foresight a plant deciding in year ``t`` on a route with lead time ``l`` and
life ``n`` values every yearly term by its discounted average over ``[t + l, t + l + n)``;
a myopic plant takes the term's value in ``t``. Paths are held flat after the last model year.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741


def extend(path: F, n_extra: int) -> F:
    """Hold the last value of the last axis for ``n_extra`` more steps."""
    if n_extra <= 0:
        return path
    tail = np.repeat(path[..., -1:], n_extra, axis=-1)
    return np.concatenate([path, tail], axis=-1)


def window_average(values: F, rate: F, start: I, length: I, n_years: int) -> F:
    """Discounted average of ``values`` over each route's window, for every decision year.

    Parameters
    ----------
    values : ndarray, shape (S, R, Ye)
        Yearly values over the extended horizon (model years, then held flat). [any]
    rate : ndarray, shape (S,)
        Discount rate. [1/yr]
    start : ndarray of int, shape (R,)
        Offset of the window's first year from the decision year (the lead time). [yr]
    length : ndarray of int, shape (R,)
        Window length (economic life, at least 1). [yr]
    n_years : int
        Number of decision years Y (the first Y steps of the horizon).

    Returns
    -------
    ndarray, shape (S, R, Y)
        ``sum_k v[t+s+k] d^k / sum_k d^k`` for ``k < length``, with ``d = 1/(1+rate)``.

    Examples
    --------
    >>> v = np.array([[[1.0, 2.0, 3.0, 4.0]]])
    >>> window_average(v, np.array([0.0]), np.array([1]), np.array([2]), 2)
    array([[[2.5, 3.5]]])
    """
    return window_averages(values, rate, [(start, length)], n_years)[0]


def window_averages(values: F, rate: F, windows: Sequence[tuple[I, I]], n_years: int) -> list[F]:
    """:func:`window_average` for several ``(start, length)`` windows of the same values,
    with the discounted cumulative sums computed once."""
    n_ext = values.shape[-1]
    steps = np.arange(n_ext, dtype=np.float64)
    disc = (1.0 + rate[:, None]) ** -steps[None, :]  # (S, Ye)
    cum = np.zeros((*values.shape[:-1], n_ext + 1))  # discounted sums before each step
    np.multiply(values, disc[:, None, :], out=cum[..., 1:])
    np.cumsum(cum[..., 1:], axis=-1, out=cum[..., 1:])
    cum_d = np.concatenate([np.zeros((disc.shape[0], 1)), np.cumsum(disc, axis=-1)], axis=-1)
    t = np.arange(n_years)
    # window ends as positions in the flattened (R, Ye + 1) sums of each scenario
    cum_flat = cum.reshape(*cum.shape[:-2], -1)
    row = (np.arange(cum.shape[-2]) * (n_ext + 1))[:, None]
    out = []
    for start, length in windows:
        a = np.minimum(t[None, :] + start[:, None], n_ext - 1)  # (R, Y)
        b = np.minimum(a + np.maximum(length[:, None], 1), n_ext)
        num = np.take(cum_flat, row + b, axis=-1) - np.take(cum_flat, row + a, axis=-1)
        den = np.take(cum_d, b, axis=-1) - np.take(cum_d, a, axis=-1)  # (S, R, Y)
        out.append(np.asarray(num / den, dtype=np.float64))
    return out


def expected(
    values: F, rate: F, start: I, length: I, n_years: int, myopic: npt.NDArray[np.bool_]
) -> F:
    """Per scenario: the window average (perfect foresight) or today's value (myopic)."""
    return expected_many(values, rate, [(start, length)], n_years, myopic)[0]


def expected_many(
    values: F,
    rate: F,
    windows: Sequence[tuple[I, I]],
    n_years: int,
    myopic: npt.NDArray[np.bool_],
) -> list[F]:
    """:func:`expected` for several ``(start, length)`` windows of the same values."""
    fore = window_averages(values, rate, windows, n_years)
    if not myopic.any():
        return fore
    today = values[..., :n_years]
    return [np.where(myopic[:, None, None], today, f) for f in fore]


class Windows:
    """Several ``(start, length)`` windows of a batch's decision years, for many paths: the
    discounted sums of the weights (the denominators) are computed once for every path, and
    each path's expected values are written straight into year-first buffers. The values are
    those of :func:`expected_many`, operation for operation.

    Parameters
    ----------
    rate : ndarray, shape (S,)
        Discount rate. [1/yr]
    windows : sequence of (start, length), each an int array of shape (R,)
        As in :func:`window_average`. [yr]
    n_ext : int
        Length of the extended horizon of the paths (Ye).
    n_years : int
        Number of decision years Y.
    myopic : ndarray of bool, shape (S,)
        Scenarios whose plants take today's value.
    own_routes : ndarray of int, optional
        Routes whose paths may differ between scenarios that discount alike where the other
        routes' do not (a flexible load in each scenario's own mix,
        :class:`kruispunt.engine.context.ScenarioMix`): such a path is worked out once per
        distinct rate on the other routes and per scenario on these (:attr:`Expected.mixed`).
    alike : bool
        Whether to work out a path alike by rate once per distinct rate (False: every
        scenario's row, as for the part of a mixed path on :attr:`own_routes`).
    """

    def __init__(
        self,
        rate: F,
        windows: Sequence[tuple[I, I]],
        n_ext: int,
        n_years: int,
        myopic: npt.NDArray[np.bool_],
        own_routes: I | None = None,
        alike: bool = True,
    ) -> None:
        steps = np.arange(n_ext, dtype=np.float64)
        self.disc = (1.0 + rate[:, None]) ** -steps[None, :]  # (S, Ye)
        cum_d = np.concatenate(
            [np.zeros((self.disc.shape[0], 1)), np.cumsum(self.disc, axis=-1)], axis=-1
        )
        t = np.arange(n_years)
        self.n_ext, self.n_years = n_ext, n_years
        self.myopic = myopic
        self.ends: list[tuple[I, I]] = []
        self.den: list[F] = []
        """Per window: the discounted sums of the weights, year-first ``(Y, S, R)``."""
        for start, length in windows:
            a = np.minimum(t[None, :] + start[:, None], n_ext - 1)  # (R, Y)
            b = np.minimum(a + np.maximum(length[:, None], 1), n_ext)
            self.ends.append((a, b))
            den = np.take(cum_d, b, axis=-1) - np.take(cum_d, a, axis=-1)  # (S, R, Y)
            self.den.append(np.moveaxis(den, -1, 0))
        # every window side by side, year by year (:class:`Expected`): the window ends as
        # rows of the sums laid out scenario-last ``(R * (Ye + 1), S)``, flattened over
        # (route, window) ``(Y, R * J)``, and the denominators ``(Y, R, J, S)``
        R = len(windows[0][0]) if windows else 0
        row = (np.arange(R) * (n_ext + 1))[None, :, None]
        J = len(windows)
        self.lo = (np.stack([a.T for a, _ in self.ends], axis=-1) + row).reshape(n_years, R * J)
        self.hi = (np.stack([b.T for _, b in self.ends], axis=-1) + row).reshape(n_years, R * J)
        # the same ends as rows of one route's sums (a path the same on every route)
        self.lo_one = np.stack([a.T for a, _ in self.ends], axis=-1).reshape(n_years, R * J)
        self.hi_one = np.stack([b.T for _, b in self.ends], axis=-1).reshape(n_years, R * J)
        self.den_last = np.ascontiguousarray(np.stack(self.den, axis=-1).transpose(0, 2, 3, 1))
        self.myopic_rows = np.flatnonzero(myopic)
        # scenarios that discount alike (an ensemble's packages share their future's rate):
        # a path the same in the scenarios that discount alike (a price of the future, the
        # same under every package) is worked out once per distinct rate
        key = np.stack([rate, myopic.astype(np.float64)], axis=1)
        _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
        self._rows = np.sort(first)
        self._alike: Windows | None = None
        self.alike_rows: I = np.arange(len(rate))
        """Each scenario's row among those a path alike by rate (:meth:`alike_by_rate`) is
        worked out on (:meth:`Expected.own_year`): itself when no two scenarios discount
        alike."""
        if alike and 2 * len(first) <= len(rate):
            where = np.searchsorted(self._rows, first)
            self._inverse = where[np.asarray(inverse).reshape(-1)]
            """Each scenario's row in :attr:`_rows`."""
            self.alike_rows = self._inverse
            self._alike = Windows(rate[self._rows], windows, n_ext, n_years, myopic[self._rows])
        self.own_routes: I = np.zeros(0, dtype=np.int64)
        """Routes a mixed path is worked out on for every scenario (:attr:`Expected.mixed`)."""
        self._own: Windows | None = None
        self._keep: I = np.arange(R, dtype=np.int64)
        if self._alike is not None and own_routes is not None and len(own_routes):
            self.own_routes = np.asarray(own_routes, dtype=np.int64)
            self._keep = np.setdiff1d(self._keep, self.own_routes)
            mine = [(a[self.own_routes], b[self.own_routes]) for a, b in windows]
            self._own = Windows(rate, mine, n_ext, n_years, myopic, alike=False)

    def alike_by_rate(self, values: F) -> bool:
        """Whether every scenario's ``values`` ``(S, ...)`` hold the same bits as those of the
        first scenario that discounts alike (the same rate and foresight): then each
        scenario's expected values are that scenario's arithmetic, worked out once per
        distinct rate (:attr:`alike_rows`). A path the same in every scenario is; so is, in
        an ensemble, a path of the future alone (a price) under each of its packages. False
        when no two scenarios discount alike.

        Examples
        --------
        >>> w = Windows(np.array([0.05, 0.05, 0.08, 0.08]), [(np.array([0]), np.array([2]))],
        ...             3, 2, np.zeros(4, dtype=bool))
        >>> w.alike_by_rate(np.array([[1.0], [1.0], [2.0], [2.0]]))
        True
        >>> w.alike_by_rate(np.array([[1.0], [1.0], [2.0], [-2.0]]))
        False
        """
        if self._alike is None:
            return False
        a = np.asarray(values)
        if a.strides[0] == 0:
            return True
        first = self._rows[self._inverse]  # each scenario's first scenario with its rate
        others = np.flatnonzero(first != np.arange(len(first)))

        def same(x: F) -> bool:
            mine = np.ascontiguousarray(x[others]).view(np.uint8)
            return bool(np.array_equal(mine, np.ascontiguousarray(x[first[others]]).view(np.uint8)))

        # the first step compared first: most paths that differ do so there
        return same(a[..., :1]) and same(a)

    def expected_into(self, values: F, outs: Sequence[F]) -> None:
        """Expected ``values`` ``(S, R, Ye)`` over each window, written into ``outs`` (one
        ``(Y, S, R)`` array or view per window): the window average, or today's value in
        myopic scenarios."""
        n_ext = self.n_ext
        if values.shape[-1] != n_ext:
            raise ValueError(f"a path over {values.shape[-1]} years; expected {n_ext}")
        if self._alike is not None and self.alike_by_rate(values):
            # each scenario's result is its own row's arithmetic: the same bits from the row
            # of a scenario with the same rate and values
            part = [np.empty((self.n_years, len(self._rows), out.shape[-1])) for out in outs]
            self._alike.expected_into(values[self._rows], part)
            for out, p in zip(outs, part, strict=True):
                out[...] = p[:, self._inverse]
            return
        cum = np.zeros((*values.shape[:-1], n_ext + 1))  # discounted sums before each step
        np.multiply(values, self.disc[:, None, :], out=cum[..., 1:])
        np.cumsum(cum[..., 1:], axis=-1, out=cum[..., 1:])
        cum_flat = cum.reshape(*cum.shape[:-2], -1)
        row = (np.arange(cum.shape[-2]) * (n_ext + 1))[:, None]
        myopic = self.myopic.any()
        today = np.moveaxis(values[..., : self.n_years], -1, 0)
        for (a, b), den, out in zip(self.ends, self.den, outs, strict=True):
            num = np.take(cum_flat, row + b, axis=-1) - np.take(cum_flat, row + a, axis=-1)
            np.divide(np.moveaxis(num, -1, 0), den, out=out)
            if myopic:
                np.copyto(out, today, where=self.myopic[None, :, None])


class Expected:
    """One path's expected values over every window of a :class:`Windows`, worked out year
    by year from its discounted cumulative sums ``(S, R, Ye + 1)``, which are kept instead of
    the expected values of every decision year (``Y x`` the windows: several times the
    memory). A year's values are those :meth:`Windows.expected_into` writes for that year,
    operation for operation; the last year asked for is kept. The sums are worked out when a
    year is first asked for: a batch's valuation reads some paths only in some years (a
    support round's reference prices), some never.

    Parameters
    ----------
    windows : Windows
        The batch's windows.
    values : ndarray, shape (S, R, Ye)
        The path.
    """

    def __init__(self, windows: Windows, values: F) -> None:
        w = windows
        if values.shape[-1] != w.n_ext:
            raise ValueError(f"a path over {values.shape[-1]} years; expected {w.n_ext}")
        self._w = w
        self._alike: Expected | None = None
        self._t, self._year = -1, np.empty(0)
        self._t_own, self._own = -1, np.empty(0)
        self._values: F | None = None
        """The path until its sums are worked out (:meth:`_sums`)."""
        self._cum = np.empty((0, 0))
        self._today = np.empty((0, 0, 0))
        if values.shape[1] > 1 and values.strides[1] == 0:
            # the same on every route (a price, a tariff, broadcast over the routes): its
            # sums are the same bits on every route, worked out on one (:meth:`own_year`)
            values = values[:, :1]
        self._base: Expected | None = None
        self._part: Expected | None = None
        if w._alike is not None and w.alike_by_rate(values):
            # each scenario's result is its own row's arithmetic: the same bits from the row
            # of a scenario with the same rate and values
            self._alike = Expected(w._alike, values[w._rows])
            return
        if (
            w._own is not None
            and w._alike is not None
            and values.shape[1] == len(w._keep) + len(w.own_routes)
            and w.alike_by_rate(values[:, w._keep])
        ):
            # alike but on the routes of each scenario's own (a flexible load's mix): the
            # other routes once per distinct rate, those per scenario, each entry the same
            # arithmetic as on every scenario's row
            self._base = Expected(w._alike, values[w._rows])
            self._part = Expected(w._own, values[:, w.own_routes])
            return
        self._values = values

    @property
    def alike(self) -> bool:
        """Whether the path is worked out once per distinct discount rate (the same in the
        scenarios that discount alike, :meth:`Windows.alike_by_rate`): :meth:`own_year`
        then holds the rows :attr:`Windows.alike_rows` of the batch's scenarios."""
        return self._alike is not None

    @property
    def mixed(self) -> bool:
        """Whether the path is alike by rate but on :attr:`Windows.own_routes`: worked out
        once per distinct rate on the other routes and per scenario on those;
        :meth:`own_year` then holds the first part ``(R, J, S')`` flattened, followed by the
        second ``(n, J, S)`` flattened."""
        return self._base is not None

    def _sums(self) -> F:
        """The discounted cumulative sums, scenario-last ``(R * (Ye + 1), S)`` (a year's
        window ends are then contiguous rows; ``R`` is 1 for a path the same on every
        route), worked out on first use: the sums before each step, step by step in the
        order of :meth:`Windows.expected_into`."""
        values = self._values
        if values is not None:
            w = self._w
            S, R, n_ext = values.shape
            cum = np.empty((R, n_ext + 1, S))
            cum[:, 0] = 0.0
            disc = np.ascontiguousarray(w.disc.T)  # (Ye, S)
            np.multiply(values.transpose(1, 2, 0), disc[None], out=cum[:, 1:])
            # the running sum step by step (np.cumsum's additions, vectorised over routes
            # and scenarios rather than along a strided axis)
            for k in range(1, n_ext):
                np.add(cum[:, k], cum[:, k + 1], out=cum[:, k + 1])
            self._cum = cum.reshape(R * (n_ext + 1), S)
            # today's values (myopic scenarios only), year-first, scenario-last
            rows = w.myopic_rows
            today = values[rows, :, : w.n_years] if len(rows) else values[:0, :, :0]
            self._today = np.ascontiguousarray(today.transpose(2, 1, 0))
            self._values = None
        return self._cum

    def own_year(self, t: int) -> F:
        """Expected values in decision year ``t`` over each window, scenario-last
        ``(R, J, S')``, on the rows the path is worked out on: every scenario's
        (``S' = S``), or, for a path alike by rate (:attr:`alike`), each distinct
        rate's. :meth:`year` lays these out for the scenarios; gathering straight from here
        (:class:`kruispunt.engine.valuation.Positions`) saves that copy."""
        if self._alike is not None:
            return self._alike.own_year(t)
        if self._base is not None and self._part is not None:
            if t != self._t_own:
                base = self._base.own_year(t).reshape(-1)
                part = self._part.own_year(t).reshape(-1)
                self._t_own, self._own = t, np.concatenate([base, part])
            return self._own
        if t != self._t_own:
            w = self._w
            cum = self._sums()
            one = cum.shape[0] == w.n_ext + 1  # one route's sums: every route reads them
            lo, hi = (w.lo_one, w.hi_one) if one else (w.lo, w.hi)
            num = np.take(cum, hi[t], axis=0) - np.take(cum, lo[t], axis=0)
            out = num.reshape(w.den_last[t].shape)
            np.divide(out, w.den_last[t], out=out)
            if len(w.myopic_rows):
                out[..., w.myopic_rows] = self._today[t][:, None, :]
            self._t_own, self._own = t, out
        return self._own

    def year(self, t: int) -> F:
        """Expected values in decision year ``t`` over each window ``(S, R, J)``."""
        if t == self._t:
            return self._year
        if self._base is not None and self._part is not None:
            own = np.take(self._base.own_year(t), self._w._inverse, axis=-1)
            own[self._w.own_routes] = self._part.own_year(t)
        else:
            own = self.own_year(t)
            if self._alike is not None:
                own = np.take(own, self._w._inverse, axis=-1)
        out = np.moveaxis(own, -1, 0)
        self._t, self._year = t, out
        return out
