#!/usr/bin/env python3
"""Writes crates/radiomics/tests/fixtures/shape_pyradiomics.json: PyRadiomics 3.1.4 `shape` and
`shape2D` feature values on small synthetic masks the shared baselines do not cover, plus the
deprecated 3D shape features of the five PyRadiomics test cases.

- "cubes": every non-empty 2x2x2 configuration of a marching cube (255 masks), anisotropic
  spacing; checks the triangle table case by case.
- "random_3d": seeded random masks (all 17 shape features, including Compactness1/2 and
  SphericalDisproportion), among them a single voxel and a one-slice ROI.
- "squares" / "random_2d": every non-empty 2x2 square, and random single-slice masks with each
  force2Ddimension (all 10 shape2D features).
- "cases": Compactness1, Compactness2, SphericalDisproportion of brain1 ... lung2 through the
  feature extractor (defaults, label 1).

Each synthetic mask is cropped to its bounding box before it is handed to the shape class, as
PyRadiomics' extractor (`computeShape`) does, so the coordinate frame is the one the Rust code
uses. Masks are stored as their array shape [z, y, x] and a string of 0/1 in z, y, x raster
order; NaN is written as null (PyRadiomics' eigenvalues may come back complex with a zero
imaginary part, which is dropped).

Usage: python3 scripts/gen_shape_fixture.py  (needs pyradiomics-bhklab==3.1.4, numpy, SimpleITK)
"""
import json
import logging
import math
import os

import numpy as np
import SimpleITK as sitk
import radiomics
from radiomics import featureextractor, shape, shape2D

logging.getLogger('radiomics').setLevel(logging.ERROR)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = os.path.join(ROOT, 'crates/radiomics/tests/fixtures/shape_pyradiomics.json')
DATA = os.path.join(ROOT, '../shared/pyradiomics-data/images')

# PyRadiomics' cube corner numbering ([z, y, x] offsets; bit k of the cube index).
CORNERS = [(0, 0, 0), (0, 0, 1), (0, 1, 1), (0, 1, 0), (1, 0, 0), (1, 0, 1), (1, 1, 1), (1, 1, 0)]


def crop(mask):
    idx = np.argwhere(mask)
    lo, hi = idx.min(axis=0), idx.max(axis=0) + 1
    return mask[tuple(slice(a, b) for a, b in zip(lo, hi))]


def to_images(mask, spacing_zyx):
    m = sitk.GetImageFromArray(mask.astype(np.uint8))
    m.SetSpacing(tuple(float(s) for s in spacing_zyx[::-1]))
    im = sitk.GetImageFromArray(np.ones(mask.shape, dtype=np.float64))
    im.CopyInformation(m)
    return im, m


def clean(v):
    v = float(np.real(v))
    return None if math.isnan(v) else v


def shape3d(mask, spacing_zyx):
    im, m = to_images(crop(mask), spacing_zyx)
    s = shape.RadiomicsShape(im, m, label=1)
    s.enableAllFeatures()
    for name in ('Compactness1', 'Compactness2', 'SphericalDisproportion'):
        s.enableFeatureByName(name)
    return {k: clean(v) for k, v in s.execute().items()}


def shape2d(mask, spacing_zyx, dim):
    im, m = to_images(crop(mask), spacing_zyx)
    s = shape2D.RadiomicsShape2D(im, m, label=1, force2D=True, force2Ddimension=dim)
    s.enableAllFeatures()
    s.enableFeatureByName('SphericalDisproportion')
    return {k: clean(v) for k, v in s.execute().items()}


def entry(mask, spacing, features, names, **extra):
    e = {'spacing_zyx': [float(s) for s in spacing], 'shape': list(mask.shape),
         'bits': ''.join('1' if b else '0' for b in mask.ravel()),
         'values': [features[n] for n in names]}
    e.update(extra)
    return e


NAMES_3D = sorted(['Compactness1', 'Compactness2', 'Elongation', 'Flatness', 'LeastAxisLength',
                   'MajorAxisLength', 'Maximum2DDiameterColumn', 'Maximum2DDiameterRow',
                   'Maximum2DDiameterSlice', 'Maximum3DDiameter', 'MeshVolume', 'MinorAxisLength',
                   'SphericalDisproportion', 'Sphericity', 'SurfaceArea', 'SurfaceVolumeRatio',
                   'VoxelVolume'])
