#!/usr/bin/env python3
"""Writes crates/volume/tests/fixtures/resample.txt: SimpleITK / PyRadiomics resampling outputs
that crates/volume/tests/resample.rs compares against.

Two kinds of blocks, both computed from the PyRadiomics test images in
../shared/pyradiomics-data/images (never copied; the Rust test reads the same files):

* `resample` — sitk.Resample of an image (optionally cropped first, inclusive x/y/z index box)
  onto an explicit grid with an identity transform, one interpolator, a default value and an
  output pixel type (the input's, or Float64 to keep the values before the cast).
* `pyrad` — radiomics.imageoperations.resampleImage (PyRadiomics 3.1.4) of image + label mask
  (after getMask) with resampledPixelSpacing / interpolator / padDistance; `pixel float64` means
  the image was cast to Float64 first, so the interpolated values are kept.

Each output array is summarised in numpy [z, y, x] order: voxel count, exact sum (math.fsum),
min, max, a bit hash (sum over i of (IEEE-754 bits of value_i as float64) * (i + 1), mod 2^64;
equal hashes mean bit-identical arrays) and 24 seeded sample voxels (8 for masks), "x y z value".

Usage: python3 scripts/make-resample-fixtures.py
Needs SimpleITK (2.5.7 was used, ITK 5.4) and pyradiomics-bhklab==3.1.4.
"""
import logging
import math
import os
import sys

import numpy as np
import SimpleITK as sitk
from radiomics import imageoperations

logging.getLogger('radiomics').setLevel(logging.ERROR)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get('RADLSIG_SHARED', os.path.join(ROOT, '..', 'shared'))
IMAGES = os.path.join(SHARED, 'pyradiomics-data', 'images')
OUT = os.path.join(ROOT, 'crates', 'volume', 'tests', 'fixtures', 'resample.txt')

INTERPOLATORS = {
    'sitkNearestNeighbor': sitk.sitkNearestNeighbor,
    'sitkLinear': sitk.sitkLinear,
    'sitkBSpline': sitk.sitkBSpline,
}
N_SAMPLES = 24


def fmt(values):
    return ' '.join(repr(float(v)) for v in values)


def summary(lines, prefix, image, seed, n_samples=N_SAMPLES):
    a = sitk.GetArrayFromImage(image)
    flat = a.astype(np.float64).ravel()
    bits = flat.view(np.uint64)
    weights = np.arange(1, flat.size + 1, dtype=np.uint64)
    with np.errstate(over='ignore'):
        h = int(np.sum(bits * weights, dtype=np.uint64))
    lines.append(f'{prefix}stats {flat.size} {math.fsum(flat)!r} {float(flat.min())!r} '
                 f'{float(flat.max())!r} {h}')
    rng = np.random.default_rng(seed)
    picks = rng.choice(flat.size, size=min(n_samples, flat.size), replace=False)
    for i in sorted(picks):
        z, y, x = np.unravel_index(i, a.shape)
        lines.append(f'{prefix}sample {x} {y} {z} {float(flat[i])!r}')


def grid_lines(lines, image):
    lines.append('size ' + ' '.join(str(s) for s in image.GetSize()))
    lines.append('spacing ' + fmt(image.GetSpacing()))
    lines.append('origin ' + fmt(image.GetOrigin()))
    lines.append('direction ' + fmt(image.GetDirection()))


def read(name):
    return sitk.ReadImage(os.path.join(IMAGES, name))


def crop(image, box):
    x0, y0, z0, x1, y1, z1 = box
    return image[x0:x1 + 1, y0:y1 + 1, z0:z1 + 1]


