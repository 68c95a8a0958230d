#!/usr/bin/env python3
"""Reference fixtures for crates/radiomics/src/filters (PyRadiomics image types).

Writes, with PyRadiomics 3.1.4, SimpleITK and PyWavelets (the versions are recorded in each
file):

- crates/radiomics/tests/fixtures/filters_small.json: filter outputs on small synthetic arrays,
  voxel by voxel: SimpleITK's LaplacianRecursiveGaussianImageFilter (NormalizeAcrossScale on,
  as PyRadiomics runs it) and GradientMagnitudeImageFilter, and PyRadiomics' own
  getWaveletImage / getSquareImage / getSquareRootImage / getLogarithmImage /
  getExponentialImage generators.
- crates/radiomics/tests/fixtures/filters_features.json: PyRadiomics feature values (all
  non-shape classes, default settings; `features` lists the `<class>_<Feature>` names, each
  case maps an image type to the values in that order) for the Square, SquareRoot, Logarithm, Exponential and
  Gradient image types on two of ../shared/pyradiomics-data's cases, breast1 (MR, positive
  values) and lung1 (CT, negative values), plus Gradient without spacing on breast1.
- crates/radiomics/tests/fixtures/filters_voxels.json: sampled voxels of the LoG (sigma 1, 2,
  3 mm) and wavelet images PyRadiomics computes for brain1 and lung2, inside the ROI's bounding
  box (seeded sample), with the box.

With --wavelet-bank PATH it instead writes the Rust table of decomposition filters
(crates/radiomics/src/filters/wavelet_bank.rs) from PyWavelets' definitions.

Run from the repository root: python3 scripts/make-filter-fixtures.py
"""
import argparse
import json
import logging
import os
import re
import sys

import numpy as np
import pywt
import SimpleITK as sitk

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("RADLSIG_SHARED", os.path.join(ROOT, "..", "shared"))
DATA = os.path.join(SHARED, "pyradiomics-data", "images")
FIXTURES = os.path.join(ROOT, "crates", "radiomics", "tests", "fixtures")


def versions():
    import radiomics
    return {"pyradiomics": radiomics.__version__, "SimpleITK": sitk.Version.VersionString(),
            "pywt": pywt.__version__, "numpy": np.__version__}


def f32(values):
    """float32 values as shortest decimal strings (parse as f32 for a bit-exact compare)."""
    return [repr(float(np.float32(v))) if np.isfinite(v) else str(v)
            for v in np.asarray(values, dtype=np.float32).ravel()]


def f64(values):
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def image(array, spacing):
    im = sitk.GetImageFromArray(array)
    im.SetSpacing(spacing)
    return im


def run_generator(fn, im, mask, **kwargs):
    return [(name, sitk.GetArrayFromImage(out)) for out, name, _ in fn(im, mask, **kwargs)]


