//! The error type of `radlsig-radiomics`.
//!
//! Each variant names its data in fields and has a short lowercase message. A variant that
//! wraps another error (a file, a case, a parse failure) attaches it as its `source` and does
//! not repeat it in its own message, so that a caller printing the chain (`anyhow`'s `{:#}`,
//! or [`Error::chain`]) shows each part once: `case c1: cannot access a.nii.gz: No such file
//! or directory`.

use std::fmt;
use std::path::PathBuf;

use crate::settings::FeatureClass;

/// Everything that can go wrong while configuring or computing features.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An image or mask problem from the volume layer (I/O, geometry, empty mask, …).
    #[error(transparent)]
    Volume(#[from] radlsig_volume::Error),

    // --- Settings ---
    /// Settings break one or more rules (ranges and types of PyRadiomics' `paramSchema.yaml`,
    /// or something radlsig does not compute); every problem is listed, each naming its key.
    #[error("{}", ProblemList(what.as_deref(), problems))]
    InvalidSettings {
        /// The settings' source (a file, a config key such as `radiomics.params`, the
        /// `habitats` table), when known.
        what: Option<String>,
        /// The problems, in the order found (each listed once).
        problems: Vec<SettingProblem>,
    },
    /// A YAML settings text does not parse or does not fit the schema (syntax, unknown key,
    /// wrong type).
    #[error("{what}: cannot parse the YAML")]
    Yaml {
        /// The file or config key the text comes from.
        what: String,
        /// The parser's error, naming the key and position.
        #[source]
        source: serde_yaml::Error,
    },
    /// A TOML settings file does not parse or does not fit the schema.
    #[error("{}: cannot parse the TOML", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's error, naming the key and position.
        #[source]
        source: toml::de::Error,
    },
    /// A settings file whose extension names no format it can be read as.
    #[error("{}: {what} must end in {expected}", path.display())]
    SettingsFormat {
        /// The file.
        path: PathBuf,
        /// What the file holds (e.g. `habitat settings`).
        what: &'static str,
        /// The accepted extensions, in words.
        expected: &'static str,
    },

    // --- Inputs of one extraction ---
    /// An error while processing named inputs (an image and its mask, a filtered image).
    #[error("{what}")]
    Input {
        /// The file or files concerned (e.g. `a.nrrd with mask b.nrrd`).
        what: String,
        /// The underlying error.
        #[source]
        source: Box<Error>,
    },
    /// The mask is not on the image's grid and `correctMask` is off.
    #[error(
        "{what}: {reason}; set correctMask: true to resample the mask onto the image, or raise geometryTolerance"
    )]
    MaskOffGrid {
        /// The image and mask compared.
        what: String,
        /// The first property that differs, with both values.
        reason: String,
    },
    /// The mask holds no voxel with the ROI's label.
    #[error("{mask}: mask holds no voxel with label {label}")]
    MissingLabel {
        /// The mask (file or description).
        mask: String,
        /// The label asked for.
        label: i64,
    },
    /// The ROI fails PyRadiomics' `checkMask` size rules.
    #[error("{mask}: the ROI (label {label}) {shortfall}")]
    RoiTooSmall {
        /// The mask (file or description).
        mask: String,
        /// The ROI's label.
        label: i64,
        /// Which rule it fails, with the counts.
        shortfall: RoiShortfall,
    },
    /// An ROI (or a family's view of it) holds no voxel.
    #[error("{what}: the mask selects no voxel")]
    EmptyRoi {
        /// The family, filter or case that found it empty.
        what: String,
    },
    /// Two arrays that must share a shape do not.
    #[error("{what}: mask array shape {mask:?} differs from image shape {image:?} (z, y, x)")]
    ShapeMismatch {
        /// The step that compared them.
        what: String,
        /// The image (or discretised image) shape.
        image: Vec<usize>,
        /// The mask shape.
        mask: Vec<usize>,
    },
    /// Two lists that must have one entry per voxel do not.
    #[error("{what}: {found} {found_name} for {expected} {expected_name}")]
    CountMismatch {
        /// The step that compared them.
        what: &'static str,
        /// The length of the first list.
        found: usize,
        /// What the first list holds.
        found_name: &'static str,
        /// The length of the second list.
        expected: usize,
        /// What the second list holds.
        expected_name: &'static str,
    },
    /// A grey level inside the ROI is NaN or infinite.
    #[error("the ROI holds a non-finite grey level ({value})")]
    NonFiniteGrayLevel {
        /// The value found.
        value: f64,
    },
    /// A discretised ROI voxel is in bin 0 (bins start at 1).
    #[error("{family}: an ROI voxel has grey level 0 (bins start at 1)")]
    ZeroGrayLevel {
        /// The feature family.
        family: &'static str,
    },
    /// No neighbour offset (angle) of a texture family fits in the ROI box.
    #[error("{family}: no neighbour offset fits in the ROI box of shape {shape:?} (z, y, x)")]
    NoOffsets {
        /// The feature family.
        family: &'static str,
        /// The box shape `[z, y, x]`.
        shape: [usize; 3],
    },
    /// A texture family's matrix is empty along every angle.
    #[error("{family}: {reason}")]
    EmptyMatrix {
        /// The feature family.
        family: &'static str,
        /// Why (which pairs or runs are missing).
        reason: &'static str,
    },
    /// shape2D needs an ROI one voxel thick along `force2Ddimension`.
    #[error(
        "shape2D needs a ROI one voxel thick along force2Ddimension {dimension} ({axis} axis), but it spans {extent} voxels; set force2Ddimension to the out-of-plane axis or use the 3D shape features"
    )]
    RoiNotFlat {
        /// `force2Ddimension` (an array axis, 0 = z).
        dimension: usize,
        /// The axis' name.
        axis: &'static str,
        /// The ROI's extent along it.
        extent: usize,
    },
    /// PyRadiomics would skip shape2D: the ROI's bounding box is one voxel along the (x, y, z)
    /// axis it checks.
    #[error(
        "shape2D: the ROI's bounding box is 1 voxel along (x, y, z) axis {axis}; PyRadiomics checks that axis (it reads force2Ddimension in (x, y, z) order here) and skips shape2D, radlsig refuses instead"
    )]
    Shape2dSkipped {
        /// The (x, y, z) axis index checked (`force2Ddimension`).
        axis: usize,
    },
    /// A voxel-wise filter divides by the image's largest absolute value, which is 0 or not
    /// finite.
    #[error(
        "{filter} filter: the image's largest absolute value is {max}; PyRadiomics rescales by it and would produce NaN or infinite values"
    )]
    FilterScale {
        /// The filter (`Square`, …).
        filter: &'static str,
        /// The largest absolute value.
        max: f64,
    },
    /// The image is too small for the LoG filter (ITK's recursive Gaussian needs 4 voxels per
    /// line).
    #[error(
        "LoG: image size {size:?} (x, y, z) is below 4 voxels along an axis; PyRadiomics yields no LoG image then (ITK's recursive Gaussian needs 4 voxels per line)"
    )]
    LogImageTooSmall {
        /// Image size (x, y, z).
        size: [usize; 3],
    },
    /// The image is too small for one LoG sigma (PyRadiomics skips that sigma).
    #[error(
        "LoG sigma {sigma} mm: image size {size:?} (x, y, z) with spacing {spacing:?} mm is too small (PyRadiomics needs size >= ceil(sigma/spacing) + 1 on every axis and skips this sigma)"
    )]
    LogSigmaTooLarge {
        /// The sigma in mm.
        sigma: f64,
        /// Image size (x, y, z).
        size: [usize; 3],
        /// Spacing (x, y, z) in mm.
        spacing: [f64; 3],
    },
    /// A class was asked of the wrong family function (a bug in the caller).
    #[error("feature class {class} is not a {expected} class")]
    WrongClass {
        /// The class given.
        class: FeatureClass,
        /// What the function computes (`shape`, `texture`).
        expected: &'static str,
    },
    /// A class computed no value for a selected feature (its feature list and its functions
    /// disagree).
    #[error("feature class {class} computed no value for {feature}")]
    NoValue {
        /// The class.
        class: FeatureClass,
        /// The feature.
        feature: &'static str,
    },

    // --- Habitats ---
    /// A habitat case without images.
    #[error("case {case}: no image")]
    NoImage {
        /// The case ID.
        case: String,
    },
    /// A habitat case names a sequence twice.
    #[error("case {case}: sequence {sequence:?} given twice")]
    RepeatedSequence {
        /// The case ID.
        case: String,
        /// The sequence.
        sequence: String,
    },
    /// A case lacks a sequence the habitat model (or a cohort) needs.
    #[error("case {case}: no sequence {sequence:?} (the case has {available:?})")]
    MissingSequence {
        /// The case ID.
        case: String,
        /// The sequence needed.
        sequence: String,
        /// The sequences the case has.
        available: Vec<String>,
    },
    /// A habitat map given to a model that did not make it.
    #[error(
        "case {case}: the habitat map (k = {map_k}) was not made by this model (k = {model_k}) for this case"
    )]
    ForeignHabitatMap {
        /// The case ID.
        case: String,
        /// The map's k.
        map_k: usize,
        /// The model's k.
        model_k: usize,
    },
    /// The extractor's columns on a habitat differ from the habitat column list (a bug).
    #[error("case {case}: the extractor's columns differ from the habitat column list")]
    HabitatColumns {
        /// The case ID.
        case: String,
    },
    /// A habitat model fitted on no training case.
    #[error("habitats: no training case to fit on")]
    NoTrainingCase,
    /// k-means with more clusters than points.
    #[error("k-means: {points} points cannot form {clusters} clusters")]
    TooFewPoints {
        /// Number of points.
        points: usize,
        /// Number of clusters asked for.
        clusters: usize,
    },
    /// k-means on a point with a NaN or infinite coordinate.
    #[error("k-means: a point has a non-finite coordinate")]
    NonFinitePoint,
    /// The clustering of the pooled training voxels failed.
    #[error("habitats: clustering the pooled training voxels")]
    Clustering {
        /// Why.
        #[source]
        source: Box<Error>,
    },
    /// No candidate k could be scored by the criterion.
    #[error("habitats: no k in {min}..={max} could be scored on the pooled training voxels")]
    NoScorableK {
        /// Smallest k tried.
        min: usize,
        /// Largest k tried.
        max: usize,
    },
    /// A clustering criterion got one label per point for a different number of points.
    #[error("{criterion}: {labels} labels for {points} points")]
    LabelCount {
        /// The criterion.
        criterion: &'static str,
        /// Number of labels.
        labels: usize,
        /// Number of points.
        points: usize,
    },
    /// A clustering criterion needs 2 to n − 1 clusters.
    #[error("{criterion}: {clusters} distinct labels for {points} points; it needs 2 to n − 1")]
    ClusterCount {
        /// The criterion.
        criterion: &'static str,
        /// Number of distinct labels.
        clusters: usize,
        /// Number of points.
        points: usize,
    },
    /// A saved habitat model is not JSON of a model.
    #[error("{what}: not a habitat model")]
    ModelJson {
        /// The file or text source.
        what: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A saved habitat model has another format tag.
    #[error("{what}: format {found:?} is not {expected:?}")]
    ModelFormat {
        /// The file or text source.
        what: String,
        /// The tag found.
        found: String,
        /// The tag this version reads.
        expected: &'static str,
    },
    /// A saved habitat model's dimensions or values disagree.
    #[error("{what}: the model's dimensions or values are inconsistent")]
    ModelInconsistent {
        /// The file or text source.
        what: String,
    },

    // --- Cohorts and batches ---
    /// An error of one case of a cohort.
    #[error("case {id}")]
    Case {
        /// The case ID.
        id: String,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },
    /// Fitting the habitat model of a cohort failed.
    #[error("fitting the habitat model")]
    HabitatFit {
        /// Why.
        #[source]
        source: Box<Error>,
    },
    /// The habitat features of a case could not be computed.
    #[error("habitats")]
    Habitats {
        /// Why.
        #[source]
        source: Box<Error>,
    },
    /// A manifest with no case.
    #[error("{}: no cases", path.display())]
    NoCases {
        /// The manifest.
        path: PathBuf,
    },
    /// A manifest's image pair that a case lacks.
    #[error("no image {name:?}")]
    NoImagePair {
        /// The pair's name (`""`, `T1`, `T1_pre`).
        name: String,
    },
    /// The manifest's image names do not pair up as pre/post time points.
    #[error(
        "the manifest's image columns do not pair up as pre/post time points ({} {} no partner); delta features need every Image:<seq>_pre to have its Image:<seq>_post (turn delta off to extract them as separate sequences)",
        unpaired.join(", "),
        if unpaired.len() == 1 { "has" } else { "have" }
    )]
    UnpairedTimePoints {
        /// The names without a partner, in manifest order.
        unpaired: Vec<String>,
    },
    /// The pre and post time points of a case gave different columns.
    #[error("the pre and post time points gave different feature columns")]
    TimePointColumns,
    /// A case's columns differ from those of the first successful case.
    #[error("its feature columns differ from those of case {first}")]
    CaseColumns {
        /// The first successful case.
        first: String,
    },
    /// No case of a manifest has the split habitats are to be fitted on.
    #[error(
        "{}: no case has split {split:?} to fit the habitats on (`all` fits on every case)",
        path.display()
    )]
    NoFitCase {
        /// The manifest.
        path: PathBuf,
        /// The split asked for.
        split: String,
    },
    /// A habitat fit row outside the manifest.
    #[error("habitat fit row {row} is outside {} ({cases} cases)", path.display())]
    FitRowOutside {
        /// The row (0-based).
        row: usize,
        /// The manifest.
        path: PathBuf,
        /// Its number of cases.
        cases: usize,
    },
    /// The habitat settings name a sequence the manifest does not have.
    #[error(
        "habitats: sequences lists {sequence:?}, which {} does not have (it has {available:?})",
        path.display()
    )]
    HabitatSequence {
        /// The sequence.
        sequence: String,
        /// The manifest.
        path: PathBuf,
        /// The sequences it has.
        available: Vec<String>,
    },
    /// No training case of a cohort could be read.
    #[error("habitats: none of the {cases} training cases could be read (see the failures)")]
    NoReadableTrainingCase {
        /// Number of training cases.
        cases: usize,
    },
    /// Two case IDs map to one habitat-map file name.
    #[error("cases {first:?} and {second:?} would write the same habitat map file {stem}.nii.gz")]
    MapFileClash {
        /// One case ID.
        first: String,
        /// The other.
        second: String,
        /// The shared file stem.
        stem: String,
    },
    /// A folder could not be created.
    #[error("creating the {what} {}", path.display())]
    CreateDir {
        /// What the folder is for.
        what: &'static str,
        /// The folder.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The worker threads could not be started.
    #[error("starting the worker threads")]
    ThreadPool {
        /// Rayon's error.
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
    /// A batch CSV (PyRadiomics' batch mode) could not be read.
    #[error("reading manifest {}", path.display())]
    BatchRead {
        /// The CSV file.
        path: PathBuf,
        /// The CSV reader's error.
        #[source]
        source: csv::Error,
    },
    /// A batch CSV lacks a required column.
    #[error("{}: no {column} column (columns: {})", path.display(), columns.join(", "))]
    BatchColumn {
        /// The CSV file.
        path: PathBuf,
        /// The missing column.
        column: &'static str,
        /// The columns it has.
        columns: Vec<String>,
    },
    /// A batch CSV row with an empty required cell.
    #[error("{} line {line}: empty {column}", path.display())]
    BatchEmptyCell {
        /// The CSV file.
        path: PathBuf,
        /// The line (the header is line 1).
        line: usize,
        /// The column.
        column: &'static str,
    },
    /// A batch CSV row whose `Label` is not a positive integer.
    #[error("{} line {line}: Label {text:?} is not a positive integer", path.display())]
    BatchLabel {
        /// The CSV file.
        path: PathBuf,
        /// The line (the header is line 1).
        line: usize,
        /// The cell.
        text: String,
    },
    /// Feature rows of one table with different columns.
    #[error("row {row} produced different feature columns from row 1")]
    RowColumns {
        /// The 1-based row.
        row: usize,
    },
    /// A carried column with the name of a feature column.
    #[error("manifest column {name} has the name of a feature")]
    ColumnClash {
        /// The column name.
        name: String,
    },
    /// An output file could not be written.
    #[error("writing {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// An [`Error::InvalidSettings`] with one problem.
    pub fn setting(problem: SettingProblem) -> Error {
        Error::InvalidSettings { what: None, problems: vec![problem] }
    }

    /// This error with `what` (a file or table name) prefixed to the source of
    /// [`Error::InvalidSettings`] (`p.yaml`, then `p.yaml: habitats`); other errors unchanged.
    pub fn in_settings(self, what: &str) -> Error {
        match self {
            Error::InvalidSettings { what: inner, problems } => Error::InvalidSettings {
                what: Some(match inner {
                    Some(inner) => format!("{what}: {inner}"),
                    None => what.to_string(),
                }),
                problems,
            },
            other => other,
        }
    }

    /// The message followed by those of its sources, `a: b: c` (as `anyhow` prints an error
    /// with `{:#}`).
    pub fn chain(&self) -> Chain<'_> {
        Chain(self)
    }
}

