"""Checkpoints: a model's architecture, parameters and buffers in one ``.npz`` file, and back (notebook 10).

A checkpoint holds plain arrays only, so ``np.load(path, allow_pickle=False)`` reads it
(nothing in the file can run code)::

    save(model, "best.npz")          # after the best epoch, or the final model
    model = load("best.npz")         # a new Sequential with the same layers and numbers
    load_into(model, "best.npz")     # or: overwrite an existing model's arrays in place

File layout: ``param/<key>`` for every entry of ``model.params`` (keys as in
``Sequential.params``, e.g. ``param/0.W``), ``buffer/<key>`` for every buffer (e.g.
``buffer/1.running_mean`` of a BatchNorm1d), and ``architecture``: a JSON string, the
list that ``describe(model)`` returns, e.g.
``[{"layer": "Linear", "n_in": 64, "n_out": 32}, {"layer": "ReLU"}, {"layer": "Dropout", "p": 0.2}, ...]``.
``build(architecture)`` turns such a list (or its JSON text) back into a ``Sequential``.
``save(model, path, extras={"mean": m, "std": s})`` also stores arrays that belong with the
model but are not part of it (e.g. the standardization of its inputs) as ``extra/<name>``;
``load_extras(path)`` returns them.
"""
import json
import os

import numpy as np

from nnlib import layers as nn
from nnlib import regularization as reg

__all__ = ["describe", "build", "named_buffers", "state", "save", "load", "load_into", "load_extras", "LAYERS"]

# layer name -> (class, the constructor arguments a description holds, each with its type)
LAYERS = {
    "Linear": (nn.Linear, {"n_in": int, "n_out": int}),
    "ReLU": (nn.ReLU, {}),
    "Sigmoid": (nn.Sigmoid, {}),
    "Tanh": (nn.Tanh, {}),
    "LeakyReLU": (nn.LeakyReLU, {"alpha": float}),
    "ELU": (nn.ELU, {"alpha": float}),
    "PReLU": (nn.PReLU, {}),
    "Softmax": (nn.Softmax, {}),
    "Identity": (nn.Identity, {}),
    "Dropout": (reg.Dropout, {"p": float}),
    "BatchNorm1d": (reg.BatchNorm1d, {"num_features": int, "momentum": float, "eps": float}),
}


def describe(model):
    """The architecture of a ``Sequential`` (or one layer) as a list of dicts that JSON can hold."""
    layer_list = list(model.layers) if isinstance(model, nn.Sequential) else [model]
    out = []
    for i, layer in enumerate(layer_list):
        name = type(layer).__name__
        if name not in LAYERS or type(layer) is not LAYERS[name][0]:
            raise TypeError(f"checkpoint.describe: layer {i} is a {name}; a checkpoint can describe "
                            f"{', '.join(LAYERS)}")
        entry = {"layer": name}
        for arg, kind in LAYERS[name][1].items():
            entry[arg] = kind(getattr(layer, arg))
        out.append(entry)
    return out


def build(architecture):
    """A ``Sequential`` from a description (a list of dicts, or its JSON text); weights are zero.

    Raises ValueError naming the entry when a layer is unknown or an argument is missing,
    unexpected or of the wrong type.
    """
    if isinstance(architecture, (str, bytes)):
        try:
            architecture = json.loads(architecture)
        except ValueError as error:
            raise ValueError(f"checkpoint.build expected JSON text, got invalid JSON ({error})") from None
    if not isinstance(architecture, list) or not architecture:
        raise ValueError("checkpoint.build expected a non-empty list of layer descriptions, "
                         f"got {type(architecture).__name__}")
    built = []
    for i, entry in enumerate(architecture):
        if not isinstance(entry, dict) or entry.get("layer") not in LAYERS:
            got = entry.get("layer") if isinstance(entry, dict) else entry
            raise ValueError(f"checkpoint.build: entry {i} should name a layer ({', '.join(LAYERS)}), got {got!r}")
        cls, args = LAYERS[entry["layer"]]
        given = {k: v for k, v in entry.items() if k != "layer"}
        if set(given) != set(args):
            raise ValueError(f"checkpoint.build: entry {i} ({entry['layer']}) expected the arguments "
                             f"{sorted(args) or 'none'}, got {sorted(given) or 'none'}")
        for arg, kind in args.items():
            value = given[arg]
            if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int):
                raise ValueError(f"checkpoint.build: entry {i} ({entry['layer']}) expected {arg} to be "
                                 f"{'a number' if kind is float else 'an int'}, got {value!r}")
        if cls is nn.Linear:
            given["init"] = "zeros"
        built.append(cls(**given))
    return nn.Sequential(*built)