def small():
    from radiomics import imageoperations as io
    rng = np.random.RandomState(20240611)
    out = {"versions": versions()}
    # LoG and gradient: int16 image, anisotropic spacing (x, y, z) mm.
    arr = rng.randint(-300, 900, size=(4, 6, 7)).astype(np.int16)
    spacing = (0.8, 0.9, 2.5)
    im = image(arr, spacing)
    out["int_image"] = {"shape_zyx": list(arr.shape), "spacing_xyz": list(spacing),
                        "values": [int(v) for v in arr.ravel()]}
    log = {}
    for sigma in (0.5, 1.0, 3.0):
        f = sitk.LaplacianRecursiveGaussianImageFilter()
        f.SetNormalizeAcrossScale(True)
        f.SetSigma(sigma)
        log[repr(sigma)] = f32(sitk.GetArrayFromImage(f.Execute(im)))
    out["log"] = log
    # The same on a float64 image (non-integer values, as after normalisation).
    farr = arr.astype(np.float64) / 7.0
    fim = image(farr, spacing)
    f = sitk.LaplacianRecursiveGaussianImageFilter()
    f.SetNormalizeAcrossScale(True)
    f.SetSigma(1.0)
    out["log_float64_sigma_1"] = f32(sitk.GetArrayFromImage(f.Execute(fim)))
    grad = {}
    for use in (True, False):
        g = sitk.GradientMagnitudeImageFilter()
        g.SetUseImageSpacing(use)
        grad[str(use).lower()] = f32(sitk.GetArrayFromImage(g.Execute(im)))
    out["gradient"] = grad

    # Wavelets through PyRadiomics' generator (padding, naming, level handling included).
    wav = []
    for shape, kwargs in [((3, 4, 5), {}),
                          ((3, 2, 3), {"wavelet": "db2", "start_level": 1, "level": 2}),
                          ((2, 3, 4), {"wavelet": "bior1.3", "force2D": True,
                                       "force2Ddimension": 0})]:
        a = rng.randint(0, 1000, size=shape).astype(np.int16)
        wim = image(a, (1.0, 1.0, 1.0))
        bands = run_generator(io.getWaveletImage, wim, None, **kwargs)
        wav.append({"shape_zyx": list(shape), "values": [int(v) for v in a.ravel()],
                    "settings": kwargs,
                    "bands": [{"name": n, "values": f64(b)} for n, b in bands]})
    out["wavelet"] = wav

    # Voxel-wise intensity filters, with negative values and zero.
    a = np.array([-1024, -300, -1, 0, 1, 2, 7, 40, 100, 255, 1000, 3071], dtype=np.int16)
    a = a.reshape(1, 3, 4)
    sim = image(a, (1.0, 1.0, 1.0))
    simple = {"values": [int(v) for v in a.ravel()]}
    for key, fn in [("square", io.getSquareImage), ("squareroot", io.getSquareRootImage),
                    ("logarithm", io.getLogarithmImage), ("exponential", io.getExponentialImage)]:
        ((name, b),) = run_generator(fn, sim, None)
        assert name == key
        simple[key] = f64(b)
    out["simple"] = simple
    return out


def features():
    from radiomics import featureextractor
    classes = ["firstorder", "glcm", "glrlm", "glszm", "gldm", "ngtdm"]
    out = {"versions": versions(), "settings": "PyRadiomics defaults (binWidth 25, "
           "voxelArrayShift 0, no resampling); classes " + ", ".join(classes),
           "features": [], "cases": {}}
    intensity = {"Square": {}, "SquareRoot": {}, "Logarithm": {}, "Exponential": {},
                 "Gradient": {}}
    runs = [("breast1", intensity, ""), ("lung1", intensity, ""),
            ("breast1", {"Gradient": {"gradientUseSpacing": False}}, "@gradientUseSpacing=false")]
    names = out["features"]
    for case, types, suffix in runs:
        ex = featureextractor.RadiomicsFeatureExtractor()
        ex.disableAllFeatures()
        for c in classes:
            ex.enableFeatureClassByName(c)
        ex.disableAllImageTypes()
        ex.enableImageTypes(**types)
        r = ex.execute(os.path.join(DATA, case + "_image.nrrd"),
                       os.path.join(DATA, case + "_label.nrrd"))
        values = out["cases"].setdefault(case, {})
        for k, v in r.items():
            if k.startswith("diagnostics_"):
                continue
            image_type, feature = k.split("_", 1)
            if feature not in names:
                names.append(feature)
            column = values.setdefault(image_type + suffix, [])
            assert names[len(column)] == feature, (k, len(column))
            column.append(float(v) if np.isfinite(v) else None)
    return out


def voxels():
    from radiomics import imageoperations as io
    out = {"versions": versions(), "samples_per_image": 20, "cases": {}}
    rng = np.random.RandomState(7)
    for case in ("brain1", "lung2"):
        im = sitk.ReadImage(os.path.join(DATA, case + "_image.nrrd"))
        mask = sitk.ReadImage(os.path.join(DATA, case + "_label.nrrd"))
        m = sitk.GetArrayFromImage(mask) == 1
        idx = np.argwhere(m)
        lo, hi = idx.min(0), idx.max(0)
        pts = np.stack([rng.randint(lo[a], hi[a] + 1, size=20) for a in range(3)], axis=1)
        images = run_generator(io.getLoGImage, im, mask, sigma=[1.0, 2.0, 3.0])
        images += run_generator(io.getWaveletImage, im, mask)
        entry = {"box_lower_zyx": [int(v) for v in lo], "box_upper_zyx": [int(v) for v in hi],
                 "points_zyx": [[int(v) for v in p] for p in pts], "images": {}}
        for name, arr in images:
            vals = arr[tuple(pts.T)]
            box = arr[lo[0]:hi[0] + 1, lo[1]:hi[1] + 1, lo[2]:hi[2] + 1].astype(np.float64)
            entry["images"][name] = {
                "values": f32(vals) if arr.dtype == np.float32 else f64(vals),
                "float32": bool(arr.dtype == np.float32),
                "box_sum": float(box.sum()), "box_min": float(box.min()),
                "box_max": float(box.max())}
        out["cases"][case] = entry
    return out


