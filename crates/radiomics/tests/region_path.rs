//! The extractor's fast path (mask decoded to booleans, only the ROI's padded box of the image
//! read) must give exactly the features of the whole-image path, which runs on volumes read
//! whole. Reference: the whole-image path itself, itself checked against PyRadiomics.

use radlsig_radiomics::extractor::Extractor;
use radlsig_radiomics::settings::ExtractionSettings;
use radlsig_volume::read_volume;

fn compare(settings: &str) {
    let Some(dir) = radlsig_testdata::require("pyradiomics-data/images") else { return };
    let settings = ExtractionSettings::from_yaml_str(settings, "test settings").unwrap();
    let extractor = Extractor::new(settings).unwrap();
    for case in ["brain1", "breast1", "lung1"] {
        let image = dir.join(format!("{case}_image.nrrd"));
        let mask = dir.join(format!("{case}_label.nrrd"));
        let fast = extractor.extract(&image, &mask).unwrap();
        let whole = extractor
            .extract_volumes(&read_volume(&image).unwrap(), &read_volume(&mask).unwrap())
            .unwrap();
        assert_eq!(fast.features, whole.features, "{case}");
        assert_eq!(fast.diagnostics.image_geometry, whole.diagnostics.image_geometry, "{case}");
        assert_eq!(fast.diagnostics.mask_voxels, whole.diagnostics.mask_voxels, "{case}");
    }
}

#[test]
fn region_path_equals_whole_image_path_with_defaults() {
    compare("setting:\n  binWidth: 25\n");
}

#[test]
fn region_path_equals_whole_image_path_with_precrop_resegmentation_and_2d() {
    compare(
        "setting:\n  binWidth: 10\n  preCrop: true\n  resegmentRange: [-2, 2]\n  resegmentMode: sigma\n  force2D: true\n  padDistance: 2\n\
         featureClass:\n  shape:\n  firstorder:\n  glcm:\n  glrlm:\n  glszm:\n  gldm:\n  ngtdm:\n",
    );
}
