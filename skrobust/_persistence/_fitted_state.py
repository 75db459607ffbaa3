"""What a decoded estimator may hold: checked before ``load`` returns it.

An archive's hashes say the file is the one its writer wrote, not that the writer
was skrobust: anyone can write a file with matching hashes. So every estimator the
decoder builds is checked here, as :meth:`fit` would have left it:

* its attributes are data, never a name the class defines (a method, a property):
  an instance attribute ``predict_proba = str`` would replace the method;
* the fitted state of each supported class has the shapes, dtypes and ranges the
  class's methods rely on (a 3-D ``coef_``, an ``int8`` one, ``pi_ = 7.5`` or a
  ``pi_`` that broadcasts are refused), and is complete: a fitted model without
  ``coef_`` would fail later with a raw AttributeError;
* a Pipeline's steps fit together (each fitted step takes the previous one's
  output width).

``fail(what)`` raises the loader's error naming the file and the object.
"""

import numbers

import numpy as np

_FLOATS = (np.float32, np.float64)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


class _Checker:
    def __init__(self, estimator, fail):
        self.estimator = estimator
        self.fail = fail

    def get(self, name):
        return vars(self.estimator).get(name)

    def array(self, name, shape, floats=True, low=None, high=None, positive=False):
        """Attribute ``name``: an ndarray of ``shape`` (None: any size on that axis)."""
        value = self.get(name)
        if not isinstance(value, np.ndarray):
            self.fail(f"has {name} of type {type(value).__name__}, not an array")
        if value.ndim != len(shape) or any(
                want is not None and got != want for got, want in zip(value.shape, shape)):
            want = tuple("n" if s is None else s for s in shape)
            self.fail(f"has {name} of shape {value.shape}; expected {want}")
        if floats and value.dtype.type not in _FLOATS:
            self.fail(f"has {name} of dtype {value.dtype}; expected float32 or float64")
        if not floats and not (np.issubdtype(value.dtype, np.number)
                               or value.dtype == np.bool_):
            self.fail(f"has {name} of dtype {value.dtype}; expected numbers")
        if value.dtype.kind in "fc" and not np.isfinite(value).all():
            self.fail(f"has {name} with values that are not finite")
        if value.size and ((low is not None and value.min() < low)
                           or (high is not None and value.max() > high)
                           or (positive and value.min() <= 0)):
            bounds = "> 0" if positive else f"in [{low}, {high}]"
            self.fail(f"has {name} with values outside {bounds} (from {value.min()} to "
                      f"{value.max()})")
        return value

    def integer(self, name, low=0, equal=None):
        value = self.get(name)
        if not _is_int(value) or value < low or (equal is not None and value != equal):
            want = f"the integer {equal}" if equal is not None else f"an integer >= {low}"
            self.fail(f"has {name} = {value!r}; expected {want}")
        return int(value)

    def require(self, names):
        missing = [name for name in names if name not in vars(self.estimator)]
        if missing:
            self.fail(f"is fitted but lacks {missing}")


def _robust_lr(check):
    if not any(name in vars(check.estimator) for name in ("coef_", "pi_", "intercept_")):
        return  # not fitted
    check.require(["coef_", "intercept_", "pi_", "n_features_in_", "classes_",
                   "_multilabel"])
    coef = check.array("coef_", (None, None))
    n_tags, n_features = coef.shape
    if n_tags < 1 or n_features < 1:
        check.fail(f"has coef_ of shape {coef.shape}: no tag or no feature")
    intercept = check.array("intercept_", (n_tags,))
    if intercept.dtype != coef.dtype:
        check.fail(f"has intercept_ of dtype {intercept.dtype} and coef_ of {coef.dtype}")
    check.array("pi_", (n_tags,), low=0, high=1)
    if check.get("gamma_") is not None:
        check.array("gamma_", (n_tags,), low=0, high=1)
    if check.get("n_features_in_") != n_features or not _is_int(check.get("n_features_in_")):
        check.fail(f"has n_features_in_ = {check.get('n_features_in_')!r}, but coef_ has "
                   f"{n_features} columns")
    for name, shape in (("_previous_coef", coef.shape), ("_previous_intercept", (n_tags,))):
        if check.get(name) is not None:
            check.array(name, shape)
    multilabel = check.get("_multilabel")
    if not isinstance(multilabel, (bool, np.bool_)):
        check.fail(f"has _multilabel = {multilabel!r}; expected True or False")
    classes = check.get("classes_")
    if not isinstance(classes, np.ndarray) or classes.ndim != 1:
        check.fail("has classes_ that is not a 1-D array")
    want = n_tags if multilabel else 2
    if len(classes) != want or (not multilabel and n_tags != 1):
        check.fail(f"has {n_tags} tag(s) in coef_ and {len(classes)} classes_; a "
                   f"{'multi-label' if multilabel else 'binary'} model has "
                   f"{'one class per tag' if multilabel else 'one tag and two classes'}")
    for name in ("t_", "n_iter_"):
        if name in vars(check.estimator):
            check.integer(name, 0)
    if "alpha_" in vars(check.estimator):  # RobustLogisticRegressionCV
        alpha = check.get("alpha_")
        if isinstance(alpha, np.ndarray):
            check.array("alpha_", (n_tags,), low=0)
        elif not (isinstance(alpha, numbers.Real) and np.isfinite(alpha) and alpha >= 0):
            check.fail(f"has alpha_ = {alpha!r}; expected a number >= 0")