/// An error with its sources, as [`Error::chain`] displays it.
#[derive(Debug, Clone, Copy)]
pub struct Chain<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = self.0.source();
        while let Some(e) = next {
            write!(f, ": {e}")?;
            next = e.source();
        }
        Ok(())
    }
}

/// Which `checkMask` size rule an ROI fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RoiShortfall {
    /// A single voxel (PyRadiomics always refuses it).
    SingleVoxel,
    /// Fewer dimensions with more than one voxel than `minimumROIDimensions`.
    Dimensions {
        /// Dimensions the ROI spans.
        found: usize,
        /// `minimumROIDimensions`.
        minimum: usize,
    },
    /// Not more voxels than `minimumROISize`.
    Voxels {
        /// Voxels in the ROI.
        found: usize,
        /// `minimumROISize`.
        minimum: usize,
    },
}

impl fmt::Display for RoiShortfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoiShortfall::SingleVoxel => {
                f.write_str("is a single voxel; features need at least two")
            }
            RoiShortfall::Dimensions { found, minimum } => {
                write!(f, "spans {found} dimension(s); minimumROIDimensions is {minimum}")
            }
            RoiShortfall::Voxels { found, minimum } => {
                write!(f, "has {found} voxels; minimumROISize requires more than {minimum}")
            }
        }
    }
}

