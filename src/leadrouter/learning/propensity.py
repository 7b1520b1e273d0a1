"""The propensity model: the probability that a lead converts, from what is known before contact.

A blend of two models that see the same features: gradient boosting (scikit-learn's
HistGradientBoostingClassifier, native categories, isotonic calibration on 3-fold
cross-validated predictions) for interactions and thresholds, and a logistic regression (one-hot
categories, log-scaled numbers) for a smooth, well-calibrated ranking, weighted
``BOOSTING_SHARE`` to the first. On X Education's data the blend beats either alone by a
little on most held-out splits.

Features are plain dicts: numbers (float or None for missing) and categories (str or None).
Categories seen fewer than ``RARE`` times in training share one "rare" bucket.

Explanations are occlusion: for each feature, how much the probability moves when that
feature alone is replaced by its typical value (the training median or most frequent
category). Cheap (one prediction per feature), model-agnostic and honest about the blend.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from leadrouter.learning.threads import one_thread

if TYPE_CHECKING:  # scikit-learn loads slowly: the API and routing import this module
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression

Value = float | str | None
Features = Mapping[str, Value]
RARE = 10
SEED = 0
BOOSTING_SHARE = 0.7


@dataclass(frozen=True)
class FeatureSpec:
    """Which features are numbers and which are categories."""

    numbers: tuple[str, ...]
    categories: tuple[str, ...]


def _float(v: Value) -> float:
    return float(v) if isinstance(v, int | float) else float("nan")


@dataclass
class Encoder:
    """Category vocabularies and number medians learned from the training rows."""

    spec: FeatureSpec
    vocab: dict[str, list[str]] = field(default_factory=dict)
    medians: dict[str, float] = field(default_factory=dict)
    caps: dict[str, float] = field(default_factory=dict)  # 99th percentiles: outliers clipped
    modes: dict[str, str | None] = field(default_factory=dict)

    def fit(self, rows: Sequence[Features]) -> Encoder:
        """Learn vocabularies (frequent categories) and medians."""
        for name in self.spec.categories:
            counts = Counter(r.get(name) for r in rows)
            self.vocab[name] = sorted(
                str(v) for v, n in counts.items() if v is not None and n >= RARE
            )
            mode = counts.most_common(1)[0][0] if counts else None
            self.modes[name] = None if mode is None else str(mode)
        for name in self.spec.numbers:
            values = np.array([_float(r.get(name)) for r in rows])
            finite = values[~np.isnan(values)]
            self.medians[name] = float(np.median(finite)) if finite.size else 0.0
            self.caps[name] = float(np.percentile(finite, 99)) if finite.size else 0.0
        return self

    def _code(self, name: str, v: Value) -> float:
        if v is None:
            return float("nan")
        vocab = self.vocab[name]
        s = str(v)
        return float(vocab.index(s)) if s in vocab else float(len(vocab))  # the rare bucket

    def boosting(self, rows: Sequence[Features]) -> np.ndarray:
        """Numbers as they are, categories as codes (missing stays NaN)."""
        return np.array(
            [
                [_float(r.get(n)) for n in self.spec.numbers]
                + [self._code(c, r.get(c)) for c in self.spec.categories]
                for r in rows
            ]
        )

    def linear(self, rows: Sequence[Features]) -> np.ndarray:
        """log1p of clipped numbers with missing and zero flags, one-hot categories."""
        out = []
        for r in rows:
            x: list[float] = []
            for n in self.spec.numbers:
                v = _float(r.get(n))
                missing = np.isnan(v)
                v = self.medians[n] if missing else min(max(v, 0.0), self.caps[n])
                x += [float(np.log1p(v)), float(missing), float(v == 0)]
            for c in self.spec.categories:
                code = self._code(c, r.get(c))
                hot = [0.0] * (len(self.vocab[c]) + 2)  # vocabulary, rare, missing
                hot[len(hot) - 1 if np.isnan(code) else int(code)] = 1.0
                x += hot
            out.append(x)
        return np.array(out)

    def typical(self, name: str) -> Value:
        """The value that stands for "nothing special" in explanations."""
        return self.medians[name] if name in self.medians else self.modes.get(name)


@dataclass
class Propensity:
    """A fitted blend of calibrated gradient boosting and logistic regression."""

    encoder: Encoder
    boosting: CalibratedClassifierCV
    linear: LogisticRegression
    base_rate: float

    @classmethod
    def fit(
        cls, spec: FeatureSpec, rows: Sequence[Features], y: Sequence[int] | np.ndarray
    ) -> Propensity:
        """Train on rows and their outcomes (1 = converted)."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.linear_model import LogisticRegression

        target = np.asarray(y, dtype=int)
        enc = Encoder(spec).fit(rows)
        is_category = [False] * len(spec.numbers) + [True] * len(spec.categories)
        gbm = HistGradientBoostingClassifier(
            categorical_features=is_category,
            learning_rate=0.1,
            max_iter=100,
            max_leaf_nodes=15,
            min_samples_leaf=30,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=SEED,
        )
        with one_thread():
            # ensemble=False: one booster on all rows, calibrated on 3-fold predictions; a
            # third of the trees of three calibrated copies, so a third of predict's time
            boosting = CalibratedClassifierCV(gbm, method="isotonic", cv=3, ensemble=False)
            boosting.fit(enc.boosting(rows), target)
            linear = LogisticRegression(C=0.5, max_iter=3000).fit(enc.linear(rows), target)
        return cls(enc, boosting, linear, float(target.mean()))

    def predict(self, rows: Sequence[Features]) -> np.ndarray:
        """The probability of converting, one per row."""
        with one_thread():
            a = self.boosting.predict_proba(self.encoder.boosting(rows))[:, 1]
            b = self.linear.predict_proba(self.encoder.linear(rows))[:, 1]
        return np.asarray(BOOSTING_SHARE * a + (1.0 - BOOSTING_SHARE) * b)

    def explain(self, row: Features, top: int = 5) -> list[tuple[str, float]]:
        """The features that move this lead's probability most, with how much (signed)."""
        return self.predict_explained(row, top)[1]

    def predict_explained(
        self, row: Features, top: int = 5
    ) -> tuple[float, list[tuple[str, float]]]:
        """The lead's probability and its top features, from one batch prediction."""
        spec = self.encoder.spec
        names = [*spec.numbers, *spec.categories]
        variants = [dict(row)]
        for name in names:
            variants.append({**row, name: self.encoder.typical(name)})
        p = self.predict(variants)
        moves = [(name, round(float(p[0] - p[i + 1]), 4)) for i, name in enumerate(names)]
        ranked = sorted((m for m in moves if m[1] != 0), key=lambda m: -abs(m[1]))[:top]
        return float(p[0]), ranked

    def to_bytes(self) -> bytes:
        """Serialize for the model table."""
        import joblib

        buffer = io.BytesIO()
        joblib.dump(self, buffer)
        return buffer.getvalue()

    @staticmethod
    def from_bytes(blob: bytes) -> Propensity:
        """Load a model this code wrote.

        joblib is pickle underneath: loading runs code from the bytes. Only call this on
        bytes from our own model table, written by ``to_bytes``; never on an upload.
        """
        import joblib

        model = joblib.load(io.BytesIO(blob))
        if not isinstance(model, Propensity):
            raise TypeError("not a propensity model")
        return model
