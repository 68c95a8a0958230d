//! The error type of `radlsig-fusion`.

/// Everything that can go wrong while fitting or applying a harmonisation, selection or model
/// step.
///
/// Messages are short lowercase phrases that name the setting, feature, row or centre involved,
/// so a user who sees only the message knows which input to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid; every problem is listed with its key.
    #[error("invalid fusion config: {}", problems.join("; "))]
    Config {
        /// One entry per problem, each starting with the key (`rasig.steps[2].p: …`).
        problems: Vec<String>,
    },
    /// Two arrays that must agree in size do not.
    #[error("{what}: {reason}")]
    Shape {
        /// Which input was checked.
        what: String,
        /// What is wrong, with both sizes.
        reason: String,
    },
    /// A feature name occurs twice in one table (or in two blocks that are joined).
    #[error("feature `{name}` occurs more than once")]
    DuplicateFeature {
        /// The repeated name.
        name: String,
    },
    /// A feature the fitted model needs is missing from the table it is applied to.
    #[error("{context}: feature `{name}` is missing")]
    MissingFeature {
        /// The name that was looked up.
        name: String,
        /// Which step or model needed it.
        context: String,
    },
    /// A feature value is NaN or infinite.
    #[error("{context}: feature `{feature}` is not finite ({value}) in row `{row}`")]
    NonFinite {
        /// `training data` or `new data`.
        context: String,
        /// The feature (column) name.
        feature: String,
        /// The row ID.
        row: String,
        /// The offending value.
        value: f64,
    },
    /// A column that must hold probabilities holds a value outside [0, 1].
    #[error("feature `{feature}` must be a probability in [0, 1], got {value} in row `{row}`")]
    NotAProbability {
        /// The column.
        feature: String,
        /// The row ID.
        row: String,
        /// The offending value.
        value: f64,
    },
    /// The labels are unusable (not 0/1, wrong length, one class only).
    #[error("labels: {reason}")]
    Labels {
        /// What is wrong.
        reason: String,
    },
    /// A covariate is missing, has the wrong kind, or holds a value the model has not seen.
    #[error("covariate `{name}`: {reason}")]
    Covariate {
        /// The covariate name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A step that needs centre labels got a table without them.
    #[error("{step}: the table has no centre labels")]
    MissingCentres {
        /// The step that needs them.
        step: String,
    },
    /// New data comes from a centre that was not in the training data.
    #[error(
        "combat: centre `{centre}` (row `{row}`) was not in the training data; \
         set unseen_centre = \"identity\" to leave its rows unharmonised"
    )]
    UnseenCentre {
        /// The unseen centre label.
        centre: String,
        /// The first row from that centre.
        row: String,
    },
    /// ComBat cannot be fitted on this training data.
    #[error("combat: {reason}")]
    Combat {
        /// What is wrong.
        reason: String,
    },
    /// A feature has zero variance where the step needs a positive one.
    #[error("{step}: feature `{feature}` has zero variance in the training data")]
    ZeroVariance {
        /// The step.
        step: String,
        /// The constant feature.
        feature: String,
    },
    /// A `pca` step found no component.
    #[error("{step}: {reason}")]
    Pca {
        /// The step.
        step: String,
        /// Why.
        reason: String,
    },
    /// A selection step left no feature.
    #[error("{step}: no feature is left ({detail})")]
    NoFeatureSelected {
        /// The step that removed the last feature.
        step: String,
        /// Why, with the setting that caused it.
        detail: String,
    },
    /// The classes are (quasi-)completely separated: the maximum-likelihood logistic fit does not
    /// exist.
    #[error(
        "{model}: the classes are separated by {features} ({detail}); the unpenalised \
         logistic fit does not exist; {hint}"
    )]
    Separation {
        /// The model being fitted.
        model: String,
        /// The model's features, comma-separated.
        features: String,
        /// What was detected.
        detail: String,
        /// What to set (`set model.ridge > 0 or select fewer features`).
        hint: String,
    },
    /// An iterative fit did not converge within its iteration limit.
    #[error("{what}: no convergence after {iterations} iterations")]
    NotConverged {
        /// The fit.
        what: String,
        /// The limit that was reached.
        iterations: usize,
    },
    /// A linear system is singular (collinear features or covariates).
    #[error("{what}: matrix is singular or not positive definite (collinear columns?)")]
    Singular {
        /// Which system.
        what: String,
    },
    /// A saved signature or pipeline could not be read back.
    #[error("signature json: {0}")]
    Json(#[from] serde_json::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
