"""What the two estimators share: validation, scaling, threads and the fitted network's views."""

from __future__ import annotations

import contextlib
import threading
from numbers import Integral
from typing import TYPE_CHECKING

import joblib
import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import (
    _check_sample_weight,
    _num_samples,
    check_array,
    check_is_fitted,
    validate_data,
)
from torch import nn

from ._network import _PREDICT_BLOCK, ACTIVATIONS, SparseMLP, check_float_dtype

if TYPE_CHECKING:  # annotations only
    import matplotlib.axes

_SCALE_EPS = 1e-12
# The largest learning rate the fits' float32 Adam takes: Adam divides it by 1 - beta1 = 0.1
# on its first step, and a quotient above float32's largest fails inside torch ("value
# cannot be converted to type float without overflow").
MAX_LEARNING_RATE = float(np.finfo(np.float32).max) * (1 - 0.9)


def seed_from_random_state(random_state) -> int:
    """One integer seed from ``None``, an int or a ``RandomState``.

    An int gives the same seed every time; ``None`` draws a fresh one.
    """
    if isinstance(random_state, Integral):
        # Every seed numpy accepts (0 to 2**32 - 1) stays itself.
        return int(random_state) % (2**32)
    return int(check_random_state(random_state).randint(0, 2**31 - 1))


def numeric_target(y: np.ndarray) -> np.ndarray:
    """``y`` from ``validate_data(..., y_numeric=True)`` as float64, or a clear error.

    ``y_numeric`` converts only object arrays, and after its check for NaN
    and infinity; numbers given as strings are converted as X's are (and
    datetimes or timedeltas to counts of their unit, as numpy converts them
    and scikit-learn takes them in X), anything else that does not convert
    is refused by name, and NaN or infinity, written as numbers, strings or
    ``None``, are refused. A float16 or float32 target
    becomes float64, as X does, so that its scaling is computed in float64.
    """
    if y.dtype.kind != "f":
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise _target_not_numbers(y, error) from None
    return check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")


def _target_not_numbers(y, error: Exception) -> ValueError:
    return ValueError(
        f"y must hold numbers, but it has dtype {np.asarray(y).dtype} and could not be "
        f"converted to float ({error}). Encode the target as numbers first."
    )


def _converts_to_float(a) -> bool:
    try:
        np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True


@contextlib.contextmanager
def numeric_inputs(X, y=None):
    """Turn scikit-learn's bare "could not convert string to float" into advice.

    When ``X`` converts to float and ``y`` (given at fit) does not, the
    error names ``y``. Otherwise it names ``X``: a DataFrame's message names
    the columns that are not numbers.
    """
    try:
        yield
    except ValueError as error:
        if "could not convert" not in str(error):
            raise
        if y is not None and _converts_to_float(X) and not _converts_to_float(y):
            raise _target_not_numbers(y, error) from None
        dtypes = getattr(X, "dtypes", None)
        if dtypes is not None and hasattr(dtypes, "items"):
            bad = [str(c) for c, t in dtypes.items() if getattr(t, "kind", "O") not in "biuf"]
            where = f"its non-numeric columns {bad}" if bad else None
        else:
            try:
                kind = np.asarray(X).dtype.kind
            except (TypeError, ValueError):  # ragged: not an array at all
                kind = "O"
            where = "X" if kind in "OUS" else None
        if where is None:
            raise
        raise ValueError(
            f"X must hold numbers, but {where} could not be converted to float ({error}). Encode text "
            "or categorical features first, for example with sklearn.preprocessing.OneHotEncoder or "
            "OrdinalEncoder in a sklearn.compose.ColumnTransformer, before this estimator in a Pipeline."
        ) from None


def finite_magnitudes(values: np.ndarray, what: str) -> np.ndarray:
    """The largest magnitude of each column of ``values``, or a clear error for NaN or infinity.

    Only needed where scikit-learn's own check was skipped, as under
    ``sklearn.config_context(assume_finite=True)``.
    """
    largest = np.max(np.abs(values), axis=0)
    if not np.all(np.isfinite(largest)):
        raise ValueError(
            f"{what} contains NaN or infinity. Remove those rows or impute them, "
            "for example with sklearn.impute.SimpleImputer."
        )
    return largest