def named_buffers(model):
    """Every buffer of ``model`` under keys like ``params``' (``"{i}.{name}"`` inside a Sequential)."""
    if isinstance(model, nn.Sequential):
        return {f"{i}.{k}": v for i, layer in enumerate(model.layers) for k, v in named_buffers(layer).items()}
    return dict(getattr(model, "buffers", {}))


def state(model):
    """Copies of the model's parameters and buffers: {"param/<key>": array, "buffer/<key>": array}."""
    out = {f"param/{k}": np.array(v) for k, v in model.params.items()}
    out.update({f"buffer/{k}": np.array(v) for k, v in named_buffers(model).items()})
    return out


def save(model, path, extras=None):
    """Write the model's architecture, parameters and buffers to ``path`` (an .npz file); returns the path.

    ``extras``: None or a dict {name: array of numbers} stored beside them (see ``load_extras``)."""
    arrays = state(model)
    for name, value in (extras or {}).items():
        value = np.asarray(value)
        if not isinstance(name, str) or value.dtype.kind not in "biuf":
            raise ValueError(f"checkpoint.save expected extras to map names to arrays of numbers, got {name!r}: "
                             f"dtype {value.dtype}")
        arrays[f"extra/{name}"] = value
    arrays["architecture"] = np.array(json.dumps(describe(model)))
    path = os.fspath(path)
    np.savez(path, **arrays)
    return path if path.endswith(".npz") else path + ".npz"


def _read(path):
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {k: archive[k] for k in archive.files}
    except FileNotFoundError:
        raise
    except Exception as error:  # a zip that is not one, an object array, a truncated file
        raise ValueError(f"checkpoint: {os.fspath(path)} is not a checkpoint .npz file ({error})") from None


def load_into(model, path):
    """Overwrite ``model``'s parameters and buffers (in place) with those saved in ``path``.

    The file must hold exactly the model's keys, each with the model's shape and finite
    values; otherwise ValueError, and the model is left unchanged.  Returns the model.
    """
    return _copy_in(model, _read(path), path)


def load(path):
    """A new model built from the checkpoint's architecture, with its parameters and buffers."""
    arrays = _read(path)
    if "architecture" not in arrays:
        raise ValueError(f"checkpoint: {os.fspath(path)} has no 'architecture' entry")
    return _copy_in(build(str(arrays["architecture"])), arrays, path)


def load_extras(path):
    """The ``extras`` saved with the model: {name: array}."""
    return {k[len("extra/"):]: v for k, v in _read(path).items() if k.startswith("extra/")}


def _copy_in(model, arrays, path):
    targets = {f"param/{k}": v for k, v in model.params.items()}
    targets.update({f"buffer/{k}": v for k, v in named_buffers(model).items()})
    saved = {k: v for k, v in arrays.items() if k.startswith(("param/", "buffer/"))}
    if saved.keys() != targets.keys():
        missing, extra = sorted(targets.keys() - saved.keys()), sorted(saved.keys() - targets.keys())
        raise ValueError(f"checkpoint: {os.fspath(path)} does not fit the model (missing {missing or 'nothing'}, "
                         f"unexpected {extra or 'nothing'})")
    for key, target in targets.items():
        value = saved[key]
        if value.shape != target.shape or value.dtype.kind not in "fiu" or not np.isfinite(value).all():
            raise ValueError(f"checkpoint: {key} in {os.fspath(path)} should be finite numbers of shape "
                             f"{target.shape}, got dtype {value.dtype} and shape {value.shape}")
    for key, target in targets.items():
        target[...] = saved[key]
    return model
