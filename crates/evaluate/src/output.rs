//! The files of an evaluation, rendered in memory: CSV tables and SVG figures. Callers write
//! them only when every one rendered, so a failure leaves no partial output.

use polars::prelude::{CsvWriter, DataFrame, SerWriter};

use crate::error::Result;
use crate::plot::{calibration_svg, roc_svg};
use crate::report::{Evaluation, EvaluationPlan};

/// A frame as CSV text: a header row, then one line per row (Polars' CSV writer).
pub fn csv_bytes(df: &DataFrame) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    CsvWriter::new(&mut buf).include_header(true).finish(&mut df.clone())?;
    Ok(buf)
}

/// Every output of `radlsig evaluate`, by file name: `metrics.csv`, `comparisons.csv`,
/// `roc.csv`, `calibration.csv`, `decision_curve.csv`, `settings.csv` (the plan), `roc.svg`
/// and `calibration.svg`.
pub fn evaluation_files(
    evaluation: &Evaluation,
    plan: &EvaluationPlan,
) -> Result<Vec<(&'static str, Vec<u8>)>> {
    Ok(vec![
        ("metrics.csv", csv_bytes(&evaluation.metrics)?),
        ("comparisons.csv", csv_bytes(&evaluation.comparisons)?),
        ("roc.csv", csv_bytes(&evaluation.roc)?),
        ("calibration.csv", csv_bytes(&evaluation.calibration)?),
        ("decision_curve.csv", csv_bytes(&evaluation.decision_curve)?),
        ("settings.csv", csv_bytes(&plan.to_frame()?)?),
        ("roc.svg", roc_svg(evaluation)?.into_bytes()),
        ("calibration.svg", calibration_svg(evaluation)?.into_bytes()),
    ])
}