def reduction_advice(k: int, estimator: str) -> str:
    """The pipelines an error suggests for data of more than ``k`` features.

    Measured by ``benchmarks/beyond_16.py``: on features of which a few
    matter, the selection kept the search accurate where the PCA did not; on
    correlated mixes of a few factors, the PCA was somewhat more accurate.
    """
    return (
        f"make_pipeline(SelectKBest(mutual_info_regression, k={k}), {estimator}()) keeps the {k} "
        f"features that tell most about y, as they are (sklearn.feature_selection); where the "
        f"features are correlated mixes of a few underlying factors, "
        f"make_pipeline(StandardScaler(), PCA(n_components={k}), {estimator}()) may do better."
    )


def effective_n_threads(n_jobs: int | None) -> int:
    """Threads for torch inside one fit.

    ``None`` means one thread, scikit-learn's convention: the networks and
    batches are small, and a second thread costs more in synchronisation
    than it saves (measured: a default SWAT fit on a busy 2-core machine
    took 8-14 s on one thread and several times longer on two), and it keeps
    ``GridSearchCV(n_jobs=2)`` from oversubscribing the cores. ``-1`` means
    all cores, ``-2`` all but one, and so on: the cores this process may use
    (joblib's count, which respects CPU affinity and container limits).
    """
    n_cores = joblib.cpu_count(only_physical_cores=False)
    if n_jobs is None:
        return 1
    if n_jobs < 0:
        return max(1, n_cores + 1 + n_jobs)
    return max(1, min(int(n_jobs), n_cores))


# Fits running at once in threads (joblib's threading backend) share torch's
# thread count: the count from before the first of them is restored when the
# last one ends. (How torch shares it between threads depends on its build:
# with OpenMP a thread can keep its own, so a worker thread whose fit ended
# while others still ran may keep that fit's count.)
_THREADS_LOCK = threading.Lock()
_threads_state = {"active": 0, "saved": None}


@contextlib.contextmanager
def torch_threads(n: int):
    """Run a block with ``torch.set_num_threads(n)``, then restore.

    Nested or concurrent blocks (fits in threads) restore the count from
    before the outermost one when the last of them ends.
    """
    with _THREADS_LOCK:
        if _threads_state["active"] == 0:
            _threads_state["saved"] = torch.get_num_threads()
        _threads_state["active"] += 1
        torch.set_num_threads(n)
    try:
        yield
    finally:
        with _THREADS_LOCK:
            _threads_state["active"] -= 1
            if _threads_state["active"] == 0:
                torch.set_num_threads(_threads_state["saved"])


# Modules built by torch (nn.Linear and the like) draw their initial weights
# from its global generator. This lock keeps two fits in threads from drawing
# from each other's seed, and the draws leave the user's generator as it was.
_GLOBAL_RNG_LOCK = threading.Lock()


@contextlib.contextmanager
def seeded_global_rng(seed: int | None = None):
    """Run a block that draws from torch's global generator, then restore it.

    With ``seed``, the block's draws are those of ``torch.manual_seed(seed)``.
    Blocks in other threads wait: only one runs at a time.
    """
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng([]):
        if seed is not None:
            # The CPU generator only: torch.manual_seed would reseed CUDA's too,
            # which fork_rng([]) does not restore.
            torch.random.default_generator.manual_seed(seed)
        yield


