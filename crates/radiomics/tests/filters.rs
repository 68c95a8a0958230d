//! PyRadiomics image types (`radlsig_radiomics::filters`) against PyRadiomics 3.1.4,
//! SimpleITK and PyWavelets:
//!
//! - filter outputs voxel by voxel on small arrays (`fixtures/filters_small.json`);
//! - sampled LoG and wavelet voxels of real cases (`fixtures/filters_voxels.json`);
//! - all 1130 features of `pyradiomics-data/generated/pyrad314_default_log123_wavelet.csv`
//!   (Original, LoG σ = 1, 2, 3 mm, 8 wavelet sub-bands) on every case;
//! - Square, SquareRoot, Logarithm, Exponential and Gradient features on breast1 and lung1
//!   (`fixtures/filters_features.json`).
//!
//! Fixtures come from `scripts/make-filter-fixtures.py`. Features of a filtered image are
//! assembled here as PyRadiomics' `computeFeatures` does (firstorder on the ROI values, texture
//! classes on the discretised ROI, both on the image cropped to the ROI's bounding box).

mod common;

/// Everything in a module so that `cargo test -p radlsig-radiomics filters` selects it.
mod filters {
    use super::common;
    use std::path::Path;

    use ndarray::Array3;
    use radlsig_radiomics::filters::{
        self, GradientSettings, ImageFilter, LogSettings, WaveletSettings, filtered_images,
    };
    use radlsig_radiomics::firstorder::{self, Intensities};
    use radlsig_radiomics::{DiscretisedImage, TextureSettings};
    use radlsig_volume::{Binning, BoundingBox, Geometry, Mask, PixelType, Volume, read_volume};
    use serde_json::Value;

