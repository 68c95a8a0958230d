//! SVG figures for papers: ROC curves and calibration curves, one panel per split, every score on
//! the same axes (drawn with `plotters`' SVG backend; text is left to the SVG viewer's fonts).

use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::report::Evaluation;

/// Okabe–Ito colours (distinguishable with colour-vision deficiency), cycled.
const COLOURS: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];

const PANEL: u32 = 520;

fn plot_error(plot: &'static str) -> impl Fn(String) -> Error {
    move |message| Error::Plot { plot, message }
}

/// A chart on the unit square.
type UnitChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// What distinguishes one figure from the other: its file name (for errors), the panel caption,
/// the axis titles and where the legend goes.
struct Figure {
    plot: &'static str,
    caption: &'static str,
    x_desc: &'static str,
    y_desc: &'static str,
    legend: SeriesLabelPosition,
}

/// One unit-square panel per split, each with its caption, axes, the grey diagonal, whatever
/// `draw` adds for the split, and the legend.
fn panels(
    evaluation: &Evaluation,
    figure: Figure,
    mut draw: impl FnMut(&mut UnitChart<'_, '_>, &str) -> Result<()>,
) -> Result<String> {
    let err = plot_error(figure.plot);
    let mut svg = String::new();
    {
        let width = PANEL * evaluation.splits.len().max(1) as u32;
        let root = SVGBackend::with_string(&mut svg, (width, PANEL)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let areas = root.split_evenly((1, evaluation.splits.len().max(1)));
        for (split, panel) in evaluation.splits.iter().zip(areas.iter()) {
            let mut chart = ChartBuilder::on(panel)
                .caption(format!("{} — {split}", figure.caption), ("sans-serif", 20))
                .margin(14)
                .x_label_area_size(42)
                .y_label_area_size(52)
                .build_cartesian_2d(0f64..1f64, 0f64..1f64)
                .map_err(|e| err(e.to_string()))?;
            chart
                .configure_mesh()
                .x_desc(figure.x_desc)
                .y_desc(figure.y_desc)
                .light_line_style(WHITE)
                .axis_desc_style(("sans-serif", 16))
                .label_style(("sans-serif", 13))
                .draw()
                .map_err(|e| err(e.to_string()))?;
            chart
                .draw_series(LineSeries::new(
                    [(0.0, 0.0), (1.0, 1.0)],
                    ShapeStyle::from(RGBColor(160, 160, 160)).stroke_width(1),
                ))
                .map_err(|e| err(e.to_string()))?;
            draw(&mut chart, split)?;
            chart
                .configure_series_labels()
                .position(figure.legend.clone())
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK)
                .label_font(("sans-serif", 14))
                .draw()
                .map_err(|e| err(e.to_string()))?;
        }
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}

/// A legend entry: a short line in the series' colour.
fn legend_line(colour: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
}

/// ROC curves: x = 1 − specificity, y = sensitivity, one panel per split, each score a line with
/// "score: AUC 0.954 (0.901–0.986)" in the legend (the interval of the plan's `auc_ci`), and the
/// chance diagonal.
pub fn roc_svg(evaluation: &Evaluation) -> Result<String> {
    let err = plot_error("roc.svg");
    let figure = Figure {
        plot: "roc.svg",
        caption: "ROC",
        x_desc: "1 − Specificity",
        y_desc: "Sensitivity",
        legend: SeriesLabelPosition::LowerRight,
    };
    panels(evaluation, figure, |chart, split| {
        for (i, c) in evaluation.curves.iter().filter(|c| c.split == split).enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let points: Vec<(f64, f64)> = c
                .roc
                .specificities
                .iter()
                .zip(&c.roc.sensitivities)
                .map(|(&sp, &se)| (1.0 - sp, se))
                .collect();
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                .map_err(|e| err(e.to_string()))?
                .label(format!(
                    "{}: AUC {:.3} ({:.3}–{:.3})",
                    c.score, c.auc, c.auc_ci.0, c.auc_ci.1
                ))
                .legend(legend_line(colour));
        }
        Ok(())
    })
}

/// Calibration curves: observed event rate against mean predicted probability in the
/// Hosmer–Lemeshow risk groups, one panel per split, with the ideal diagonal. Scores without a
/// probability interpretation (values 0 or 1 exactly) are left out.
pub fn calibration_svg(evaluation: &Evaluation) -> Result<String> {
    let err = plot_error("calibration.svg");
    let figure = Figure {
        plot: "calibration.svg",
        caption: "Calibration",
        x_desc: "Predicted probability",
        y_desc: "Observed proportion",
        legend: SeriesLabelPosition::UpperLeft,
    };
    panels(evaluation, figure, |chart, split| {
        for (i, c) in evaluation.curves.iter().filter(|c| c.split == split).enumerate() {
            if c.risk_groups.is_empty() {
                continue;
            }
            let colour = COLOURS[i % COLOURS.len()];
            let points: Vec<(f64, f64)> =
                c.risk_groups.iter().map(|g| (g.mean_predicted, g.observed / g.n as f64)).collect();
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                .map_err(|e| err(e.to_string()))?
                .label(c.score.clone())
                .legend(legend_line(colour));
            chart
                .draw_series(points.into_iter().map(|p| Circle::new(p, 3, colour.filled())))
                .map_err(|e| err(e.to_string()))?;
        }
        Ok(())
    })
}