def typed_field(what: str, kind: str, value):
    """``value`` as the Python ``kind`` ("int", "float", "bool" or "str") of a settings field.

    numpy numbers become Python ones (settings are saved as JSON); a bool is
    not an int here, nor an int a bool. Anything else is a TypeError naming
    ``what``: refused where it is given, not by a torch call later.
    """
    if kind == "str":
        ok = isinstance(value, str)
    elif kind == "bool":
        ok = isinstance(value, (bool, np.bool_))
    else:
        numbers = (int, np.integer) if kind == "int" else (int, float, np.integer, np.floating)
        ok = isinstance(value, numbers) and not isinstance(value, (bool, np.bool_))
    if not ok:
        article = "an" if kind == "int" else "a"
        raise TypeError(f"{what} must be {article} {kind}; got {value!r} ({type(value).__name__}).")
    return {"int": int, "float": float, "bool": bool, "str": str}[kind](value)


def resolve_device(device: str | None) -> torch.device:
    """``"auto"``/``None`` -> cuda if available else cpu; otherwise as given."""
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        dev = None
    if dev is None or dev.type not in ("cpu", "cuda"):
        raise ValueError(
            f"device={device!r} is not a device sklearn-swat runs on; use 'cpu', "
            "'cuda', 'cuda:N' (a GPU's index) or 'auto'."
        )
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was asked for but CUDA is not available; "
            "use device='cpu' or device='auto'."
        )
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(
            f"device={device!r}: there is no GPU of index {dev.index}; this machine has "
            f"{torch.cuda.device_count()} (cuda:0 to cuda:{torch.cuda.device_count() - 1})."
        )
    return dev


@contextlib.contextmanager
def atomic_fit(estimator):
    """Restore the estimator's previous state if the block raises or is interrupted.

    A ``KeyboardInterrupt`` or an error during ``fit`` then leaves a
    previously fitted estimator exactly as it was, never half-fitted.
    """
    saved = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(saved)
        raise


@contextlib.contextmanager
def autograd_enabled():
    """Run a fit's training with autograd on, whatever mode the caller is in.

    A ``fit`` called under ``torch.no_grad()`` or ``torch.inference_mode()``
    trains as it would outside them; the caller's mode is back afterwards.
    """
    with torch.inference_mode(False), torch.enable_grad():
        yield