def _standard_scaler(check):
    if "n_features_in_" not in vars(check.estimator):
        return
    n = check.integer("n_features_in_", 1)
    if check.get("mean_") is not None:
        check.array("mean_", (n,))
    if check.get("var_") is not None:
        check.array("var_", (n,), low=0)
    if check.get("scale_") is not None:
        check.array("scale_", (n,), positive=True)
    elif check.get("with_std"):
        check.fail("has with_std=True but no scale_")
    if check.get("with_mean") and check.get("mean_") is None:
        check.fail("has with_mean=True but no mean_")


def _calibrator(check):
    if "estimator_" not in vars(check.estimator):
        return
    check.require(["beta_", "slope_", "classes_", "_binary"])
    inner = check.get("estimator_")
    if not hasattr(inner, "predict_proba"):
        check.fail(f"has estimator_ of type {type(inner).__name__}, not a model")
    final = inner[-1] if hasattr(inner, "steps") else inner
    coef = vars(final).get("coef_") if hasattr(final, "__dict__") else None
    n_tags = coef.shape[0] if isinstance(coef, np.ndarray) and coef.ndim == 2 else None
    beta = check.array("beta_", (n_tags,))
    check.array("slope_", beta.shape)
    if not isinstance(check.get("_binary"), (bool, np.bool_)):
        check.fail(f"has _binary = {check.get('_binary')!r}; expected True or False")


def _tag_vectorizer(check):
    if "vocabulary_" not in vars(check.estimator):
        return
    vocabulary = check.get("vocabulary_")
    if not isinstance(vocabulary, dict) or not all(
            isinstance(k, str) and _is_int(v) for k, v in vocabulary.items()):
        check.fail("has a vocabulary_ that is not a table of tags to column numbers")
    if sorted(vocabulary.values()) != list(range(len(vocabulary))):
        check.fail("has a vocabulary_ whose columns are not 0..n-1, each once")
    if "document_counts_" in vars(check.estimator):
        check.array("document_counts_", (len(vocabulary),), floats=False, low=0)


def _pipeline(check):
    steps = check.get("steps")
    if not isinstance(steps, list) or not steps:
        check.fail("has steps that are not a non-empty list")
    names, width = set(), None
    for i, step in enumerate(steps):
        if not isinstance(step, (tuple, list)) or len(step) != 2 or not isinstance(
                step[0], str) or step[0] in names or "__" in step[0]:
            check.fail(f"has a step {i} that is not a uniquely named (name, model) pair")
        names.add(step[0])
        model = step[1]
        if model is None or model == "passthrough":
            continue
        if i < len(steps) - 1 and not hasattr(model, "transform"):
            check.fail(f"has a step {step[0]!r} that cannot transform")
        n_in = vars(model).get("n_features_in_") if hasattr(model, "__dict__") else None
        if width is not None and n_in is not None and n_in != width:
            check.fail(f"has a step {step[0]!r} that takes {n_in} features, but the step "
                       f"before gives {width}")
        width = n_in if type(model).__name__ == "StandardScaler" else None


_CHECKS = {
    "skrobust.RobustLogisticRegression": _robust_lr,
    "skrobust.RobustLogisticRegressionCV": _robust_lr,
    "skrobust.InterceptCalibrator": _calibrator,
    "skrobust.tags.TagVectorizer": _tag_vectorizer,
    "sklearn.preprocessing.StandardScaler": _standard_scaler,
    "sklearn.pipeline.Pipeline": _pipeline,
}


def check_decoded_estimator(estimator, class_name, fail):
    """Refuse an estimator whose state ``fit`` could not have left; see the module.

    ``fail(what)`` must raise; ``what`` completes "<the object> ...".
    """
    cls = type(estimator)
    for name in vars(estimator):
        if not isinstance(name, str) or not name.isidentifier():
            fail(f"has an attribute named {name!r}")
        if hasattr(cls, name):
            fail(f"sets the attribute {name!r}, which would hide {cls.__name__}.{name}")
    check = _CHECKS.get(class_name)
    if check is not None:
        check(_Checker(estimator, fail))