/// One problem with one setting, naming its key (as in the file: `binWidth`,
/// `imageType.LoG.binWidth`, `habitats` keys such as `kMin`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingProblem {
    /// A value outside the range the key allows.
    #[error("{key}: {value} is not {expected}")]
    OutOfRange {
        /// The key.
        key: String,
        /// The value, as written.
        value: String,
        /// The range, e.g. `>= 1`, `> 0`, `a finite number > 0`, `in 1..=5`.
        expected: String,
    },
    /// A name that is not one of the key's choices.
    #[error("{key}: {value:?} is not one of {allowed:?}")]
    NotOneOf {
        /// The key.
        key: String,
        /// The value given.
        value: String,
        /// The accepted values.
        allowed: Vec<&'static str>,
    },
    /// A feature name the class does not have.
    #[error("{key}: unknown feature {name:?}")]
    UnknownFeature {
        /// The key (`featureClass.<class>`).
        key: String,
        /// The name given.
        name: String,
    },
    /// A list with the wrong number of values.
    #[error("{key}: {given} values given; {expected}")]
    Length {
        /// The key.
        key: String,
        /// Number of values given.
        given: usize,
        /// How many are needed, in words.
        expected: &'static str,
    },
    /// A list naming one entry twice.
    #[error("{key}: {name:?} is listed twice")]
    Repeated {
        /// The key.
        key: String,
        /// The entry.
        name: String,
    },
    /// A lower bound above its upper bound.
    #[error("{key}: {value} is more than {upper_key} {upper}")]
    Order {
        /// The lower bound's key.
        key: &'static str,
        /// Its value.
        value: String,
        /// The upper bound's key.
        upper_key: &'static str,
        /// Its value.
        upper: String,
    },
    /// Preprocessing keys set per image type (PyRadiomics applies them once).
    #[error(
        "imageType.{image_type}: {} cannot be set per image type (PyRadiomics applies it once, before any image type); move it to setting",
        keys.join(", ")
    )]
    PerImageType {
        /// The image type.
        image_type: String,
        /// The keys.
        keys: Vec<&'static str>,
    },
    /// A value or combination radlsig refuses (unsupported, conflicting or missing), with the
    /// reason and what to do instead.
    #[error("{key}: {reason}")]
    Refused {
        /// The key.
        key: String,
        /// Why, and what to do.
        reason: String,
    },
}