class _Affine(nn.Module):
    """``x * scale + offset``, used by the exported torch module."""

    def __init__(self, scale: np.ndarray, offset: np.ndarray, dtype: torch.dtype) -> None:
        super().__init__()
        self.register_buffer("scale", torch.as_tensor(scale, dtype=dtype))
        self.register_buffer("offset", torch.as_tensor(offset, dtype=dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(
                f"The exported module takes a torch tensor; got {type(x).__name__}. Convert it "
                f"with torch.as_tensor(X, dtype={self.scale.dtype})."
            )
        # Said here, in the user's terms: torch's own errors come later, from a matmul.
        if x.dtype != self.scale.dtype:
            raise TypeError(
                f"The exported module computes in {self.scale.dtype}; got a {x.dtype} tensor. "
                f"Convert it with x.to({self.scale.dtype}), or export with "
                f"export_torch(dtype={x.dtype})."
            )
        if self.scale.ndim == 1 and (x.ndim != 2 or x.shape[1] != self.scale.shape[0]):
            raise ValueError(
                f"The exported module takes a tensor of shape (n_samples, {self.scale.shape[0]}); "
                f"got shape {tuple(x.shape)}. One row x is x.reshape(1, -1)."
            )
        return x * self.scale + self.offset


class BaseSparseNetworkRegressor(RegressorMixin, BaseEstimator):
    """Shared machinery of the estimators whose predictor is a :class:`SparseMLP`.

    This class validates and scales the data (``_validate_fit_data``,
    ``_fit_scalers``: inputs and target to [-1, 1]) and exposes the views of
    the fitted ``network_`` (predict, summary, export, drawing); a subclass's
    ``fit`` searches or trains the network on the scaled data.
    """

    _max_features: int | None = None

    # ------------------------------------------------------------ data
    def _refuse_boolean_integers(self) -> None:
        """Refuse ``True`` or ``False`` where a setting takes an integer, by name.

        scikit-learn's parameter check takes a bool for the integer 1 or 0 (a
        bool is an ``Integral``), which would reach torch or the search as a
        number of rows or steps.
        """
        for name, constraints in getattr(self, "_parameter_constraints", {}).items():
            # (A width or a list of widths checks its own entries.)
            takes_integer = "array-like" not in constraints and any(
                isinstance(c, Interval) and c.type is Integral for c in constraints
            )
            value = getattr(self, name)
            if takes_integer and isinstance(value, bool):
                raise ValueError(f"{name} must be an integer, not a boolean; got {value!r}.")

    def _validate_fit_data(self, X, y, sample_weight):
        # The settings first, as scikit-learn's parameter check before this.
        self._refuse_boolean_integers()
        shape = getattr(y, "shape", None)
        if shape is None and isinstance(y, (list, tuple)):  # a list of lists has a shape too
            try:
                shape = np.shape(y)
            except ValueError:  # ragged: left to validate_data
                shape = ()
        try:
            n_samples = _num_samples(X)
        except TypeError:  # not array-like: validate_data says so
            n_samples = None
        # Several targets, one per column; a y of one row and as many columns as X has
        # rows is one target transposed (validate_data names the sample counts).
        if (isinstance(shape, tuple) and len(shape) == 2 and shape[1] > 1
                and not (shape[0] == 1 and shape[1] == n_samples)):
            name = type(self).__name__
            raise ValueError(
                f"{name} fits one target, but y has shape {shape} ({shape[1]} targets). "
                f"Fit one model per target with "
                f"sklearn.multioutput.MultiOutputRegressor({name}())."
            )
        # errstate: scikit-learn's finiteness check sums X (and y, again in numeric_target)
        # first, which overflows on finite values near float64's limit and warns before
        # refusing nothing; ours says what is wrong.
        with np.errstate(over="ignore", invalid="ignore"):
            with numeric_inputs(X, y):
                X, y = validate_data(
                    self, X, y, y_numeric=True, dtype=np.float64, ensure_min_samples=2,
                    accept_sparse=False, order="C",
                )
            # Outside numeric_inputs: its own "could not be converted" message is not
            # wrapped a second time (a target of numpy strings gets here).
            y = numeric_target(y)
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if not np.isfinite(sample_weight).all():  # assume_finite=True skipped the usual check
            raise ValueError("sample_weight contains NaN or infinity.")
        if np.any(sample_weight < 0):
            raise ValueError("sample_weight must be non-negative.")
        if not np.any(sample_weight > 0):  # not sum(): weights near float64's limit overflow it
            raise ValueError("sample_weight sums to zero: at least one sample needs weight.")
        return X, y, sample_weight

    @staticmethod
    def _check_range(values: np.ndarray, what: str) -> None:
        """Refuse values whose spread float64 cannot hold once scaled back."""
        largest = finite_magnitudes(values, what)
        with np.errstate(over="ignore"):
            fits = np.all(np.isfinite(4.0 * largest))
        if not fits:
            raise ValueError(
                f"{what} holds values too large to scale (largest magnitude "
                f"{float(np.max(largest)):.3g}, near float64's limit of 1.8e308). "
                "Divide them by a constant first, for example with sklearn's "
                "MaxAbsScaler or TransformedTargetRegressor."
            )

    def _fit_scalers(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Scale inputs and target to [-1, 1] (DESIGN section 5). A constant
        # column gets scale 1 so it maps to 0 instead of dividing by zero.
        # "Constant" is relative to the values' own size: a spread of 1e-13
        # around 0 is data, a spread of 1e-13 around 1e6 is rounding.
        self._check_range(X, "X")
        self._check_range(y, "y")
        lo, hi = X.min(axis=0), X.max(axis=0)
        span = hi - lo
        with np.errstate(divide="ignore", over="ignore"):  # 2 / a subnormal spread is inf
            varies = (span > _SCALE_EPS * np.maximum(np.abs(lo), np.abs(hi))) & np.isfinite(2.0 / span)
        span = np.where(varies, span, 2.0)
        self.x_scale_ = 2.0 / span
        self.x_offset_ = -(lo + hi) / 2.0 * self.x_scale_
        ylo, yhi = float(y.min()), float(y.max())
        yspan = yhi - ylo
        with np.errstate(divide="ignore", over="ignore"):
            y_varies = yspan > _SCALE_EPS * max(abs(ylo), abs(yhi)) and 2.0 / yspan < np.inf
        if not y_varies:
            yspan = 2.0
        self.y_scale_ = yspan / 2.0
        self.y_offset_ = (ylo + yhi) / 2.0
        Xs = X * self.x_scale_ + self.x_offset_
        # A column that counts as constant is 0, exactly: rounding noise around a large
        # value (1e6 + 1e-7 x) would otherwise be a tiny input the networks could read.
        Xs[:, ~varies] = 0.0
        # A target that counts as constant is its midpoint, exactly: the
        # estimators then fit a constant, not the rounding noise around it.
        ys = (y - self.y_offset_) / self.y_scale_ if y_varies else np.zeros_like(y)
        return Xs, ys

    @staticmethod
    def _constant_network(n_features: int) -> SparseMLP:
        """The smallest network of the family: one switched-off neuron, output bias 0.

        On a constant target (scaled to 0) this predicts the constant exactly,
        with one parameter, where a search would only approximate it.
        """
        return SparseMLP(
            coefs=[np.zeros((n_features, 1)), np.zeros((1, 1))],
            intercepts=[np.zeros(1), np.zeros(1)],
            activations=[[0]],
            gates=[[False]],
        )

    def _check_n_features(self, n_features: int) -> None:
        limit = self._max_features
        if limit is not None and n_features > limit:
            raise ValueError(
                f"{type(self).__name__} got {n_features} features but its autoencoders "
                f"handle at most {limit}. Reduce the features first: "
                f"{reduction_advice(limit, type(self).__name__)}"
            )

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predict with the fitted sparse network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predictions on the scale of the training target.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat import SWATRegressor
        >>> X = np.random.RandomState(0).uniform(-1, 1, size=(100, 2))
        >>> y = X[:, 0] * X[:, 1]
        >>> reg = SWATRegressor(max_iter=5, polish_iter=5, n_restarts=1, depths=(1,),
        ...                     random_state=0).fit(X, y)
        >>> reg.predict(X[:3]).shape
        (3,)
        """
        check_is_fitted(self, "network_")
        # float32 is kept here and converted a block at a time, as the scaling is
        # done: memory of a few MB beyond X and the output, whatever the rows. The
        # blocks are the network's own (_PREDICT_BLOCK rows), in C order: the same
        # bits as one float64 copy scaled whole, whatever the input's dtype or layout.
        with numeric_inputs(X), np.errstate(over="ignore", invalid="ignore"):  # as in fit
            X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        out = np.empty(X.shape[0])
        for start in range(0, X.shape[0], _PREDICT_BLOCK):
            Xs = self._scaled_block(X, start)
            if not np.isfinite(Xs).all():
                self._refuse_unscalable(X)
            with np.errstate(over="ignore", invalid="ignore"):  # checked below
                out[start:start + _PREDICT_BLOCK] = self.network_.predict(Xs)
        with np.errstate(over="ignore", invalid="ignore"):
            out *= self.y_scale_  # in place: the same bits as out * y_scale_ + y_offset_
            out += self.y_offset_
        if not np.isfinite(out).all():
            rows = np.flatnonzero(~np.isfinite(out))
            raise ValueError(
                f"X has {len(rows)} row(s) (the first: row {rows[0]}) so far outside the "
                "training data's range that the network's prediction overflows float64 (a "
                "network with leaky ReLU neurons grows with its inputs). Check those rows, or fit on data "
                "that covers them."
            )
        return out

    def _scaled_block(self, X: np.ndarray, start: int) -> np.ndarray:
        """Rows ``start`` to ``start + _PREDICT_BLOCK`` of ``X``, in float64, scaled as in fit."""
        block = np.ascontiguousarray(X[start:start + _PREDICT_BLOCK], dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            return block * self.x_scale_ + self.x_offset_

    def _refuse_unscalable(self, X: np.ndarray) -> None:
        """Raise the error for rows that do not scale to finite numbers, counted over all of X."""
        rows = []
        for start in range(0, X.shape[0], _PREDICT_BLOCK):
            # NaN or infinity first: assume_finite=True skips scikit-learn's check.
            finite_magnitudes(X[start:start + _PREDICT_BLOCK], "X")
            rows.extend(start + np.flatnonzero(~np.isfinite(self._scaled_block(X, start)).all(axis=1)))
        raise ValueError(
            f"X has {len(rows)} row(s) (the first: row {rows[0]}) too far outside the "
            "training data's range to scale in float64 (a feature whose training values "
            "barely varied has a huge scale). Check those rows, or fit on data that "
            "covers them."
        )

    # ------------------------------------------------------------ views
    @property
    def n_nonzero_(self) -> int:
        """Non-zero parameters of the fitted network: the weights and biases it uses.

        Weights and biases of switched-off neurons do not count; see
        :attr:`SparseMLP.n_nonzero <sklearn_swat.SparseMLP.n_nonzero>`.
        """
        check_is_fitted(self, "network_")
        return self.network_.n_nonzero

    @property
    def used_features_(self) -> np.ndarray:
        """Which features the fitted network reads: a boolean mask of shape ``(n_features_in_,)``.

        A feature is read when a path of non-zero weights through switched-on
        neurons leads from it to the output (:attr:`SparseMLP.used_inputs
        <sklearn_swat.SparseMLP.used_inputs>`); predictions do not depend on
        the others. ``feature_names_in_[used_features_]`` names them.
        """
        check_is_fitted(self, "network_")
        return self.network_.used_inputs

    @property
    def depth_(self) -> int:
        """Number of hidden layers of the fitted network."""
        check_is_fitted(self, "network_")
        return self.network_.depth

    @property
    def n_active_neurons_(self) -> list[int]:
        """Switched-on neurons per hidden layer of the fitted network."""
        check_is_fitted(self, "network_")
        return self.network_.n_active_neurons

    @property
    def activations_(self) -> list[list[str]]:
        """Activation names of the switched-on neurons, per hidden layer."""
        check_is_fitted(self, "network_")
        return [
            [ACTIVATIONS[a] for a, g in zip(acts, gates) if g]
            for acts, gates in zip(self.network_.activations, self.network_.gates)
        ]

    def export_torch(self, dtype: torch.dtype = torch.float32) -> nn.Module:
        """Return a plain :class:`torch.nn.Module` computing :meth:`predict`.

        The input scaling and the mapping back to the target's scale are
        part of the module.

        Parameters
        ----------
        dtype : torch.dtype, default=torch.float32
            Dtype of the module's parameters.

        Returns
        -------
        module : torch.nn.Module
            Maps a tensor of shape ``(n, n_features)`` and of ``dtype`` to
            ``(n,)``, all rows in one batch (unlike :meth:`predict`, which
            works through large inputs a block at a time): split very large
            inputs yourself. Like any torch module it takes tensors of its
            own dtype: a float64 numpy array ``X`` goes in as
            ``torch.as_tensor(X, dtype=torch.float32)`` with the default, or
            as ``torch.as_tensor(X)`` with ``dtype=torch.float64``, which
            matches :meth:`predict` to float64 rounding.

        Examples
        --------
        >>> import torch
        >>> import numpy as np
        >>> from sklearn_swat import SWATRegressor
        >>> X = np.random.RandomState(0).uniform(-1, 1, size=(100, 2))
        >>> y = X[:, 0] * X[:, 1]
        >>> reg = SWATRegressor(max_iter=5, polish_iter=5, n_restarts=1, depths=(1,),
        ...                     random_state=0).fit(X, y)
        >>> module = reg.export_torch(dtype=torch.float64)
        >>> with torch.no_grad():
        ...     out = module(torch.as_tensor(X)).numpy()
        >>> bool(np.allclose(out, reg.predict(X)))
        True
        >>> with torch.no_grad():  # the default float32 module takes float32 tensors
        ...     out32 = reg.export_torch()(torch.as_tensor(X, dtype=torch.float32)).numpy()
        >>> bool(np.allclose(out32, reg.predict(X), atol=1e-5))
        True
        """
        check_is_fitted(self, "network_")
        check_float_dtype(dtype)
        info = torch.finfo(dtype)
        values = np.abs(np.concatenate([self.x_scale_, self.x_offset_, [self.y_scale_, self.y_offset_]]))
        factors = np.abs(np.append(self.x_scale_, self.y_scale_))
        if np.any(values > info.max) or np.any(factors < info.tiny):
            raise ValueError(
                f"The scaling of the inputs or target (factors from {factors.min():.3g} to "
                f"{factors.max():.3g}, offsets up to {values.max():.3g}) does not fit in {dtype}, "
                f"whose normal numbers span {info.tiny:.3g} to {info.max:.3g}: the module would "
                "output NaN, infinity or zeros. Pass dtype=torch.float64, or fit on rescaled data."
            )
        return nn.Sequential(
            _Affine(self.x_scale_, self.x_offset_, dtype),
            self.network_.to_torch(dtype),
            _Affine(np.asarray(self.y_scale_), np.asarray(self.y_offset_), dtype),
        ).eval()

    def summary(self) -> str:
        """Return a readable description of the fitted network.

        Returns
        -------
        text : str
            One line for the whole network, one for the features it reads
            (named by ``feature_names_in_`` when X had column names), then one
            per layer (see :meth:`SparseMLP.summary`).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat import SWATRegressor
        >>> X = np.random.RandomState(0).uniform(-1, 1, size=(100, 2))
        >>> y = X[:, 0] * X[:, 1]
        >>> reg = SWATRegressor(max_iter=5, polish_iter=5, n_restarts=1, depths=(1,),
        ...                     random_state=0).fit(X, y)
        >>> print(reg.summary())
        SparseMLP: 2 inputs, 1 hidden layer(s), 1 output; ... non-zero parameters
          inputs: ... read...
          hidden 1: ... neurons on (...); ... incoming weights non-zero
          output: linear; ... incoming weights non-zero
        """
        check_is_fitted(self, "network_")
        return self.network_.summary(getattr(self, "feature_names_in_", None))

    def plot_network(self, ax: matplotlib.axes.Axes | None = None) -> matplotlib.axes.Axes:
        """Draw the fitted network with matplotlib.

        The inputs are named by ``feature_names_in_`` when X had column
        names (else ``x0``, ``x1``, ...); those the network does not read are
        drawn hollow (:meth:`SparseMLP.plot`).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; a new figure is made when ``None``.

        Returns
        -------
        ax : matplotlib.axes.Axes
            The axes drawn on.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat import SWATRegressor
        >>> X = np.random.RandomState(0).uniform(-1, 1, size=(100, 2))
        >>> y = X[:, 0] * X[:, 1]
        >>> reg = SWATRegressor(max_iter=5, polish_iter=5, n_restarts=1, depths=(1,),
        ...                     random_state=0).fit(X, y)
        >>> ax = reg.plot_network()
        >>> ax.get_title() == f"{reg.n_nonzero_} non-zero parameters"
        True
        """
        check_is_fitted(self, "network_")
        return self.network_.plot(ax=ax, input_names=getattr(self, "feature_names_in_", None))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        return tags


__all__ = [
    "MAX_LEARNING_RATE",
    "BaseSparseNetworkRegressor",
    "SparseMLP",
    "atomic_fit",
    "autograd_enabled",
    "effective_n_threads",
    "finite_magnitudes",
    "resolve_device",
    "seed_from_random_state",
    "torch_threads",
]