def documented(name):
    """The wavelets PyRadiomics' documentation lists (db1-20, coif1-5, all sym, bior, rbio)."""
    m = re.match(r"([a-z]+)(\d+)?", name)
    family, n = m.group(1), m.group(2)
    if family == "db":
        return int(n) <= 20
    if family == "coif":
        return int(n) <= 5
    return True


def wavelet_bank(path):
    names = [w for w in pywt.wavelist(kind="discrete") if documented(w)]
    lines = [
        "//! Decomposition filters of the PyWavelets wavelets radlsig supports, as PyWavelets "
        "%s" % pywt.__version__,
        "//! defines them (`pywt.Wavelet(name).dec_lo` / `.dec_hi`; every value round-trips to "
        "the same `f64`).",
        "//! For orthogonal wavelets only `dec_lo` is stored: PyWavelets' `dec_hi` is then exactly",
        "//! `dec_hi[i] = (−1)^(i+1)·dec_lo[F−1−i]` (checked by the generator).",
        "//!",
        "//! Generated by `scripts/make-filter-fixtures.py --wavelet-bank`; do not edit.",
        "",
        "/// How a wavelet's high-pass decomposition filter is stored.",
        "pub(crate) enum High {",
        "    /// The quadrature mirror of the low-pass filter (orthogonal wavelets).",
        "    Mirror,",
        "    /// Stored explicitly (biorthogonal wavelets).",
        "    Taps(&'static [f64]),",
        "}",
        "",
        "/// `(dec_lo, dec_hi)` of the wavelet `name`, or `None` when radlsig does not have it.",
        "pub(crate) fn decomposition_filters(name: &str) -> Option<(&'static [f64], High)> {",
        "    Some(match name {",
    ]
    consts = []
    for w in names:
        wav = pywt.Wavelet(w)
        ident = re.sub(r"[^A-Z0-9]", "_", w.upper())
        lo, hi = list(wav.dec_lo), list(wav.dec_hi)
        n = len(lo)
        mirror = all(hi[i] == (-1) ** (i + 1) * lo[n - 1 - i] for i in range(n))
        if wav.orthogonal:
            assert mirror, w
        consts.append("const %s_LO: &[f64] = &[%s];" % (ident, ", ".join(repr(float(t)) for t in lo)))
        if mirror:
            lines.append('        "%s" => (%s_LO, High::Mirror),' % (w, ident))
        else:
            consts.append("const %s_HI: &[f64] = &[%s];"
                          % (ident, ", ".join(repr(float(t)) for t in hi)))
            lines.append('        "%s" => (%s_LO, High::Taps(%s_HI)),' % (w, ident, ident))
    lines += ["        _ => return None,", "    })", "}", "", ""]
    text = "\n".join(lines) + "\n".join(consts) + "\n"
    with open(path, "w") as f:
        f.write(text)
    print("wrote %s (%d wavelets)" % (path, len(names)))


def dump(name, obj):
    path = os.path.join(FIXTURES, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wavelet-bank", metavar="PATH", help="write the Rust wavelet table")
    ap.add_argument("--only", choices=["small", "features", "voxels"], help="one fixture only")
    args = ap.parse_args()
    if args.wavelet_bank:
        wavelet_bank(args.wavelet_bank)
        return
    logging.getLogger("radiomics").setLevel(logging.ERROR)
    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(1)
    if args.only in (None, "small"):
        dump("filters_small.json", small())
    if args.only in (None, "features"):
        dump("filters_features.json", features())
    if args.only in (None, "voxels"):
        dump("filters_voxels.json", voxels())


if __name__ == "__main__":
    sys.exit(main())
