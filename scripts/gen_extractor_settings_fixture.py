#!/usr/bin/env python3
"""Reference values for the extraction settings that PyRadiomics' own baselines do not cover
(preCrop, removeOutliers, resegmentation modes and resegmentShape, label selection, linear and
nearest-neighbour resampling with a 0 spacing, texture settings passed through the parameter
file).

Writes crates/radiomics/tests/fixtures/extractor_settings.json: for each configuration, the
case, the parameter dict given to PyRadiomics and every `original_*` feature value.

Run from the repository root with PyRadiomics 3.1.4 (pyradiomics-bhklab==3.1.4):
    python3 scripts/gen_extractor_settings_fixture.py
"""
import json
import logging
import os
import sys

import numpy
import radiomics
import SimpleITK
from radiomics import featureextractor

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "pyradiomics-data")
OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "radiomics", "tests", "fixtures",
                   "extractor_settings.json")

ALL = {"shape": None, "firstorder": None, "glcm": None, "glrlm": None, "glszm": None, "gldm": None,
       "ngtdm": None}
TEXTURE = {"glcm": None, "glrlm": None, "glszm": None, "gldm": None, "ngtdm": None}
PROSTATE = ("phantoms/prostate_phantom_subvolume.nrrd", "phantoms/prostate_phantom_subvolume-label.nrrd")


def case(name):
    return ("images/%s_image.nrrd" % name, "images/%s_label.nrrd" % name)


CONFIGS = [
    ("precrop", case("brain2"), {"preCrop": True}, ALL),
    ("remove_outliers", case("breast1"),
     {"normalize": True, "normalizeScale": 100, "removeOutliers": 2.0, "binWidth": 5}, ALL),
    ("resegment_absolute", case("breast1"), {"resegmentRange": [110, 150]}, ALL),
    ("resegment_shape", case("breast1"),
     {"resegmentRange": [110, 150], "resegmentMode": "absolute", "resegmentShape": True},
     {"shape": None, "firstorder": None}),
    ("resegment_relative", case("lung1"), {"resegmentRange": [0.2], "resegmentMode": "relative"},
     {"shape": None, "firstorder": None, "glszm": None}),
    ("label_7", PROSTATE, {"label": 7}, ALL),
    ("label_8_bin_count", PROSTATE, {"label": 8, "binCount": 16, "voxelArrayShift": 100}, ALL),
    ("linear_in_plane", case("breast1"),
     {"interpolator": "sitkLinear", "resampledPixelSpacing": [1.0, 1.0, 0]}, ALL),
    ("nearest_precrop_ignored", case("brain2"),
     {"interpolator": "sitkNearestNeighbor", "resampledPixelSpacing": [1.5, 1.5, 3.0], "preCrop": True,
      "padDistance": 2}, ALL),
    ("texture_settings", case("breast1"),
     {"distances": [1, 2], "symmetricalGLCM": False, "weightingNorm": "euclidean", "gldm_a": 1,
      "force2D": True, "force2Ddimension": 1, "geometryTolerance": 1e-4},
     TEXTURE),
]


def main():
    logging.getLogger("radiomics").setLevel(logging.ERROR)
    out = {
        "_source": "PyRadiomics %s, numpy %s, SimpleITK %s; scripts/gen_extractor_settings_fixture.py"
                   % (radiomics.__version__, numpy.__version__, SimpleITK.Version_VersionString()),
        "configs": [],
    }
    for name, (image, mask), setting, classes in CONFIGS:
        extractor = featureextractor.RadiomicsFeatureExtractor(
            {"setting": setting, "featureClass": classes, "imageType": {"Original": {}}})
        result = extractor.execute(os.path.join(DATA, image), os.path.join(DATA, mask))
        features = {k: float(v) for k, v in result.items() if k.startswith("original_")}
        out["configs"].append({"name": name, "image": image, "mask": mask, "setting": setting,
                               "featureClass": classes, "features": features})
        print(name, len(features), file=sys.stderr)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=0, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
