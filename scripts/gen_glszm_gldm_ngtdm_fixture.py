#!/usr/bin/env python3
"""Writes crates/radiomics/tests/fixtures/glszm_gldm_ngtdm_pyradiomics.json: PyRadiomics 3.1.4
GLSZM, GLDM and NGTDM matrices and feature values on small seeded synthetic ROIs under settings
the shared baselines do not cover: distances [1, 2] and [2], gldm_a 1 and 2, force2D along each
axis, single-slice and thin boxes, sparse ROIs with isolated voxels (NGTDM's no-neighbour case)
and many grey levels.

The feature classes get the whole array (no cropping): that array is the texture box the Rust
side builds from `levels` (bin index inside the ROI, 0 outside, C order z, y, x). The images
hold grey levels 1..L directly and level 1 is always in the ROI, so binWidth 1 leaves them
unchanged (checked below).

Usage: python3 scripts/gen_glszm_gldm_ngtdm_fixture.py  (needs pyradiomics-bhklab==3.1.4,
numpy, SimpleITK)
"""
import json
import logging
import os

import numpy as np
import SimpleITK as sitk
import radiomics
from radiomics import gldm, glszm, ngtdm

logging.getLogger('radiomics').setLevel(logging.ERROR)

# (name, shape z,y,x, number of grey levels, ROI fill fraction, settings)
CASES = [
    ('default3d', (5, 6, 7), 4, 0.8, {}),
    ('sparse3d', (5, 6, 7), 3, 0.3, {}),
    ('distances12', (5, 6, 7), 4, 0.8, {'distances': [1, 2]}),
    ('distance2', (6, 6, 6), 4, 0.7, {'distances': [2]}),
    ('alpha1', (5, 6, 7), 6, 0.8, {'gldm_a': 1}),
    ('alpha2_distances12', (4, 6, 6), 8, 0.8, {'gldm_a': 2, 'distances': [1, 2]}),
    ('force2d_z', (4, 6, 7), 3, 0.8, {'force2D': True, 'force2Ddimension': 0}),
    ('force2d_y', (4, 6, 7), 3, 0.8, {'force2D': True, 'force2Ddimension': 1}),
    ('force2d_x', (4, 6, 7), 3, 0.8, {'force2D': True, 'force2Ddimension': 2}),
    ('single_slice', (1, 7, 8), 3, 0.7, {}),
    ('thin_y_distances12', (4, 2, 9), 3, 0.8, {'distances': [1, 2]}),
    ('many_levels', (4, 5, 6), 40, 0.9, {}),
    ('flat', (3, 4, 5), 1, 0.8, {}),
]


def num(v):
    # Floats are written as strings (Python repr, shortest round-trip form): serde_json's
    # default number parser is only "best effort" and can be 1 ulp off, which would spoil the
    # exact matrix comparison. The Rust test parses them with `str::parse::<f64>`, which is exact.
    return repr(float(v))


def matrix_list(a):
    return [[num(v) for v in row] for row in a]


def run_case(seed, name, shape, n_levels, fill, settings):
    rng = np.random.default_rng(seed)
    levels = rng.integers(1, n_levels + 1, size=shape)
    mask = rng.random(shape) < fill
    first = tuple(s // 2 for s in shape)
    mask[first] = True
    levels[first] = 1
    if name.startswith('sparse'):
        # An isolated corner voxel: no neighbour in the ROI (NGTDM counts it with s = 0).
        mask[0:2, 0:2, 0:2] = False
        mask[0, 0, 0] = True
    levels = np.where(mask, levels, 0).astype(np.int32)

    image = sitk.GetImageFromArray(levels.astype(np.float64))
    label = sitk.GetImageFromArray(mask.astype(np.uint8))
    kwargs = dict(binWidth=1, **settings)
    out = {
        'name': name,
        'shape': list(shape),
        'levels': [int(v) for v in levels.ravel()],
        'settings': {
            'distances': settings.get('distances', [1]),
            'gldm_a': settings.get('gldm_a', 0),
            'force2Ddimension': settings.get('force2Ddimension') if settings.get('force2D') else None,
        },
    }
    for family, cls, attr in (('glszm', glszm.RadiomicsGLSZM, 'P_glszm'),
                              ('gldm', gldm.RadiomicsGLDM, 'P_gldm'),
                              ('ngtdm', ngtdm.RadiomicsNGTDM, 'P_ngtdm')):
        c = cls(image, label, **kwargs)
        binned = np.where(mask, c.imageArray, 0)
        assert (binned == levels).all(), (name, 'binWidth 1 changed the grey levels')
        c.enableAllFeatures()
        values = c.execute()
        out[family] = {
            'matrix': matrix_list(getattr(c, attr)[0]),
            'features': {k: num(v) for k, v in values.items()},
        }
        if family == 'glszm':
            out[family]['zone_sizes'] = [num(v) for v in c.coefficients['jvector']]
        if family == 'gldm':
            out[family]['dependence_sizes'] = [num(v) for v in c.coefficients['jvector']]
    return out


def main():
    assert radiomics.__version__.lstrip('v').startswith('3.1'), radiomics.__version__
    cases = [run_case(1000 + k, *case) for k, case in enumerate(CASES)]
    doc = {
        'generator': 'scripts/gen_glszm_gldm_ngtdm_fixture.py',
        'pyradiomics': radiomics.__version__,
        'numpy': np.__version__,
        'cases': cases,
    }
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, '..', 'crates', 'radiomics', 'tests', 'fixtures', 'glszm_gldm_ngtdm_pyradiomics.json')
    with open(path, 'w') as f:
        json.dump(doc, f, separators=(',', ':'))
        f.write('\n')
    print(path, os.path.getsize(path), 'bytes')


if __name__ == '__main__':
    main()