NAMES_CUBE = ['MeshVolume', 'SurfaceArea', 'Maximum3DDiameter', 'Maximum2DDiameterSlice',
              'Maximum2DDiameterColumn', 'Maximum2DDiameterRow']
NAMES_2D = sorted(['Elongation', 'MajorAxisLength', 'MaximumDiameter', 'MeshSurface',
                   'MinorAxisLength', 'Perimeter', 'PerimeterSurfaceRatio', 'PixelSurface',
                   'SphericalDisproportion', 'Sphericity'])


def main():
    rng = np.random.default_rng(20240917)
    out = {'pyradiomics': radiomics.__version__}

    spacing = (1.7, 0.6, 1.1)
    cubes = []
    for index in range(1, 256):
        mask = np.zeros((2, 2, 2), dtype=bool)
        for k, c in enumerate(CORNERS):
            if index & (1 << k):
                mask[c] = True
        cubes.append(entry(mask, spacing, shape3d(mask, spacing), NAMES_CUBE, index=index))
    out['cubes'] = {'names': NAMES_CUBE, 'masks': cubes}

    random_3d = []
    single = np.zeros((1, 1, 1), dtype=bool)
    single[0, 0, 0] = True
    random_3d.append(entry(single, (2.5, 0.8, 1.3), shape3d(single, (2.5, 0.8, 1.3)), NAMES_3D))
    flat = rng.random((1, 7, 9)) < 0.6
    flat[0, 3, 4] = True
    random_3d.append(entry(flat, (3.0, 0.7, 0.7), shape3d(flat, (3.0, 0.7, 0.7)), NAMES_3D))
    for shape_, density, sp in [((4, 5, 6), 0.5, (2.0, 0.9, 0.9)), ((5, 5, 5), 0.8, (1.0, 1.0, 1.0)),
                                ((3, 8, 7), 0.35, (5.0, 0.6269531, 0.6269531)),
                                ((6, 4, 5), 0.65, (0.5, 1.5, 0.75)),
                                ((7, 7, 3), 0.9, (1.25, 0.7, 2.2))]:
        mask = rng.random(shape_) < density
        mask[tuple(n // 2 for n in shape_)] = True
        random_3d.append(entry(mask, sp, shape3d(mask, sp), NAMES_3D))
    out['random_3d'] = {'names': NAMES_3D, 'masks': random_3d}

    squares = []
    sp2 = (5.0, 0.6, 1.1)
    for index in range(1, 16):
        mask = np.zeros((1, 2, 2), dtype=bool)
        for k, (y, x) in enumerate([(0, 0), (0, 1), (1, 1), (1, 0)]):
            if index & (1 << k):
                mask[0, y, x] = True
        squares.append(entry(mask, sp2, shape2d(mask, sp2, 0), NAMES_2D, index=index,
                             force2Ddimension=0))
    out['squares'] = {'names': NAMES_2D, 'masks': squares}

    random_2d = []
    for dim, shape_, sp in [(0, (1, 9, 11), (5.0, 0.7, 0.7)), (0, (1, 6, 4), (2.1, 0.664062, 0.664062)),
                            (1, (8, 1, 6), (3.0, 1.0, 0.8)), (2, (5, 7, 1), (2.5, 0.9, 1.7))]:
        mask = rng.random(shape_) < 0.6
        mask[tuple(n // 2 for n in shape_)] = True
        random_2d.append(entry(mask, sp, shape2d(mask, sp, dim), NAMES_2D, force2Ddimension=dim))
    single2 = np.ones((1, 1, 1), dtype=bool)
    random_2d.append(entry(single2, (5.0, 0.6, 1.1), shape2d(single2, (5.0, 0.6, 1.1), 0),
                           NAMES_2D, force2Ddimension=0))
    out['random_2d'] = {'names': NAMES_2D, 'masks': random_2d}

    cases = {}
    ex = featureextractor.RadiomicsFeatureExtractor()
    ex.disableAllFeatures()
    ex.enableFeaturesByName(shape=['Compactness1', 'Compactness2', 'SphericalDisproportion'])
    for case in ('brain1', 'brain2', 'breast1', 'lung1', 'lung2'):
        r = ex.execute(os.path.join(DATA, case + '_image.nrrd'), os.path.join(DATA, case + '_label.nrrd'))
        cases[case] = {k[len('original_shape_'):]: float(v) for k, v in r.items()
                       if k.startswith('original_shape_')}
    out['cases'] = cases

    with open(OUT, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    print(OUT, os.path.getsize(OUT), 'bytes')


if __name__ == '__main__':
    main()