def resample_block(lines, name, source, box, grid, interpolator, default, float_output, seed):
    image = read(source)
    if box is not None:
        image = crop(image, box)
    size, spacing, origin, direction = grid
    out_type = sitk.sitkFloat64 if float_output else image.GetPixelID()
    out = sitk.Resample(image, [int(s) for s in size], sitk.Transform(), INTERPOLATORS[interpolator],
                        [float(o) for o in origin], [float(s) for s in spacing],
                        [float(d) for d in direction], float(default), out_type)
    lines.append(f'resample {name}')
    lines.append(f'source {source}')
    if box is not None:
        lines.append('crop ' + ' '.join(str(b) for b in box))
        lines.append('crop_origin ' + fmt(image.GetOrigin()))
    lines.append(f'interpolator {interpolator}')
    lines.append(f'default {default!r}')
    lines.append('pixel ' + ('float64' if float_output else 'input'))
    grid_lines(lines, out)
    summary(lines, '', out, seed)
    lines.append('end')


def pyrad_block(lines, name, case, spacing, interpolator, pad, float_output, seed):
    image = read(f'{case}_image.nrrd')
    if float_output:
        image = sitk.Cast(image, sitk.sitkFloat64)
    mask = imageoperations.getMask(read(f'{case}_label.nrrd'), label=1)
    ri, rm = imageoperations.resampleImage(image, mask, resampledPixelSpacing=spacing,
                                           interpolator=interpolator, padDistance=pad, label=1)
    lines.append(f'pyrad {name}')
    lines.append(f'case {case}')
    lines.append('resampled_spacing ' + fmt(spacing))
    lines.append(f'interpolator {interpolator}')
    lines.append(f'pad {pad}')
    lines.append('pixel ' + ('float64' if float_output else 'input'))
    grid_lines(lines, ri)
    assert ri.GetSize() == rm.GetSize() and ri.GetOrigin() == rm.GetOrigin()
    summary(lines, 'image_', ri, seed)
    summary(lines, 'mask_', rm, seed + 1, n_samples=8)
    lines.append('end')


def rotation_z(theta):
    c, s = math.cos(theta), math.sin(theta)
    return [c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0]


def pyradiomics_full_grid(image, spacing):
    """resampled_grid: PyRadiomics' whole-extent grid (corner kept, ceil(n * old / new) voxels)."""
    old = np.array(image.GetSpacing())
    new = np.array(spacing, dtype=float)
    ratio = old / new
    size = np.ceil(np.array(image.GetSize()) * ratio).astype(int)
    origin = image.TransformContinuousIndexToPhysicalPoint((.5 * (new - old) / old).tolist())
    return size.tolist(), new.tolist(), origin, image.GetDirection()


