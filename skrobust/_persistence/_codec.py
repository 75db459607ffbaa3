"""Objects to a JSON tree plus arrays and back, for a fixed list of classes only.

Encoding walks an estimator's constructor parameters (``get_params(deep=False)``) and
then every other attribute in its ``__dict__`` (fitted attributes, private state such
as the RNG, nested estimators). Each value becomes JSON (None, bool, int, str, finite
float) or a small tagged JSON object: ``{"type": "ndarray", "member": ...}`` for an
array stored as a ``.npy`` member, ``"tuple"``, ``"list"``, ``"dict"``,
``"RandomState"``/``"Generator"`` (the bit generator's state, itself JSON and arrays),
``"estimator"`` (a class name from :func:`supported_classes` and its parameters and
attributes) and ``"ref"`` (the second sight of an object already written, so that
shared objects stay shared, as with pickle). Anything else is refused at save time.

Decoding only ever builds objects of these kinds: class names are looked up in the
whitelists below, never imported, so a crafted file naming ``os.system`` is rejected
without running anything.
"""

import functools
import math

import numpy as np

from skrobust._array_api import to_numpy
from skrobust._persistence._archive import FileError, array_bytes, sha256
from skrobust._persistence._fitted_state import check_decoded_estimator


@functools.cache
def supported_classes():
    """Qualified name -> class, for every estimator class save and load accept."""
    # Imported here: skrobust/__init__ imports this module's users, and these import
    # skrobust's own modules (a circular import at module level).
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from skrobust.linear_model._cv import RobustLogisticRegressionCV
    from skrobust.calibration import InterceptCalibrator
    from skrobust.linear_model import RobustLogisticRegression
    from skrobust.tags import TagVectorizer

    return {
        "skrobust.RobustLogisticRegression": RobustLogisticRegression,
        "skrobust.RobustLogisticRegressionCV": RobustLogisticRegressionCV,
        "skrobust.InterceptCalibrator": InterceptCalibrator,
        "skrobust.tags.TagVectorizer": TagVectorizer,
        "sklearn.preprocessing.StandardScaler": StandardScaler,
        "sklearn.pipeline.Pipeline": Pipeline,
    }


def class_name(cls):
    """The registry name of ``cls``, or None when it is not supported (subclasses
    neither: one would load as its parent and behave differently)."""
    for name, supported in supported_classes().items():
        if cls is supported:
            return name
    return None


# Types that appear as parameters (e.g. TagVectorizer(dtype=np.float32)).
_TYPES = {
    f"{t.__module__}.{t.__qualname__}": t
    for t in (bool, int, float, complex, str, np.bool_, np.float16, np.float32,
              np.float64, np.longdouble, np.complex64, np.complex128, np.int8,
              np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)
}
_BIT_GENERATORS = {
    cls.__name__: cls
    for cls in (np.random.MT19937, np.random.PCG64, np.random.PCG64DXSM,
                np.random.Philox, np.random.SFC64)
}
_PLAIN = (type(None), bool, int, str)
_FLOAT_WORDS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _plain_dtype(dtype, where):
    if dtype.hasobject or dtype.fields is not None:
        raise TypeError(f"Cannot save {where}: dtype {dtype} holds Python objects or fields.")
    return dtype


def _is_foreign_array(value):
    """An array of another namespace (torch, CuPy, array_api_strict, ...)."""
    # Not NumPy scalars nor classes (np.float32 has the methods too, unbound).
    return not isinstance(value, (np.ndarray, np.generic, type)) and (
        hasattr(value, "__array_namespace__") or hasattr(value, "__dlpack__")
    )