impl SettingProblem {
    /// A [`SettingProblem::OutOfRange`].
    pub fn out_of_range(
        key: impl Into<String>,
        value: impl fmt::Display,
        expected: impl Into<String>,
    ) -> SettingProblem {
        SettingProblem::OutOfRange {
            key: key.into(),
            value: value.to_string(),
            expected: expected.into(),
        }
    }

    /// A [`SettingProblem::Refused`].
    pub fn refused(key: impl Into<String>, reason: impl Into<String>) -> SettingProblem {
        SettingProblem::Refused { key: key.into(), reason: reason.into() }
    }
}

/// Problems separated by `; `, after their source if known.
struct ProblemList<'a>(Option<&'a str>, &'a [SettingProblem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(what) = self.0 {
            write!(f, "{what}: ")?;
        }
        for (i, p) in self.1.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// The result type of `radlsig-radiomics`.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_print_each_part_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let inner = Error::Volume(radlsig_volume::Error::Io { path: "a.nrrd".into(), source: io });
        let e = Error::Case { id: "c1".into(), source: Box::new(inner) };
        assert_eq!(e.to_string(), "case c1");
        assert_eq!(e.chain().to_string(), "case c1: cannot access a.nrrd: no such file");
        let p = Error::InvalidSettings {
            what: None,
            problems: vec![
                SettingProblem::out_of_range("binWidth", -1, "a finite number > 0"),
                SettingProblem::Order {
                    key: "kMin",
                    value: "4".into(),
                    upper_key: "kMax",
                    upper: "3".into(),
                },
            ],
        };
        assert_eq!(
            p.to_string(),
            "binWidth: -1 is not a finite number > 0; kMin: 4 is more than kMax 3"
        );
        let named = p.in_settings("habitats").in_settings("h.yaml").to_string();
        assert!(named.starts_with("h.yaml: habitats: binWidth: -1"), "{named}");
        let short = Error::RoiTooSmall {
            mask: "m.nrrd".into(),
            label: 2,
            shortfall: RoiShortfall::Voxels { found: 3, minimum: 5 },
        };
        assert_eq!(
            short.to_string(),
            "m.nrrd: the ROI (label 2) has 3 voxels; minimumROISize requires more than 5"
        );
    }
}