def main():
    lines = ['# Generated by scripts/make-resample-fixtures.py; do not edit.',
             f'# SimpleITK {sitk.Version.VersionString()}, ITK {sitk.Version.ITKVersionString()}']
    seed = 1000

    # breast1, whole image, a grid reaching 1-2 voxels past every face (background, borders).
    breast = read('breast1_image.nrrd')
    o = np.array(breast.GetOrigin())
    grid = ([33, 102, 33], [1.0, 0.8, 1.5], (o - [1.3, 0.9, 2.0]).tolist(), breast.GetDirection())
    for interp in INTERPOLATORS:
        for float_output in ([False, True] if interp != 'sitkNearestNeighbor' else [False]):
            seed += 7
            resample_block(lines, f'breast1_{interp}_{"f64" if float_output else "i16"}',
                           'breast1_image.nrrd', None, grid, interp, -5.0, float_output, seed)

    # lung1 sub-crop onto an oblique grid (rotated 0.2 rad about z), background -1024.
    lung_box = (180, 320, 25, 259, 399, 44)
    lung = crop(read('lung1_image.nrrd'), lung_box)
    lo = np.array(lung.GetOrigin())
    grid = ([70, 110, 44], [0.7, 0.45, 1.9], (lo + [-3.0, 4.0, -1.0]).tolist(), rotation_z(0.2))
    for interp in INTERPOLATORS:
        for float_output in ([False, True] if interp == 'sitkBSpline' else [False]):
            seed += 7
            resample_block(lines, f'lung1_crop_{interp}_{"f64" if float_output else "i16"}',
                           'lung1_image.nrrd', lung_box, grid, interp, -1024.0, float_output, seed)

    # brain1 sub-crop (y axis flipped) onto PyRadiomics' whole-extent 2 mm grid.
    brain_box = (150, 70, 8, 219, 164, 19)
    brain = crop(read('brain1_image.nrrd'), brain_box)
    grid = pyradiomics_full_grid(brain, [2.0, 2.0, 2.0])
    for interp in INTERPOLATORS:
        for float_output in ([False, True] if interp == 'sitkBSpline' else [False]):
            seed += 7
            resample_block(lines, f'brain1_crop_{interp}_{"f64" if float_output else "i16"}',
                           'brain1_image.nrrd', brain_box, grid, interp, 0.0, float_output, seed)

    # Short lines: 10 x 7 x 1 (a one-voxel axis) and 12 x 15 x 3 (full causal initialisation).
    for box in [(20, 60, 9, 29, 66, 9), (18, 58, 8, 29, 72, 10)]:
        small = crop(read('breast1_image.nrrd'), box)
        so = np.array(small.GetOrigin())
        size = [int(math.ceil(n * s / t)) + 2 for n, s, t in
                zip(small.GetSize(), small.GetSpacing(), [0.3, 0.5, 1.0])]
        grid = (size, [0.3, 0.5, 1.0], (so - [0.4, 0.5, 1.2]).tolist(), small.GetDirection())
        for float_output in [False, True]:
            seed += 7
            name = f'breast1_small{box[3] - box[0] + 1}x{box[4] - box[1] + 1}x{box[5] - box[2] + 1}'
            resample_block(lines, f'{name}_sitkBSpline_{"f64" if float_output else "i16"}',
                           'breast1_image.nrrd', box, grid, 'sitkBSpline', 0.0, float_output, seed)

    # PyRadiomics resampleImage: the baseline setting on all five cases, then variants.
    for case in ['brain1', 'brain2', 'breast1', 'lung1', 'lung2']:
        seed += 7
        pyrad_block(lines, f'{case}_bspline_2mm', case, [2, 2, 2], 'sitkBSpline', 5, False, seed)
    variants = [
        ('breast1_bspline_2mm_f64', 'breast1', [2, 2, 2], 'sitkBSpline', 5, True),
        ('breast1_linear_inplane', 'breast1', [1.0, 1.5, 0], 'sitkLinear', 3, False),
        ('breast1_nearest_fine', 'breast1', [0.5, 0.5, 1.0], 'sitkNearestNeighbor', 5, False),
        ('breast1_same_spacing', 'breast1', [0.664062, 0.664062, 2.1], 'sitkBSpline', 5, False),
        ('breast1_all_zero', 'breast1', [0, 0, 0], 'sitkBSpline', 2, False),
        ('lung1_bspline_aniso', 'lung1', [1.3, 0.7, 3.0], 'sitkBSpline', 2, False),
        ('lung1_bspline_aniso_f64', 'lung1', [1.3, 0.7, 3.0], 'sitkBSpline', 2, True),
        ('lung1_linear_2mm_f64', 'lung1', [2, 2, 2], 'sitkLinear', 5, True),
        ('brain2_bspline_f64', 'brain2', [1.0, 1.0, 3.0], 'sitkBSpline', 4, True),
        ('lung2_bspline_2mm_f64', 'lung2', [2, 2, 2], 'sitkBSpline', 5, True),
    ]
    for name, case, spacing, interp, pad, float_output in variants:
        seed += 7
        pyrad_block(lines, name, case, spacing, interp, pad, float_output, seed)

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print(f'wrote {OUT} ({os.path.getsize(OUT)} bytes)', file=sys.stderr)


if __name__ == '__main__':
    main()