    fn fixture(name: &str) -> Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap()
    }

    fn f64s(v: &Value) -> Vec<f64> {
        v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
    }

    /// float32 values stored as shortest decimal strings.
    fn f32s(v: &Value) -> Vec<f32> {
        v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().parse::<f32>().unwrap()).collect()
    }

    fn usizes(v: &Value) -> Vec<usize> {
        v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()
    }

    /// A volume from a `[z, y, x]` shape, values in C order and (x, y, z) spacing.
    fn volume(shape: &[usize], values: Vec<f64>, spacing: [f64; 3], pixel: PixelType) -> Volume {
        let data = Array3::from_shape_vec((shape[0], shape[1], shape[2]), values).unwrap();
        Volume::new(data, Geometry::new([shape[2], shape[1], shape[0]], spacing), pixel).unwrap()
    }

    fn full_mask(v: &Volume) -> Mask {
        Mask::new(Array3::from_elem(v.data().raw_dim(), true), *v.geometry()).unwrap()
    }

    /// Counts values that differ from the f32 reference by more than `ulps` units in the last place
    /// (relative to the reference's magnitude, absolute below `floor`); returns (count, worst).
    fn f32_mismatches(ours: &[f64], reference: &[f32], ulps: f64, floor: f64) -> (usize, f64) {
        assert_eq!(ours.len(), reference.len());
        let mut bad = 0;
        let mut worst = 0.0f64;
        for (&a, &b) in ours.iter().zip(reference) {
            let b = b as f64;
            let tol = (b.abs() * f32::EPSILON as f64 * ulps).max(floor);
            let d = (a - b).abs();
            worst = worst.max(d / b.abs().max(floor));
            if d > tol {
                bad += 1;
            }
        }
        (bad, worst)
    }

    #[test]
    fn log_matches_simpleitk_voxel_by_voxel() {
        let f = fixture("filters_small.json");
        let im = &f["int_image"];
        let shape = usizes(&im["shape_zyx"]);
        let sp = f64s(&im["spacing_xyz"]);
        let v = volume(&shape, f64s(&im["values"]), [sp[0], sp[1], sp[2]], PixelType::Int16);
        for (sigma, reference) in f["log"].as_object().unwrap() {
            let sigma: f64 = sigma.parse().unwrap();
            let ours = filters::log::laplacian_of_gaussian(&v, sigma).unwrap();
            assert_eq!(ours.pixel_type(), PixelType::Float32);
            let ours: Vec<f64> = ours.data().iter().copied().collect();
            let reference = f32s(reference);
            // Same operations in the same order: identical f32 values up to the odd last bit.
            let (bad, worst) = f32_mismatches(&ours, &reference, 1.0, 1e-6);
            let exact = ours.iter().zip(&reference).filter(|(a, b)| **a == **b as f64).count();
            eprintln!(
                "LoG sigma {sigma}: {exact}/{} bit-identical, worst rel {worst:.1e}",
                ours.len()
            );
            assert_eq!(bad, 0, "sigma {sigma}: {bad} voxels differ by more than 1 ulp");
            assert!(exact * 10 >= ours.len() * 9, "sigma {sigma}: only {exact} bit-identical");
        }
        // A float64 image (non-integer values).
        let values: Vec<f64> = f64s(&im["values"]).iter().map(|x| x / 7.0).collect();
        let v = volume(&shape, values, [sp[0], sp[1], sp[2]], PixelType::Float64);
        let ours = filters::log::laplacian_of_gaussian(&v, 1.0).unwrap();
        let ours: Vec<f64> = ours.data().iter().copied().collect();
        let (bad, _) = f32_mismatches(&ours, &f32s(&f["log_float64_sigma_1"]), 1.0, 1e-6);
        assert_eq!(bad, 0);
    }

    #[test]
    fn gradient_matches_simpleitk_voxel_by_voxel() {
        let f = fixture("filters_small.json");
        let im = &f["int_image"];
        let shape = usizes(&im["shape_zyx"]);
        let sp = f64s(&im["spacing_xyz"]);
        let v = volume(&shape, f64s(&im["values"]), [sp[0], sp[1], sp[2]], PixelType::Int16);
        let mask = full_mask(&v);
        for (use_spacing, key) in [(true, "true"), (false, "false")] {
            let filter = ImageFilter::Gradient(GradientSettings { use_spacing });
            let out = filtered_images(&v, &mask, &filter).unwrap();
            assert_eq!(out.len(), 1);
            assert_eq!(out[0].0, "gradient");
            let ours: Vec<f64> = out[0].1.data().iter().copied().collect();
            let reference = f32s(&f["gradient"][key]);
            let (bad, worst) = f32_mismatches(&ours, &reference, 0.0, 0.0);
            assert_eq!(bad, 0, "gradientUseSpacing {use_spacing}: {bad} differ (worst {worst:e})");
        }
    }

    #[test]
    fn wavelets_match_pyradiomics_voxel_by_voxel() {
        let f = fixture("filters_small.json");
        for case in f["wavelet"].as_array().unwrap() {
            let shape = usizes(&case["shape_zyx"]);
            let v = volume(&shape, f64s(&case["values"]), [1.0; 3], PixelType::Int16);
            let s = &case["settings"];
            let settings = WaveletSettings {
                wavelet: s["wavelet"].as_str().unwrap_or("coif1").to_string(),
                start_level: s["start_level"].as_u64().unwrap_or(0) as usize,
                level: s["level"].as_u64().unwrap_or(1) as usize,
                force_2d_dimension: s["force2D"]
                    .as_bool()
                    .unwrap_or(false)
                    .then(|| s["force2Ddimension"].as_u64().unwrap_or(0) as usize),
            };
            let out = filtered_images(&v, &full_mask(&v), &ImageFilter::Wavelet(settings.clone()))
                .unwrap();
            let bands = case["bands"].as_array().unwrap();
            let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
            let want: Vec<&str> = bands.iter().map(|b| b["name"].as_str().unwrap()).collect();
            assert_eq!(names, want, "{settings:?}");
            for ((name, img), band) in out.iter().zip(bands) {
                let reference = f64s(&band["values"]);
                let ours: Vec<f64> = img.data().iter().copied().collect();
                let worst = ours
                    .iter()
                    .zip(&reference)
                    .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
                    .fold(0.0, f64::max);
                // pywt's sums in pywt's order: equal to the last bit (allow 1e-15 for safety).
                assert!(worst <= 1e-15, "{settings:?} {name}: worst relative difference {worst:e}");
                assert_eq!(img.pixel_type(), PixelType::Float64);
            }
        }
    }

    #[test]
    fn voxelwise_filters_match_pyradiomics() {
        let f = fixture("filters_small.json");
        let s = &f["simple"];
        let v = volume(&[1, 3, 4], f64s(&s["values"]), [1.0; 3], PixelType::Int16);
        let mask = full_mask(&v);
        for (filter, key) in [
            (ImageFilter::Square, "square"),
            (ImageFilter::SquareRoot, "squareroot"),
            (ImageFilter::Logarithm, "logarithm"),
            (ImageFilter::Exponential, "exponential"),
        ] {
            let out = filtered_images(&v, &mask, &filter).unwrap();
            assert_eq!(out[0].0, key);
            for (a, b) in out[0].1.data().iter().zip(f64s(&s[key])) {
                // numpy's log/exp may differ from the platform's by an ulp.
                assert!((a - b).abs() <= 4.0 * f64::EPSILON * b.abs(), "{key}: {a} vs {b}");
            }
        }
    }

    /// Relative tolerance of feature values against PyRadiomics (absolute 1e-9 near 0).
    const FEATURE_REL: f64 = 1e-5;

    /// Every feature (all non-shape classes) of each derived image of `filter`, named
    /// `<image type>_<class>_<Feature>`, with PyRadiomics' default feature settings (binWidth 25,
    /// voxelArrayShift 0), as `computeFeatures` computes them on the image cropped to the ROI box.
    /// Deprecated features are included (the caller looks names up).
    fn filter_features(image: &Volume, mask: &Mask, filter: &ImageFilter) -> Vec<(String, f64)> {
        let bbox = mask.bounding_box().unwrap();
        let cropped_mask = mask.crop(&bbox).unwrap();
        let binning = Binning::Width(25.0);
        let t = TextureSettings::default();
        let mut out = Vec::new();
        for (name, img) in filtered_images(image, mask, filter).unwrap() {
            let roi = Intensities::from_roi(&img, &cropped_mask, binning, 0.0).unwrap();
            let d = DiscretisedImage::new(&img, &cropped_mask, binning, 0).unwrap();
            let classes = [
                ("firstorder", firstorder::features(&roi).unwrap()),
                ("glcm", radlsig_radiomics::glcm::features(&d, &t).unwrap()),
                ("gldm", radlsig_radiomics::gldm::features(&d, &t).unwrap()),
                ("glrlm", radlsig_radiomics::glrlm::features(&d, &t).unwrap()),
                ("glszm", radlsig_radiomics::glszm::features(&d, &t).unwrap()),
                ("ngtdm", radlsig_radiomics::ngtdm::features(&d, &t).unwrap()),
            ];
            for (class, values) in classes {
                for (feature, v) in values {
                    out.push((format!("{name}_{class}_{feature}"), v));
                }
            }
        }
        out
    }

    fn read_case(dir: &Path, case: &str) -> (Volume, Mask) {
        let image = read_volume(dir.join(format!("images/{case}_image.nrrd"))).unwrap();
        let labels = read_volume(dir.join(format!("images/{case}_label.nrrd"))).unwrap();
        let mask = Mask::from_labels(&labels, 1, case).unwrap();
        (image, mask)
    }

    /// Compares `ours` with PyRadiomics' `(column, value)` pairs; returns the failures and records
    /// the worst relative difference per image type in `worst`.
    fn compare_features(
        case: &str,
        ours: &[(String, f64)],
        reference: &[(String, f64)],
        worst: &mut Vec<(String, f64)>,
    ) -> Vec<String> {
        let mut failures = Vec::new();
        for (column, expected) in reference {
            let Some((_, value)) = ours.iter().find(|(n, _)| n == column) else {
                failures.push(format!("{case} {column}: not produced"));
                continue;
            };
            // Relative difference (absolute for references within 1e-9 of 0).
            let diff = (value - expected).abs();
            let rel = if value == expected { 0.0 } else { diff / expected.abs().max(1e-9) };
            let image_type = column.split('_').next().unwrap_or("").to_string();
            match worst.iter_mut().find(|(t, _)| *t == image_type) {
                Some((_, w)) => *w = w.max(rel),
                None => worst.push((image_type, rel)),
            }
            if !common::close(*value, *expected, FEATURE_REL) {
                failures.push(format!(
                    "{case} {column}: ours {value:e}, PyRadiomics {expected:e} (rel {rel:.1e})"
                ));
            }
        }
        failures
    }

    #[test]
    fn log_and_wavelet_features_match_pyradiomics_on_every_case() {
        let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
        let rows = common::read_csv(&dir.join("generated/pyrad314_default_log123_wavelet.csv"));
        let columns = &rows[0][1..];
        assert_eq!(columns.len(), 1130);
        let filters = [
            ImageFilter::Original,
            ImageFilter::LoG(LogSettings { sigma: vec![1.0, 2.0, 3.0] }),
            ImageFilter::Wavelet(WaveletSettings::default()),
        ];
        let mut failures = Vec::new();
        let mut worst = Vec::new();
        let mut compared = 0;
        for row in &rows[1..] {
            let case = row[0].as_str();
            let (image, mask) = read_case(&dir, case);
            let ours: Vec<(String, f64)> =
                filters.iter().flat_map(|f| filter_features(&image, &mask, f)).collect();
            // Shape features are computed on the mask alone, not per image type.
            let reference: Vec<(String, f64)> = columns
                .iter()
                .zip(&row[1..])
                .filter(|(c, _)| !c.starts_with("original_shape_"))
                .map(|(c, v)| (c.clone(), v.parse().unwrap()))
                .collect();
            compared += reference.len();
            failures.extend(compare_features(case, &ours, &reference, &mut worst));
        }
        eprintln!("largest relative difference per image type: {worst:?}");
        assert_eq!(compared, 5 * (1130 - 14));
        assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
    }

    #[test]
    fn filtered_image_names_and_order_match_pyradiomics() {
        let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
        let rows = common::read_csv(&dir.join("generated/pyrad314_default_log123_wavelet.csv"));
        let mut types: Vec<&str> = Vec::new();
        for c in &rows[0][1..] {
            let t = c.split('_').next().unwrap();
            if types.last() != Some(&t) {
                types.push(t);
            }
        }
        let (image, mask) = read_case(&dir, "breast1");
        let mut ours = Vec::new();
        for f in [
            ImageFilter::Original,
            ImageFilter::LoG(LogSettings { sigma: vec![1.0, 2.0, 3.0] }),
            ImageFilter::Wavelet(WaveletSettings::default()),
        ] {
            ours.extend(filtered_images(&image, &mask, &f).unwrap().into_iter().map(|(n, _)| n));
        }
        assert_eq!(ours, types);
    }

    #[test]
    fn log_and_wavelet_voxels_of_real_cases_match_pyradiomics() {
        let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
        let f = fixture("filters_voxels.json");
        for (case, entry) in f["cases"].as_object().unwrap() {
            let (image, mask) = read_case(&dir, case);
            let lower = usizes(&entry["box_lower_zyx"]);
            let upper = usizes(&entry["box_upper_zyx"]);
            let bbox = mask.bounding_box().unwrap();
            assert_eq!(
                bbox,
                BoundingBox {
                    lower: [lower[0], lower[1], lower[2]],
                    upper: [upper[0], upper[1], upper[2]]
                }
            );
            let points: Vec<Vec<usize>> =
                entry["points_zyx"].as_array().unwrap().iter().map(usizes).collect();
            let mut images = Vec::new();
            for filter in [
                ImageFilter::LoG(LogSettings { sigma: vec![1.0, 2.0, 3.0] }),
                ImageFilter::Wavelet(WaveletSettings::default()),
            ] {
                images.extend(filtered_images(&image, &mask, &filter).unwrap());
            }
            let reference = entry["images"].as_object().unwrap();
            assert_eq!(images.len(), reference.len());
            for (name, img) in &images {
                let r = &reference[name.as_str()];
                let ours: Vec<f64> = points
                    .iter()
                    .map(|p| img.data()[[p[0] - lower[0], p[1] - lower[1], p[2] - lower[2]]])
                    .collect();
                if r["float32"].as_bool().unwrap() {
                    // LoG: computed on a window around the box instead of the whole image; equal
                    // to SimpleITK's f32 values up to one unit in the last place.
                    let (bad, worst) = f32_mismatches(&ours, &f32s(&r["values"]), 1.0, 1e-4);
                    assert_eq!(
                        bad, 0,
                        "{case} {name}: {bad} voxels off by > 1 ulp (worst {worst:e})"
                    );
                } else {
                    for (a, b) in ours.iter().zip(f64s(&r["values"])) {
                        assert!(
                            (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                            "{case} {name}: {a} vs {b}"
                        );
                    }
                }
                let box_sum: f64 = img.data().sum();
                let want = r["box_sum"].as_f64().unwrap();
                let scale =
                    img.data().iter().fold(0.0f64, |m, v| m.max(v.abs())) * img.data().len() as f64;
                assert!(
                    (box_sum - want).abs() <= 1e-7 * scale,
                    "{case} {name}: box sum {box_sum} vs {want}"
                );
                let max = img.data().iter().copied().fold(f64::MIN, f64::max);
                let min = img.data().iter().copied().fold(f64::MAX, f64::min);
                assert!(
                    common::close(max, r["box_max"].as_f64().unwrap(), 1e-6),
                    "{case} {name} max"
                );
                assert!(
                    common::close(min, r["box_min"].as_f64().unwrap(), 1e-6),
                    "{case} {name} min"
                );
            }
        }
    }

    #[test]
    fn intensity_and_gradient_features_match_pyradiomics() {
        let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
        let f = fixture("filters_features.json");
        let names: Vec<&str> =
            f["features"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(names.len(), 93);
        let mut failures = Vec::new();
        let mut worst = Vec::new();
        for (case, values) in f["cases"].as_object().unwrap() {
            let (image, mask) = read_case(&dir, case);
            let mut ours = Vec::new();
            for filter in [
                ImageFilter::Square,
                ImageFilter::SquareRoot,
                ImageFilter::Logarithm,
                ImageFilter::Exponential,
                ImageFilter::Gradient(GradientSettings::default()),
            ] {
                ours.extend(filter_features(&image, &mask, &filter));
            }
            let no_spacing = ImageFilter::Gradient(GradientSettings { use_spacing: false });
            ours.extend(
                filter_features(&image, &mask, &no_spacing)
                    .into_iter()
                    .map(|(n, v)| (format!("{n}@gradientUseSpacing=false"), v)),
            );
            // `<image type>`: values in the order of `features` (`<class>_<Feature>`).
            let mut reference: Vec<(String, f64)> = Vec::new();
            for (image_type, column) in values.as_object().unwrap() {
                let (image_type, suffix) =
                    image_type.split_at(image_type.find('@').unwrap_or(image_type.len()));
                for (feature, v) in names.iter().zip(column.as_array().unwrap()) {
                    reference.push((
                        format!("{image_type}_{feature}{suffix}"),
                        v.as_f64().unwrap_or(f64::NAN),
                    ));
                }
            }
            assert!(reference.len() >= 5 * 93, "{case}: {} reference values", reference.len());
            failures.extend(compare_features(case, &ours, &reference, &mut worst));
        }
        eprintln!("largest relative difference per image type: {worst:?}");
        assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
    }

    #[test]
    fn log_window_agrees_with_the_whole_image_filter() {
        // `filtered_images` filters a window of 18·σ around the ROI box; the whole-image filter is
        // SimpleITK's computation (bit-identical on the small fixture). Inside the box they agree
        // to within one f32 unit in the last place.
        let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
        for (case, sigmas) in [("brain1", &[1.0, 3.0][..]), ("lung2", &[3.0][..])] {
            let (image, mask) = read_case(&dir, case);
            let bbox = mask.bounding_box().unwrap();
            for &sigma in sigmas {
                let full = filters::log::laplacian_of_gaussian(&image, sigma)
                    .unwrap()
                    .crop(&bbox)
                    .unwrap();
                let part = filters::log::log_region(&image, sigma, &bbox).unwrap();
                let reference: Vec<f32> = full.data().iter().map(|&v| v as f32).collect();
                let ours: Vec<f64> = part.iter().copied().collect();
                let (bad, worst) = f32_mismatches(&ours, &reference, 1.0, 1e-4);
                let exact = ours.iter().zip(&reference).filter(|(a, b)| **a == **b as f64).count();
                eprintln!(
                    "{case} sigma {sigma}: {exact}/{} identical, worst {worst:.1e}",
                    ours.len()
                );
                assert_eq!(bad, 0, "{case} sigma {sigma}: {bad} voxels differ by more than 1 ulp");
            }
        }
    }

    /// Timing for `scripts/bench-filters.sh` (not a test: `--ignored`): per case in `BENCH_CASES`
    /// (default brain1 and lung2), the whole `Extractor` on volumes already read, with
    /// `imageType: {Original, LoG: {sigma: [1, 2, 3]}, Wavelet}` and every class (shape included),
    /// best of `REPEAT` runs; and the filters alone. Prints
    /// `radlsig-filters <case> <extract s> filters <s> features <count>`.
    #[test]
    #[ignore]
    fn bench_filters() {
        use std::time::Instant;
        let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
        let cases = std::env::var("BENCH_CASES").unwrap_or_else(|_| "brain1 lung2".into());
        let repeat: usize = std::env::var("REPEAT").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
        let yaml =
            "imageType:\n  Original: {}\n  LoG:\n    sigma: [1.0, 2.0, 3.0]\n  Wavelet: {}\n";
        let settings = radlsig_radiomics::ExtractionSettings::from_yaml_str(yaml, "bench").unwrap();
        let extractor = radlsig_radiomics::Extractor::new(settings).unwrap();
        let filters = [
            ImageFilter::LoG(LogSettings { sigma: vec![1.0, 2.0, 3.0] }),
            ImageFilter::Wavelet(WaveletSettings::default()),
        ];
        for case in cases.split_whitespace() {
            let image = read_volume(dir.join(format!("images/{case}_image.nrrd"))).unwrap();
            let labels = read_volume(dir.join(format!("images/{case}_label.nrrd"))).unwrap();
            let mask = Mask::from_labels(&labels, 1, case).unwrap();
            let (mut best, mut best_filters, mut count) = (f64::MAX, f64::MAX, 0);
            for _ in 0..repeat {
                let t = Instant::now();
                let fv = extractor.extract_volumes(&image, &labels).unwrap();
                best = best.min(t.elapsed().as_secs_f64());
                count = fv.features.len();
                let t = Instant::now();
                for f in &filters {
                    assert!(!filtered_images(&image, &mask, f).unwrap().is_empty());
                }
                best_filters = best_filters.min(t.elapsed().as_secs_f64());
            }
            println!("radlsig-filters {case} {best:.4} filters {best_filters:.4} features {count}");
        }
    }

    #[test]
    fn extractor_reproduces_the_log_and_wavelet_reference() {
        // The same 1130 columns through the real pipeline (`Extractor` with an `imageType` block),
        // names and order included.
        let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
        let rows = common::read_csv(&dir.join("generated/pyrad314_default_log123_wavelet.csv"));
        let columns = &rows[0][1..];
        let yaml =
            "imageType:\n  Original: {}\n  LoG:\n    sigma: [1.0, 2.0, 3.0]\n  Wavelet: {}\n";
        let settings = radlsig_radiomics::ExtractionSettings::from_yaml_str(yaml, "test").unwrap();
        let extractor = radlsig_radiomics::Extractor::new(settings).unwrap();
        let mut failures = Vec::new();
        for row in &rows[1..] {
            let case = row[0].as_str();
            let image = dir.join(format!("images/{case}_image.nrrd"));
            let labels = dir.join(format!("images/{case}_label.nrrd"));
            let fv = extractor.extract(&image, &labels).unwrap_or_else(|e| panic!("{case}: {e}"));
            assert_eq!(fv.names().collect::<Vec<_>>(), columns, "{case}: names or order differ");
            for ((column, value), expected) in fv.features.iter().zip(&row[1..]) {
                let expected: f64 = expected.parse().unwrap();
                if !common::close(*value, expected, FEATURE_REL) {
                    failures
                        .push(format!("{case} {column}: ours {value:e}, PyRadiomics {expected:e}"));
                }
            }
        }
        assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
    }

    #[test]
    fn lbp_image_types_are_refused_by_name() {
        for name in ["LBP2D", "LBP3D"] {
            let yaml = format!("imageType:\n  {name}: {{}}\n");
            let settings =
                radlsig_radiomics::ExtractionSettings::from_yaml_str(&yaml, "p").unwrap();
            let e = radlsig_radiomics::Extractor::new(settings).unwrap_err().to_string();
            assert!(e.contains(name) && e.contains("not supported"), "{e}");
        }
    }
}
