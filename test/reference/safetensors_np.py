"""Minimal safetensors reader/writer using only numpy, json and struct.

File layout: u64 little-endian header length N, then N bytes of UTF-8 JSON
(padded with spaces), then the raw data section. Each header entry is
{"dtype": ..., "shape": [...], "data_offsets": [begin, end]} with offsets
relative to the start of the data section; "__metadata__" is optional.
"""

import json
import struct

import numpy as np

_READ_DTYPES = {
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),  # converted by hand below
}


def _bf16_to_f32(raw):
    return (raw.astype(np.uint32) << 16).view(np.float32)


def load(path):
    """Return (dict name -> float32 ndarray, metadata dict or None)."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError("%s: file too short for a safetensors header" % path)
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise ValueError("%s: header length %d exceeds file size" % (path, n))
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    data = memoryview(blob)[8 + n :]
    meta = header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        dtype = info["dtype"]
        if dtype not in _READ_DTYPES:
            raise ValueError("%s: unsupported dtype %s for %s" % (path, dtype, name))
        begin, end = info["data_offsets"]
        shape = tuple(int(s) for s in info["shape"])
        npdt = _READ_DTYPES[dtype]
        count = int(np.prod(shape)) if shape else 1
        if end - begin != count * npdt.itemsize or end > len(data):
            raise ValueError("%s: bad data_offsets for %s" % (path, name))
        arr = np.frombuffer(data[begin:end], dtype=npdt, count=count)
        if dtype == "BF16":
            arr = _bf16_to_f32(arr)
        else:
            arr = arr.astype(np.float32)
        out[name] = arr.reshape(shape).copy()
    return out, meta


def save(path, tensors, metadata=None):
    """Write dict name -> array-like as F32 safetensors (names sorted)."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        arr = np.array(tensors[name], dtype="<f4", order="C")  # keeps 0-d shapes
        raw = arr.tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(arr.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * ((8 - len(hbytes) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for c in chunks:
            f.write(c)