class Encoder:
    """Turns a value into a JSON tree; arrays go to :attr:`members`."""

    def __init__(self):
        self.members = {}  # member name -> .npy bytes
        self.arrays = {}  # member name -> shape, dtype, sha256
        self._refs = {}  # id(object) -> its ref number
        self._alive = []  # the objects in _refs, so that their ids are not reused
        self._open = set()  # ids being encoded: to refuse cycles

    def encode(self, value, where):
        kind = type(value)
        if kind in _PLAIN:
            return value
        if kind is float:
            return value if math.isfinite(value) else {"type": "float", "value": repr(value)}
        if kind in (tuple, list, dict, np.ndarray, np.memmap, np.random.RandomState,
                    np.random.Generator) or _is_foreign_array(value) or class_name(kind):
            return self._shared(value, where)
        if isinstance(value, np.generic):
            dtype = _plain_dtype(value.dtype, where)
            return {"type": "numpy_scalar", "dtype": dtype.str, "hex": value.tobytes().hex()}
        if isinstance(value, np.dtype):
            return {"type": "dtype", "str": _plain_dtype(value, where).str}
        if isinstance(value, type) and f"{value.__module__}.{value.__qualname__}" in _TYPES:
            return {"type": "type", "name": f"{value.__module__}.{value.__qualname__}"}
        if hasattr(value, "get_params"):
            raise TypeError(
                f"Cannot save {where}: {kind.__module__}.{kind.__qualname__} is not one of "
                f"the classes skrobust.save supports ({', '.join(supported_classes())})."
            )
        raise TypeError(
            f"Cannot save {where}: it is a {kind.__module__}.{kind.__qualname__}, and only "
            "JSON values (None, bool, int, float, str), tuples, lists, dicts, NumPy arrays, "
            "dtypes and scalars, NumPy random generators and estimators of the supported "
            "classes can be saved."
        )

    def _shared(self, value, where):
        """Values that may be shared or mutated: written once, then referenced."""
        key = id(value)
        if key in self._refs:
            if key in self._open:
                raise TypeError(f"Cannot save {where}: it contains itself.")
            return {"type": "ref", "id": self._refs[key]}
        self._refs[key] = len(self._refs)
        self._alive.append(value)
        self._open.add(key)
        try:
            node = self._encode_shared(value, where)
        finally:
            self._open.discard(key)
        return {"type": node.pop("type"), "id": self._refs[key], **node}

    def _encode_shared(self, value, where):
        if isinstance(value, (tuple, list)):
            kind = "tuple" if type(value) is tuple else "list"
            return {
                "type": kind,
                "items": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)],
            }
        if isinstance(value, dict):
            return {
                "type": "dict",
                "items": [
                    [self.encode(k, f"a key of {where}"), self.encode(v, f"{where}[{k!r}]")]
                    for k, v in value.items()
                ],
            }
        if isinstance(value, np.random.RandomState):
            state = value.get_state(legacy=False)
            return {"type": "RandomState", "state": self.encode(state, f"{where} (its state)")}
        if isinstance(value, np.random.Generator):
            generator = value.bit_generator
            return {
                "type": "Generator",
                "bit_generator": type(generator).__name__,
                "state": self.encode(generator.state, f"{where} (its state)"),
            }
        if isinstance(value, np.ndarray) or _is_foreign_array(value):
            return self._array(value, where)
        return self._estimator(value, where)

    def _array(self, value, where):
        # Arrays of other namespaces are saved as estimator_to_numpy would move
        # them: as NumPy arrays on the CPU.
        array = np.asarray(to_numpy(value))
        if array.dtype == object:
            values = array.ravel().tolist()
            if not all(type(v) is str for v in values):  # e.g. feature_names_in_
                raise TypeError(
                    f"Cannot save {where}: an object array whose items are not all str."
                )
            return {"type": "str_array", "shape": list(array.shape), "values": values}
        _plain_dtype(array.dtype, where)
        name = f"arrays/{len(self.members)}.npy"
        data = array_bytes(array)
        self.members[name] = data
        self.arrays[name] = {
            "shape": list(array.shape), "dtype": array.dtype.str, "sha256": sha256(data)
        }
        return {"type": "ndarray", "member": name}

    def _estimator(self, value, where):
        kind = type(value)
        params = value.get_params(deep=False)
        encoded = {
            name: self.encode(v, f"{where}.{name}")
            for name, v in params.items()
        }
        # Everything else in __dict__: fitted attributes and private state (the RNG
        # a resumed fit continues with, running statistics). A parameter whose
        # attribute is another object than get_params reports is kept too.
        attributes = {
            name: self.encode(v, f"{where}.{name}")
            for name, v in vars(value).items()
            if not (name in params and params[name] is v)
        }
        return {
            "type": "estimator", "class": class_name(kind), "params": encoded,
            "attributes": attributes,
        }


