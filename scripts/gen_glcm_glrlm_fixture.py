#!/usr/bin/env python3
"""Writes crates/radiomics/tests/fixtures/glcm_glrlm_pyradiomics.json: PyRadiomics 3.1.4 GLCM and
GLRLM feature values on three small seeded synthetic ROIs under settings the shared baselines do
not cover (distances, asymmetric GLCM, distance weighting norms, force2D along each axis).

The images hold grey levels 1..8 directly (some absent) and level 1 is always in the ROI, so
binWidth 1 leaves them unchanged (checked below). The feature classes get the whole array (no
cropping), which is the texture box the Rust side builds from `levels`/`mask`.

Usage: python3 scripts/gen_glcm_glrlm_fixture.py
(needs pyradiomics-bhklab==3.1.4, numpy, SimpleITK)
"""
import json
import logging
import os

import numpy as np
import SimpleITK as sitk
import radiomics
from radiomics import glcm, glrlm

logging.getLogger('radiomics').setLevel(logging.ERROR)


def make_cases():
    rng = np.random.default_rng(20240601)
    cases = []
    # 1. Random 3D ROI with levels 1..8, 2 and 6 never used.
    levels = rng.choice([1, 3, 4, 5, 7, 8], size=(5, 6, 7), p=[.3, .2, .15, .15, .1, .1])
    mask = rng.random((5, 6, 7)) < 0.65
    mask[2, 3, 3] = True
    levels[2, 3, 3] = 1
    cases.append(('random3d', levels, mask, (2.0, 0.7, 0.9)))
    # 2. A single-slice ROI inside a 3-slice box: out-of-plane run directions are emptied.
    levels = rng.choice([1, 2, 4], size=(3, 6, 6))
    mask = np.zeros((3, 6, 6), bool)
    mask[1, 1:5, 1:6] = rng.random((4, 5)) < 0.8
    mask[1, 2, 2] = True
    levels[1, 2, 2] = 1
    cases.append(('single_slice', levels, mask, (3.0, 1.0, 1.0)))
    # 3. A 3D checkerboard ROI: no axis-aligned neighbours, runs of one voxel with gaps.
    z, y, x = np.indices((4, 5, 5))
    mask = (z + y + x) % 2 == 0
    levels = rng.choice([1, 2, 3], size=(4, 5, 5))
    levels[0, 0, 0] = 1
    cases.append(('checkerboard', levels, mask, (1.0, 1.0, 1.0)))
    return cases


VARIANTS = [
    ('default', {}),
    ('distances_1_2', {'distances': [1, 2]}),
    ('distances_2', {'distances': [2]}),
    ('asymmetric', {'symmetricalGLCM': False}),
    ('manhattan', {'weightingNorm': 'manhattan'}),
    ('euclidean', {'weightingNorm': 'euclidean'}),
    ('infinity', {'weightingNorm': 'infinity'}),
    ('no_weighting', {'weightingNorm': 'no_weighting'}),
    ('force2d_0', {'force2D': True, 'force2Ddimension': 0}),
    ('force2d_1', {'force2D': True, 'force2Ddimension': 1}),
    ('force2d_2', {'force2D': True, 'force2Ddimension': 2}),
    ('force2d_0_no_weighting',
     {'force2D': True, 'force2Ddimension': 0, 'weightingNorm': 'no_weighting'}),
]


def main():
    out = {'generator': 'scripts/gen_glcm_glrlm_fixture.py', 'pyradiomics': radiomics.__version__,
           'numpy': np.__version__, 'cases': []}
    for name, levels, mask, spacing_zyx in make_cases():
        image = sitk.GetImageFromArray(levels.astype(np.int16))
        image.SetSpacing(tuple(float(s) for s in spacing_zyx[::-1]))
        label = sitk.GetImageFromArray(mask.astype(np.uint8))
        label.CopyInformation(image)
        case = {'name': name, 'shape_zyx': list(levels.shape), 'spacing_zyx': list(spacing_zyx),
                'levels': [int(v) if m else 0 for v, m in zip(levels.ravel(), mask.ravel())],
                'mask': [int(m) for m in mask.ravel()], 'variants': []}
        for vname, settings in VARIANTS:
            variant = {'name': vname, 'settings': settings}
            for cls, prefix in ((glcm.RadiomicsGLCM, 'glcm'), (glrlm.RadiomicsGLRLM, 'glrlm')):
                fc = cls(image, label, binWidth=1, **settings)
                same = np.array_equal(fc.imageArray[mask], levels[mask])
                assert same, 'binning changed the levels'
                fc.execute()
                names = sorted(fc.featureValues)
                assert out.setdefault(prefix + '_features', names) == names
                variant[prefix] = [float(fc.featureValues[k]) for k in names]
            case['variants'].append(variant)
        out['cases'].append(case)
    path = os.path.join(os.path.dirname(__file__), '..', 'crates', 'radiomics', 'tests', 'fixtures',
                        'glcm_glrlm_pyradiomics.json')
    # One case field / variant per line keeps the file small and diffable.
    with open(path, 'w') as f:
        f.write('{\n')
        for key in ('generator', 'pyradiomics', 'numpy', 'glcm_features', 'glrlm_features'):
            f.write(' %s: %s,\n' % (json.dumps(key), json.dumps(out[key])))
        f.write(' "cases": [\n')
        for c_idx, case in enumerate(out['cases']):
            f.write('  {\n')
            for key in ('name', 'shape_zyx', 'spacing_zyx', 'levels', 'mask'):
                f.write('   %s: %s,\n' % (json.dumps(key), json.dumps(case[key])))
            f.write('   "variants": [\n')
            rows = [json.dumps(v) for v in case['variants']]
            f.write(',\n'.join('    ' + r for r in rows) + '\n   ]\n')
            f.write('  }' + (',' if c_idx + 1 < len(out['cases']) else '') + '\n')
        f.write(' ]\n}\n')
    print('wrote', os.path.normpath(path))


if __name__ == '__main__':
    main()