class Decoder:
    """Builds values back from a JSON tree and a
    :class:`~skrobust._persistence._archive.VerifiedArchive`'s arrays."""

    def __init__(self, archive):
        self.archive = archive
        self._objects = {}  # ref number -> object

    def fail(self, where, what):
        raise FileError(f"{self.archive.path!r}: {where} {what}.")

    def decode(self, node, where):
        if type(node) in _PLAIN or type(node) is float:
            return node
        if type(node) is not dict or not isinstance(node.get("type"), str):
            self.fail(where, f"is not a value skrobust writes ({type(node).__name__})")
        kind = node["type"]
        method = getattr(self, f"_decode_{kind}", None) if kind.isidentifier() else None
        if method is None:
            self.fail(where, f"has the unknown type {kind!r}")
        try:
            value = method(node, where)
        except FileError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as err:
            self.fail(where, f"holds a malformed {kind} ({type(err).__name__}: {err})")
        if "id" in node and kind != "ref":
            self._objects[node["id"]] = value
        return value

    def _decode_ref(self, node, where):
        if node["id"] not in self._objects:
            self.fail(where, f"refers to object {node['id']!r}, which comes nowhere before")
        return self._objects[node["id"]]

    def _decode_float(self, node, where):
        if node["value"] not in _FLOAT_WORDS:
            self.fail(where, f"holds the float {node['value']!r}")
        return _FLOAT_WORDS[node["value"]]

    def _dtype(self, text, where):
        if not isinstance(text, str):
            self.fail(where, f"names the dtype {text!r}")
        try:
            dtype = np.dtype(text)
        except TypeError as err:
            self.fail(where, f"names the dtype {text!r}, which NumPy rejects ({err})")
        if dtype.hasobject or dtype.fields is not None:
            self.fail(where, f"names the dtype {text!r}, which holds Python objects or fields")
        return dtype

    def _decode_numpy_scalar(self, node, where):
        dtype = self._dtype(node["dtype"], where)
        data = bytes.fromhex(node["hex"])
        if len(data) != dtype.itemsize:
            self.fail(where, f"holds {len(data)} bytes for a {dtype} scalar")
        return np.frombuffer(data, dtype=dtype)[0]

    def _decode_dtype(self, node, where):
        return self._dtype(node["str"], where)

    def _decode_type(self, node, where):
        if node["name"] not in _TYPES:
            self.fail(where, f"names the type {node['name']!r}, which is not one skrobust loads")
        return _TYPES[node["name"]]

    def _decode_ndarray(self, node, where):
        return self.archive.array(node["member"])

    def _decode_str_array(self, node, where):
        values = node["values"]
        if not isinstance(values, list) or not all(type(v) is str for v in values):
            self.fail(where, "is a str array with items that are not str")
        array = np.empty(len(values), dtype=object)
        array[:] = values
        return array.reshape(node["shape"])

    def _items(self, node, where):
        items = node["items"]
        if not isinstance(items, list):
            self.fail(where, "has items that are not a list")
        return items

    def _decode_list(self, node, where):
        # Registered before its items, as for every container: a ref inside it
        # can only point backwards, so this order matches the encoder's.
        out = []
        self._objects[node["id"]] = out
        out.extend(self._decoded_items(node, where))
        return out

    def _decode_tuple(self, node, where):
        return tuple(self._decoded_items(node, where))

    def _decoded_items(self, node, where):
        return [self.decode(v, f"{where}[{i}]") for i, v in enumerate(self._items(node, where))]

    def _decode_dict(self, node, where):
        out = {}
        self._objects[node["id"]] = out
        for pair in self._items(node, where):
            if not isinstance(pair, list) or len(pair) != 2:
                self.fail(where, "has an item that is not a key-value pair")
            key = self.decode(pair[0], f"a key of {where}")
            out[key] = self.decode(pair[1], f"{where}[{key!r}]")
        return out

    def _bit_generator(self, name, where):
        if name not in _BIT_GENERATORS:
            self.fail(where, f"names the bit generator {name!r}, which is not one skrobust loads")
        return _BIT_GENERATORS[name]()

    def _decode_RandomState(self, node, where):
        state = self.decode(node["state"], f"{where} (its state)")
        rng = np.random.RandomState(self._bit_generator(state["bit_generator"], where))
        rng.set_state(state)
        return rng

    def _decode_Generator(self, node, where):
        generator = self._bit_generator(node["bit_generator"], where)
        generator.state = self.decode(node["state"], f"{where} (its state)")
        return np.random.Generator(generator)

    def _decode_estimator(self, node, where):
        name = node["class"]
        cls = supported_classes().get(name) if isinstance(name, str) else None
        if cls is None:
            self.fail(
                where, f"names the class {name!r}, which is not one skrobust loads "
                f"(only {', '.join(supported_classes())})"
            )
        if not isinstance(node["params"], dict) or not isinstance(node["attributes"], dict):
            self.fail(where, "has parameters or attributes that are not a JSON object")
        params = {
            key: self.decode(value, f"{where}.{key}") for key, value in node["params"].items()
        }
        if name == "sklearn.pipeline.Pipeline" and params.get("memory") is not None:
            # A Pipeline's memory is a joblib cache folder whose files are pickles:
            # a file naming one would make a later fit unpickle whatever is there.
            self.fail(where, "sets Pipeline(memory=...), a cache of pickles; "
                      "skrobust loads pipelines only with memory=None")
        try:
            estimator = cls(**params)
        except TypeError as err:
            self.fail(where, f"has parameters {name} does not take ({err})")
        attributes = {
            key: self.decode(value, f"{where}.{key}")
            for key, value in node["attributes"].items()
        }
        dunder = [key for key in attributes if key.startswith("__")]
        if dunder:
            self.fail(where, f"sets the special attributes {dunder}")
        # Straight into __dict__, as unpickling does: properties are not called.
        vars(estimator).update(attributes)
        check_decoded_estimator(estimator, name, lambda what: self.fail(where, what))
        return estimator
